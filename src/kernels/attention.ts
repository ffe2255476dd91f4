// Multi-head attention by name: every variant takes the same AttentionArgs and returns an AttentionPlan
// (attention-common.ts), so tests, benchmarks and the runtime pick one with a string. Adding a variant is one
// .wgsl, one small module exporting an AttentionVariant, and one line in ATTENTION_VARIANTS.
import type { Gpu } from '../gpu/device.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import type { AttentionArgs, AttentionPlan, AttentionVariant } from './attention-common.ts';
import { flashVariant } from './attention-flash.ts';
import { naiveAttention } from './attention-naive.ts';

export * from './attention-common.ts';
export * from './attention-flash.ts';
export * from './attention-naive.ts';
export * from './attention-probs.ts';

export const ATTENTION_VARIANTS: readonly AttentionVariant[] = [
  naiveAttention,
  flashVariant('flash', { BQ: 64, BK: 16 }),
  // Fewer rows per workgroup: more workgroups for short sequences and few heads, each key load serves fewer rows.
  flashVariant('flash-q32', { BQ: 32, BK: 32 }),
  // More rows per workgroup: each staged key serves 128 rows, half as many barriers per FMA as 'flash'.
  flashVariant('flash-q128', { BQ: 128, BK: 16 }),
];

export const DEFAULT_ATTENTION_VARIANT = 'flash';

export function attentionVariant(name: string): AttentionVariant {
  const v = ATTENTION_VARIANTS.find((x) => x.name === name);
  if (!v) throw new Error(`unknown attention variant "${name}" (known: ${ATTENTION_VARIANTS.map((x) => x.name).join(', ')})`);
  return v;
}

export function prepareAttention(gpu: Gpu, uniforms: UniformArena, args: AttentionArgs, variant = DEFAULT_ATTENTION_VARIANT): Promise<AttentionPlan> {
  return attentionVariant(variant).prepare(gpu, uniforms, args);
}
