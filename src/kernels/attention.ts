// Multi-head attention by name: every variant takes the same AttentionArgs and returns an AttentionPlan
// (attention-common.ts), so tests, benchmarks and the runtime pick one with a string. Adding a variant is one
// .wgsl, one small module exporting an AttentionVariant, and one line in ATTENTION_VARIANTS.
import type { Gpu } from '../gpu/device.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { featureNames, type AttentionArgs, type AttentionPlan, type AttentionVariant, type FeatureName } from './attention-common.ts';
import { flashVariant } from './attention-flash.ts';
import { flashD64Variant } from './attention-flash-d64.ts';
import { flashSplitVariant } from './attention-flash-split.ts';
import { naiveAttention } from './attention-naive.ts';

export * from './attention-common.ts';
export * from './attention-flash.ts';
export * from './attention-flash-d64.ts';
export * from './attention-flash-split.ts';
export * from './attention-naive.ts';
export * from './attention-probs.ts';

export const ATTENTION_VARIANTS: readonly AttentionVariant[] = [
  naiveAttention,
  flashVariant('flash', { BQ: 64, BK: 16 }),
  // Fewer rows per workgroup: more workgroups for short sequences and few heads, each key load serves fewer rows.
  flashVariant('flash-q32', { BQ: 32, BK: 32 }),
  // More rows per workgroup: each staged key serves 128 rows, half as many barriers per FMA as 'flash'.
  flashVariant('flash-q128', { BQ: 128, BK: 16 }),
  // 'flash' with q and the accumulator in named registers, head dim 64 only (attention-flash-d64.wgsl).
  flashD64Variant('flash-d64', { BQ: 64, BK: 16 }),
  // For short sequences on GPUs: the keys split over enough workgroups, then merged (attention-flash-split.ts).
  flashSplitVariant('flash-split', { BQ: 32, BK: 16 }),
];

/**
 * What a model runs when no variant is asked for: the first of these that takes its head dim. flash-d64
 * first: the same algorithm as flash in named registers, 1.6x flash on SwiftShader (S = 128 and 512, same
 * run); GPUs likely compile the two alike. naive takes every head dim.
 */
export const DEFAULT_ATTENTION_ORDER: readonly string[] = ['flash-d64', 'flash', 'naive'];

/** Why a variant cannot run this head dim with these position features, or undefined when it can. */
export function variantRefuses(v: AttentionVariant, headDim: number, features: readonly FeatureName[] = []): string | undefined {
  const missing = features.filter((f) => !(v.features ?? []).includes(f));
  return v.unsupported?.(headDim) ?? (missing.length ? `it takes no ${missing.join(', ')} (variants that do: ${ATTENTION_VARIANTS.filter((x) => missing.every((f) => x.features?.includes(f))).map((x) => x.name).join(', ')})` : undefined);
}

export function defaultAttentionVariant(headDim: number, features: readonly FeatureName[] = []): string {
  return DEFAULT_ATTENTION_ORDER.find((name) => !variantRefuses(attentionVariant(name), headDim, features)) ?? 'flash';
}

export function attentionVariant(name: string): AttentionVariant {
  const v = ATTENTION_VARIANTS.find((x) => x.name === name);
  if (!v) throw new Error(`unknown attention variant "${name}" (known: ${ATTENTION_VARIANTS.map((x) => x.name).join(', ')})`);
  return v;
}

export function prepareAttention(gpu: Gpu, uniforms: UniformArena, args: AttentionArgs, variant = defaultAttentionVariant(args.headDim, featureNames(args.features))): Promise<AttentionPlan> {
  return attentionVariant(variant).prepare(gpu, uniforms, args);
}
