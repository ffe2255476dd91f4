// The benchmark suites by name, in the order `npm run bench` runs them: the ceilings first, so every later
// figure is compared with limits measured in the same run. Browser-safe (the demo imports this).
import { SuiteArgs, type FlagKind } from '../suite-args.ts';
import type { Suite, SuiteRenderer } from '../suite.ts';
import { ATTENTION_FLAGS, attentionSuite, renderAttention } from './attention.ts';
import { ATTENTION_FEATURES_FLAGS, attentionFeaturesSuite, renderAttentionFeatures } from './attention-features.ts';
import { CEILINGS_FLAGS, ceilingsSuite, renderCeilings } from './ceilings.ts';
import { E2E_FLAGS, e2eSuite, renderE2e } from './e2e.ts';
import { KERNELS_FLAGS, kernelsSuite, renderKernels } from './kernels.ts';

export const SUITES: Record<string, Suite> = {
  ceilings: ceilingsSuite,
  kernels: kernelsSuite,
  attention: attentionSuite,
  'attention-features': attentionFeaturesSuite,
  e2e: e2eSuite,
};

/** Re-rendering saved rows (`npm run bench -- report`). */
export const RENDERERS: Record<string, SuiteRenderer> = {
  ceilings: renderCeilings,
  kernels: renderKernels,
  attention: renderAttention,
  'attention-features': renderAttentionFeatures,
  e2e: renderE2e,
};

const FLAGS: Record<string, Record<string, FlagKind>> = {
  ceilings: CEILINGS_FLAGS,
  kernels: KERNELS_FLAGS,
  attention: ATTENTION_FLAGS,
  'attention-features': ATTENTION_FEATURES_FLAGS,
  e2e: E2E_FLAGS,
};

/** Throws the suite's own one-line error for an unknown flag or a missing value, before anything starts. */
export function checkSuiteFlags(suite: string, args: readonly string[]): void {
  new SuiteArgs(suite, args, FLAGS[suite] ?? {});
}
