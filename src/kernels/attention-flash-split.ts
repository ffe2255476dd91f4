// Split attention (flash-decoding, Dao et al. 2023, applied to an encoder's short sequences): the fused
// kernel (attention-flash.wgsl under SPLIT) runs SPLITS workgroups per (query block, head, sequence), each over
// its share of the keys, writing unnormalised partial results; attention-merge.wgsl combines them exactly.
// One sequence of 128 tokens with 12 heads gives the one-pass kernel ceil(128 / 32) x 12 = 48 workgroups;
// split 6 ways it gives 288, and a second small dispatch. SPLITS is chosen per shape to reach
// OCCUPANCY_WORKGROUPS, at most one part per key tile, and within SPLIT_SCRATCH_BYTES of partial results;
// where one part is enough, the one-pass kernel runs.
import type { Gpu } from '../gpu/device.ts';
import { BYTES_PER_ELEMENT } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { OCCUPANCY_WORKGROUPS } from './kernel.ts';
import { attentionLayout, attentionParams, featureDefines, featureTensors, PlanScratch, type AttentionArgs, type AttentionPlan, type AttentionVariant } from './attention-common.ts';
import { attentionFlash, flashKeyTile, MAX_FLASH_HEAD_DIM, prepareFlashAttention, type FlashTile } from './attention-flash.ts';
import { prepareAttentionProbs } from './attention-probs.ts';
import { defineKernel, grid1d } from './kernel.ts';

export const attentionMerge = defineKernel({
  name: 'attention-merge',
  shaders: ['attention-merge.wgsl'],
  bindings: ['part_acc: read', 'part_ml: read', 'out: write', 'lse: write if WRITE_LSE', 'params: uniform'],
  params: ['rows: u32', 'seq_len: u32', 'heads: u32', 'out_ld: u32'],
  constants: { WG: 64 },
  defines: { D4: 16, SPLITS: 2, WRITE_LSE: false },
});

/** The most bytes of partial results a split may allocate (past it, fewer parts). */
export const SPLIT_SCRATCH_BYTES = 64 * 2 ** 20;

/** Parts for this shape: enough for OCCUPANCY_WORKGROUPS, no more than the key tiles, within the scratch cap. */
export function splitCount(args: Pick<AttentionArgs, 'batch' | 'seqLen' | 'heads' | 'headDim'>, tile: FlashTile): number {
  const { batch, seqLen, heads, headDim } = args;
  const groups = Math.ceil(seqLen / tile.BQ) * heads * batch;
  const tiles = Math.ceil(seqLen / flashKeyTile(tile, headDim));
  const perPart = batch * heads * seqLen * (headDim + 2) * BYTES_PER_ELEMENT;
  return Math.max(1, Math.min(Math.ceil(OCCUPANCY_WORKGROUPS / groups), tiles, Math.floor(SPLIT_SCRATCH_BYTES / perPart)));
}

export async function prepareSplitAttention(gpu: Gpu, uniforms: UniformArena, args: AttentionArgs, tile: FlashTile): Promise<AttentionPlan> {
  const splits = splitCount(args, tile);
  if (splits === 1) return prepareFlashAttention(gpu, uniforms, args, tile);
  const label = args.label ?? `attention split ${args.batch}x${args.seqLen} h${args.heads}x${args.headDim}`;
  const layout = attentionLayout(args, label);
  const { batch, seqLen, heads, headDim } = args;
  if (headDim % 4 || headDim > MAX_FLASH_HEAD_DIM) throw new Error(`${label}: the fused kernel needs a head dim that is a multiple of 4 up to ${MAX_FLASH_HEAD_DIM}, got ${headDim}`);
  if (args.features?.window !== undefined) throw new Error(`${label}: the split kernel takes no sliding window (run 'flash')`);
  const D4 = headDim / 4;
  const rows = batch * heads * seqLen;
  return PlanScratch.build(gpu, async (scratch) => {
    const partAcc = await scratch.tensor([splits, rows, headDim], `${label} partial accumulators`);
    const partMl = await scratch.tensor([splits, rows, 2], `${label} partial max and sum`);
    const lse = args.outputAttentions ? await scratch.tensor([batch, heads, seqLen], `${label} lse`) : undefined;
    const probs = args.probs ?? (args.outputAttentions ? await scratch.tensor([batch, heads, seqLen, seqLen], `${label} probs`) : undefined);
    const split = await attentionFlash.prepare(gpu, {
      variant: {
        constants: { BQ: tile.BQ },
        defines: { D4, BK: flashKeyTile(tile, headDim), HAS_MASK: Boolean(args.mask), CAUSAL: Boolean(args.causal), WRITE_LSE: false, SPLIT: true, SPLITS: splits, ...featureDefines(args.features) },
      },
      tensors: { q: layout.q.tensor, k: layout.k.tensor, v: layout.v.tensor, mask: args.mask, out: args.out, part_acc: partAcc, part_ml: partMl, ...featureTensors(args.features) },
      params: attentionParams(args, layout),
      workgroups: [Math.ceil(seqLen / tile.BQ), heads * splits, batch],
      grid: `ceil(${seqLen} queries / ${tile.BQ}) x ${heads} heads x ${splits} key parts x ${batch} sequences`,
      uniforms,
      label: `${label} (${splits} parts)`,
    });
    const { constants } = attentionMerge.resolve();
    const merge = await attentionMerge.prepare(gpu, {
      variant: { defines: { D4, SPLITS: splits, WRITE_LSE: Boolean(lse) } },
      tensors: { part_acc: partAcc, part_ml: partMl, out: args.out, lse },
      params: { rows, seq_len: seqLen, heads, out_ld: layout.hidden },
      workgroups: grid1d(Math.ceil((rows * D4) / constants.WG)),
      grid: `${rows * D4} output vec4s / ${constants.WG}`,
      uniforms,
      label: `${label} merge`,
    });
    const steps = [split, merge];
    if (lse && probs) steps.push(await prepareAttentionProbs(gpu, uniforms, args, layout, { lse, probs }));
    return scratch.plan(steps, probs);
  });
}

export function flashSplitVariant(name: string, tile: FlashTile): AttentionVariant {
  return {
    name,
    describe: `fused online-softmax attention with the keys split into parts when (query blocks of ${tile.BQ}) x heads x batch gives fewer than ${OCCUPANCY_WORKGROUPS} workgroups, merged exactly by a second dispatch (flash-decoding); partial results in scratch`,
    unsupported: (headDim) => (headDim % 4 || headDim > MAX_FLASH_HEAD_DIM
      ? `the fused kernel needs a head dim that is a multiple of 4 up to ${MAX_FLASH_HEAD_DIM}, got ${headDim}` : undefined),
    features: ['rope', 'relative-bias', 'alibi'],
    prepare: (gpu, uniforms, args) => prepareSplitAttention(gpu, uniforms, args, tile),
  };
}
