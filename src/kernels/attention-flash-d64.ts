// Fused attention for head dim 64 in named registers (attention-flash-d64.wgsl): the flash algorithm and
// plan (attention-flash.ts) with the per-row q and accumulator unrolled, for adapters that keep loop-indexed
// arrays in memory (SwiftShader). BERT-base and MiniLM have head dim 64.
import { featureNames, type AttentionVariant } from './attention-common.ts';
import { attentionFlash, FLASH_BINDINGS, prepareFlashAttention, type FlashKernel, type FlashTile } from './attention-flash.ts';
import { defineKernel } from './kernel.ts';

const HEAD_DIM = 64;

// The fused kernel's bindings and defines without the position features (named registers leave no room for
// the rotation loops, so models with features run 'flash') and without the split over keys (flash-split).
export const attentionFlashD64 = defineKernel({
  ...attentionFlash.spec,
  name: 'attention-flash-d64',
  shaders: ['attention-common.wgsl', 'attention-flash-d64.wgsl'],
  bindings: FLASH_BINDINGS,
  defines: withoutPositionTerms(attentionFlash.spec.defines),
});

function withoutPositionTerms<T extends { POSITION_TERMS: boolean; SPLIT: boolean; SPLITS: number }>(d: T): Omit<T, 'POSITION_TERMS' | 'SPLIT' | 'SPLITS'> {
  const { POSITION_TERMS: _, SPLIT: _s, SPLITS: _n, ...rest } = d;
  return rest;
}

export function flashD64Variant(name: string, tile: FlashTile): AttentionVariant {
  return {
    name,
    describe: `fused online-softmax attention for head dim ${HEAD_DIM} with q and the accumulator in named registers, ${tile.BQ} query rows per workgroup, key tiles of ${tile.BK}; no S x S buffer`,
    unsupported: (headDim) => (headDim === HEAD_DIM ? undefined : `this variant is written for head dim ${HEAD_DIM}, got ${headDim}`),
    prepare: (gpu, uniforms, args) => {
      if (args.headDim !== HEAD_DIM) throw new Error(`${name}: written for head dim ${HEAD_DIM}, got ${args.headDim}`);
      const asked = featureNames(args.features);
      if (asked.length) throw new Error(`${name}: takes no position features (${asked.join(', ')}: run 'flash')`);
      // The plan is the fused kernel's; it passes only the defines this kernel knows.
      return prepareFlashAttention(gpu, uniforms, args, tile, attentionFlashD64 as unknown as FlashKernel);
    },
  };
}
