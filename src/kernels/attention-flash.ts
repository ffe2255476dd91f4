// Fused attention (attention-flash.wgsl): one dispatch, online softmax over key tiles, no S x S buffer.
// Attention maps, when asked for, come from a second kernel (attention-probs.ts) fed by the per-row
// log-sum-exp this one writes under WRITE_LSE.
import type { Gpu } from '../gpu/device.ts';
import { BYTES_PER_ELEMENT } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import {
  ATTENTION_PARAMS, attentionLayout, attentionParams, FEATURE_DEFINES, featureDefines, featureTensors, PlanScratch,
  type AttentionArgs, type AttentionPlan, type AttentionVariant, type FeatureName,
} from './attention-common.ts';
import { prepareAttentionProbs } from './attention-probs.ts';
import { defineKernel } from './kernel.ts';

/** The bindings of the fused kernels before their feature bindings. */
export const FLASH_BINDINGS = ['q: read', 'k: read', 'v: read', 'mask: read if HAS_MASK', 'out: write', 'lse: write if WRITE_LSE', 'params: uniform'];

export const attentionFlash = defineKernel({
  name: 'attention-flash',
  shaders: ['attention-common.wgsl', 'attention-flash.wgsl'],
  bindings: [...FLASH_BINDINGS, 'rel_bucket: read if REL_BIAS', 'rel_weight: read if REL_BIAS', 'alibi: read if ALIBI', 'rope: read if ROPE',
    'part_acc: write if SPLIT', 'part_ml: write if SPLIT'],
  params: ATTENTION_PARAMS,
  constants: { BQ: 64 },
  defines: { D4: 16, BK: 16, HAS_MASK: false, CAUSAL: false, WRITE_LSE: false, SPLIT: false, SPLITS: 1, ...FEATURE_DEFINES },
});

/** Every position feature the fused kernel takes (attention-common.wgsl). */
export const FLASH_FEATURES: readonly FeatureName[] = ['rope', 'window', 'relative-bias', 'alibi'];

/** Query rows per workgroup (= invocations, one row each) and keys per tile. */
export interface FlashTile { BQ: number; BK: number }

/**
 * WebGPU's default maxComputeWorkgroupStorageSize, which every adapter offers: the K and V tiles must fit it.
 * At head dim 128 a key costs 2*128*4 + 4 bytes of tiles, so BK = 16 would need 16448 bytes and shrinks to 15.
 */
const WORKGROUP_BYTES = 16384;
/** WebGPU's default maxComputeInvocationsPerWorkgroup: BQ, one invocation per row, stays within it. */
const MAX_INVOCATIONS = 256;
/** Head dims up to this keep q and the accumulator (2 * headDim floats per invocation) in registers. */
export const MAX_FLASH_HEAD_DIM = 128;

/** The key tile actually used: the variant's BK, shrunk until K tile + V tile + key biases fit WORKGROUP_BYTES. */
export function flashKeyTile(tile: FlashTile, headDim: number): number {
  const bytesPerKey = (2 * headDim + 1) * BYTES_PER_ELEMENT;
  return Math.max(1, Math.min(tile.BK, Math.floor(WORKGROUP_BYTES / bytesPerKey)));
}

/** The fused kernel or one with its bindings, params and defines (attention-flash-d64.ts). */
export type FlashKernel = typeof attentionFlash;

export async function prepareFlashAttention(gpu: Gpu, uniforms: UniformArena, args: AttentionArgs, tile: FlashTile, kernel: FlashKernel = attentionFlash): Promise<AttentionPlan> {
  const label = args.label ?? `attention flash ${args.batch}x${args.seqLen} h${args.heads}x${args.headDim}`;
  const layout = attentionLayout(args, label);
  const { batch, seqLen, heads, headDim } = args;
  if (headDim % 4 || headDim > MAX_FLASH_HEAD_DIM) {
    throw new Error(`${label}: the fused kernel needs a head dim that is a multiple of 4 up to ${MAX_FLASH_HEAD_DIM}, got ${headDim}`);
  }
  if (tile.BQ > MAX_INVOCATIONS) throw new Error(`${label}: BQ ${tile.BQ} exceeds ${MAX_INVOCATIONS} invocations per workgroup`);
  const all = {
    D4: headDim / 4, BK: flashKeyTile(tile, headDim), HAS_MASK: Boolean(args.mask), CAUSAL: Boolean(args.causal),
    WRITE_LSE: Boolean(args.outputAttentions), ...featureDefines(args.features),
  };
  // A kernel without some feature (flash-d64) has no define for it: only the defines the kernel knows.
  const defines = Object.fromEntries(Object.entries(all).filter(([k]) => k in kernel.spec.defines)) as typeof all;
  return PlanScratch.build(gpu, async (scratch) => {
    const lse = args.outputAttentions ? await scratch.tensor([batch, heads, seqLen], `${label} lse`) : undefined;
    const probs = args.probs ?? (args.outputAttentions ? await scratch.tensor([batch, heads, seqLen, seqLen], `${label} probs`) : undefined);
    const step = await kernel.prepare(gpu, {
      variant: { constants: { BQ: tile.BQ }, defines },
      tensors: { q: layout.q.tensor, k: layout.k.tensor, v: layout.v.tensor, mask: args.mask, out: args.out, lse, ...featureTensors(args.features) },
      params: attentionParams(args, layout),
      workgroups: [Math.ceil(seqLen / tile.BQ), heads, batch],
      grid: `ceil(${seqLen} queries / ${tile.BQ} per workgroup) x ${heads} heads x ${batch} sequences`,
      uniforms,
      label,
    });
    const steps = [step];
    if (lse && probs) steps.push(await prepareAttentionProbs(gpu, uniforms, args, layout, { lse, probs }));
    return scratch.plan(steps, probs);
  });
}

/** A named tile shape of the fused kernel, as the registry lists it. */
export function flashVariant(name: string, tile: FlashTile): AttentionVariant {
  return {
    name,
    describe: `fused online-softmax attention, ${tile.BQ} query rows per workgroup (one per invocation), key tiles of ${tile.BK} in workgroup memory (fewer at large head dims to stay within 16 KiB); no S x S buffer`,
    unsupported: (headDim) => (headDim % 4 || headDim > MAX_FLASH_HEAD_DIM
      ? `the fused kernel needs a head dim that is a multiple of 4 up to ${MAX_FLASH_HEAD_DIM}, got ${headDim}` : undefined),
    features: FLASH_FEATURES,
    prepare: (gpu, uniforms, args) => prepareFlashAttention(gpu, uniforms, args, tile),
  };
}
