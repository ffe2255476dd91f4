// The parts of attention that need no GPU: the padding-mask helper, argument checks and layouts, the variant
// registry, the key-tile rule, and that the fused kernel without WRITE_LSE carries no trace of it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../src/shaders-node.ts';
import { buildShader } from '../../src/gpu/shaders.ts';
import type { GpuTensor } from '../../src/gpu/tensor.ts';
import {
  ATTENTION_VARIANTS, attentionFlash, attentionFlops, attentionLayout, attentionMaskBias, attentionVariant, defaultAttentionVariant,
  flashKeyTile, splitCount, SPLIT_SCRATCH_BYTES, type AttentionArgs,
} from '../../src/kernels/attention.ts';
import { MASK_VALUE } from '../../src/kernels/softmax.ts';

const tensor = (shape: number[], label: string): GpuTensor => ({ buffer: {} as GPUBuffer, byteOffset: 0, shape, dtype: 'f32', label });

test('attentionMaskBias turns Hugging Face attention_mask (1 attend, 0 pad) into the additive mask', () => {
  const pad = Math.fround(MASK_VALUE);
  assert.deepEqual([...attentionMaskBias([1, 1, 0, 0, 1, 1], 2, 3)], [0, 0, pad, pad, 0, 0]);
  assert.throws(() => attentionMaskBias([1, 1, 1], 2, 3), /expected batch\*seqLen = 6/);
});

test('attentionLayout: packed QKV is Q, K, V column blocks of one tensor; separate tensors have ld = hidden', () => {
  const base = { batch: 2, seqLen: 5, heads: 3, headDim: 8, out: tensor([10, 24], 'out') };
  const packed = attentionLayout({ ...base, qkv: tensor([10, 72], 'qkv') }, 't');
  assert.deepEqual([packed.q.offset, packed.k.offset, packed.v.offset, packed.q.ld], [0, 24, 48, 72]);
  assert.equal(packed.scale, 1 / Math.sqrt(8));
  const separate = attentionLayout({ ...base, q: tensor([10, 24], 'q'), k: tensor([10, 24], 'k'), v: tensor([10, 24], 'v'), scale: 0.5 }, 't');
  assert.deepEqual([separate.k.offset, separate.k.ld, separate.scale], [0, 24, 0.5]);
});

test('attentionLayout refuses mixed inputs, small tensors and bad sizes', () => {
  const base: AttentionArgs = { batch: 2, seqLen: 5, heads: 3, headDim: 8, out: tensor([10, 24], 'out'), qkv: tensor([10, 72], 'qkv') };
  assert.throws(() => attentionLayout({ ...base, q: tensor([10, 24], 'q') }, 't'), /either qkv or all of q, k and v/);
  assert.throws(() => attentionLayout({ ...base, qkv: tensor([10, 71], 'qkv') }, 't'), /"qkv" .* fewer than 720/);
  assert.throws(() => attentionLayout({ ...base, mask: tensor([2, 4], 'mask') }, 't'), /"mask"/);
  assert.throws(() => attentionLayout({ ...base, seqLen: 0 }, 't'), /seqLen must be a positive integer/);
});

test('the variant registry has unique names, naive and flash, and names the known ones on a miss', () => {
  const names = ATTENTION_VARIANTS.map((v) => v.name);
  assert.equal(new Set(names).size, names.length);
  for (const n of ['naive', 'flash']) assert.ok(names.includes(n));
  assert.throws(() => attentionVariant('nope'), /known: naive, flash/);
});

test('by default a model runs the first variant that takes its head dim: flash-d64, flash, then naive', () => {
  assert.equal(defaultAttentionVariant(64), 'flash-d64');
  assert.equal(defaultAttentionVariant(32), 'flash');
  assert.equal(defaultAttentionVariant(128), 'flash');
  assert.equal(defaultAttentionVariant(18), 'naive');
  assert.match(attentionVariant('flash-d64').unsupported!(32)!, /head dim 64, got 32/);
});

test('flash key tiles shrink to fit 16 KiB of K, V and key biases', () => {
  assert.equal(flashKeyTile({ BQ: 64, BK: 16 }, 64), 16);
  assert.equal(flashKeyTile({ BQ: 64, BK: 16 }, 128), 15);
  for (let dh = 4; dh <= 128; dh += 4) assert.ok(flashKeyTile({ BQ: 64, BK: 64 }, dh) * (2 * dh + 1) * 4 <= 16384);
});

test('without WRITE_LSE the fused kernel has no log-sum-exp code; with it, it has', () => {
  // Code only: the header comment describes the lse binding either way.
  const source = (writeLse: boolean) => buildShader(attentionFlash.spec.shaders, attentionFlash.resolve({ defines: { WRITE_LSE: writeLse } }).defines)
    .replace(/\/\/.*$/gm, '');
  assert.doesNotMatch(source(false), /\blse\b/);
  assert.match(source(true), /lse\[/);
});

test('attention FLOPs count Q.K^T and P.V', () => {
  assert.equal(attentionFlops(2, 3, 5, 8), 4 * 2 * 3 * 25 * 8);
});

test('flash-split splits the keys only as far as 256 workgroups, the key tiles and the scratch cap take it', () => {
  const tile = { BQ: 32, BK: 16 };
  // BERT-base, one sequence of 128: 4 query blocks x 12 heads = 48 workgroups -> ceil(256 / 48) = 6 parts of 8 tiles.
  assert.equal(splitCount({ batch: 1, seqLen: 128, heads: 12, headDim: 64 }, tile), 6);
  assert.equal(splitCount({ batch: 8, seqLen: 128, heads: 12, headDim: 64 }, tile), 1, '384 workgroups already');
  assert.equal(splitCount({ batch: 1, seqLen: 17, heads: 2, headDim: 64 }, tile), 2, 'two key tiles, two parts at most');
  assert.equal(splitCount({ batch: 1, seqLen: 1, heads: 1, headDim: 16 }, tile), 1);
  // 1 x 4096 x 1 head of 128: 128 workgroups -> 2 parts; the partial results of one part are 4096 x 130 floats.
  assert.equal(splitCount({ batch: 1, seqLen: 4096, heads: 1, headDim: 128 }, tile), 2);
  const perPart = 1 * 1 * 4096 * 130 * 4;
  assert.equal(splitCount({ batch: 1, seqLen: 4096, heads: 1, headDim: 128 }, { BQ: 4096, BK: 16 }), Math.min(256, Math.floor(SPLIT_SCRATCH_BYTES / perPart)));
});
