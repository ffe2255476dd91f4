// The GPU kernel cases, one list shared by the Node (Dawn) and Chromium (Playwright) test runs.
import { attentionCases } from './attention-cases.ts';
import { matmulCases } from './matmul-cases.ts';
import { otherCases } from './other-cases.ts';
import { poolCases, sentencePoolCases } from './pool-cases.ts';
import type { KernelCase } from './harness.ts';

export const kernelCases: KernelCase[] = [...matmulCases(), ...otherCases(), ...attentionCases(), ...poolCases(), ...sentencePoolCases()];

const names = new Set<string>();
for (const c of kernelCases) {
  if (names.has(c.name)) throw new Error(`two kernel cases are named "${c.name}"`);
  names.add(c.name);
}
