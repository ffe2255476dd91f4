// Every kernel case in headless Chromium's WebGPU: the same list the Node run uses (tests/kernels/cases.ts).
import { expect, test } from '@playwright/test';
import { kernelCases } from '../kernels/cases.ts';
import type { Harness } from './harness.ts';
import { useHarnessPage } from './page.ts';

const page = useHarnessPage();

for (const c of kernelCases) {
  test(c.name, async () => {
    const { ok, message } = await page().evaluate((name) => (window as unknown as { harness: Harness }).harness.runKernelCase(name), c.name);
    expect(ok, message).toBe(true);
  });
}
