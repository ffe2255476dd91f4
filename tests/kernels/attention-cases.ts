// Attention against its float64 twin: every registered variant on seeded shapes that cover the head dims
// (16, 20, 32, 36, 64, 128), sequence lengths around tile edges (1, 7, 37, 64, 129, 512), batches of 1-3,
// packed QKV and separate inputs, padding (right, left, a fully padded sequence) and causal masks; attention
// maps on some; the S = 2048 memory bound of the fused path; the causal softmax of the naive path.
// SwiftShader is slow, so these are chosen combinations, not the cross product: large S only with few heads.
import { fillTensor } from '../../src/gpu/tensor.ts';
import {
  ATTENTION_VARIANTS, attentionMaskBias, attentionVariant, relativeBucketTable, ropeTable, scoresBytes, type AttentionArgs,
} from '../../src/kernels/attention.ts';
import { BUCKET_PAD_VALUE, MASK_VALUE, prepareSoftmax } from '../../src/kernels/softmax.ts';
import { attentionRef, packedOperands, separateOperands, type AttentionFeaturesRef } from '../../src/reference/attention.ts';
import { compare, type CompareReport } from '../../src/reference/compare.ts';
import { softmaxRef } from '../../src/reference/kernels.ts';
import { Rng } from '../../src/random.ts';
import type { CaseContext, KernelCase } from './harness.ts';

/** right: random right padding per sequence; empty: the same, with the last sequence fully padded (rows of
 * zeros); left: left padding, which under a causal mask leaves the first queries with no key at all. */
// 'bucket': right padding, and the last 5 keys of each sequence past the caller's length (BUCKET_PAD_VALUE), as the
// model's sequence bucket pads them.
type MaskKind = 'none' | 'right' | 'empty' | 'left' | 'bucket';

interface Shape {
  batch: number; seqLen: number; heads: number; headDim: number;
  packed: boolean; mask: MaskKind; causal: boolean; maps: boolean;
}

const SHAPES: Shape[] = [
  { batch: 1, seqLen: 1, heads: 4, headDim: 16, packed: true, mask: 'none', causal: false, maps: false },
  { batch: 2, seqLen: 7, heads: 4, headDim: 16, packed: false, mask: 'right', causal: false, maps: false },
  { batch: 3, seqLen: 37, heads: 2, headDim: 32, packed: true, mask: 'empty', causal: false, maps: true },
  { batch: 2, seqLen: 64, heads: 1, headDim: 64, packed: true, mask: 'left', causal: true, maps: true },
  { batch: 1, seqLen: 129, heads: 1, headDim: 128, packed: true, mask: 'none', causal: true, maps: false },
  { batch: 2, seqLen: 129, heads: 2, headDim: 20, packed: false, mask: 'right', causal: false, maps: true },
  { batch: 3, seqLen: 7, heads: 2, headDim: 128, packed: false, mask: 'empty', causal: true, maps: true },
  { batch: 2, seqLen: 37, heads: 3, headDim: 36, packed: true, mask: 'left', causal: false, maps: false },
  { batch: 1, seqLen: 64, heads: 12, headDim: 64, packed: true, mask: 'right', causal: false, maps: false },
  { batch: 1, seqLen: 512, heads: 1, headDim: 32, packed: false, mask: 'right', causal: true, maps: false },
  { batch: 1, seqLen: 512, heads: 2, headDim: 16, packed: true, mask: 'none', causal: false, maps: true },
];

/** Hugging Face's attention_mask (1 attend, 0 padding) for `kind`. */
function attentionMask01(kind: MaskKind, batch: number, seqLen: number, rng: Rng): Uint8Array {
  const m = new Uint8Array(batch * seqLen).fill(1);
  for (let b = 0; b < batch; b++) {
    const keep = kind === 'empty' && b === batch - 1 ? 0 : rng.int(1, seqLen + 1);
    for (let t = 0; t < seqLen; t++) {
      const padded = kind === 'left' ? t < seqLen - keep : t >= keep;
      if (padded) m[b * seqLen + t] = 0;
    }
  }
  return m;
}

function shapeName(s: Shape): string {
  return `b${s.batch} S${s.seqLen} h${s.heads}x${s.headDim} ${s.packed ? 'qkv' : 'q,k,v'} mask:${s.mask}${s.causal ? ' causal' : ''}${s.maps ? ' +maps' : ''}`;
}

/** A yes/no check in the shape of a comparison report, for the cases that test bytes or errors. */
function check(what: string, pass: boolean, detail: string): CompareReport {
  return { pass, relNorm: 0, maxAbs: 0, worst: undefined, mismatches: [], mismatchCount: pass ? 0 : 1, nonFinite: 0, message: `${what}: ${pass ? 'ok' : 'FAIL'}, ${detail}` };
}

/** Inputs of a shape drawn from `seed`, uploaded, and the twin's answer. */
async function setup(ctx: CaseContext, s: Shape, seed: number) {
  const { args, data, mask } = await setupInputs(ctx, s, seed);
  const hidden = s.heads * s.headDim;
  const operands = s.packed ? packedOperands(data[0], hidden) : separateOperands(data[0], data[1], data[2], hidden);
  const want = () => attentionRef({ batch: s.batch, seqLen: s.seqLen, heads: s.heads, headDim: s.headDim, ...operands, mask, causal: s.causal });
  return { args, want };
}

async function setupInputs(ctx: CaseContext, s: Shape, seed: number) {
  const rng = new Rng(seed);
  const hidden = s.heads * s.headDim;
  const tokens = s.batch * s.seqLen;
  // std 1.5: scores of std ~2.3 after scaling, peaked enough that the max and the rescaling matter.
  const data = s.packed ? [rng.normals(tokens * 3 * hidden, 1.5)] : [0, 1, 2].map(() => rng.normals(tokens * hidden, 1.5));
  const mask = s.mask === 'none' ? undefined : attentionMaskBias(attentionMask01(s.mask, s.batch, s.seqLen, rng), s.batch, s.seqLen);
  if (mask && s.mask === 'bucket') for (let b = 0; b < s.batch; b++) mask.fill(BUCKET_PAD_VALUE, (b + 1) * s.seqLen - 5, (b + 1) * s.seqLen);
  const out = await ctx.output([tokens, hidden], 'out');
  const args: AttentionArgs = {
    batch: s.batch, seqLen: s.seqLen, heads: s.heads, headDim: s.headDim, out, causal: s.causal, outputAttentions: s.maps,
    mask: mask && await ctx.input(mask, [s.batch, s.seqLen], 'mask'),
  };
  if (s.packed) args.qkv = await ctx.input(data[0], [tokens, 3 * hidden], 'qkv');
  else [args.q, args.k, args.v] = await Promise.all(['q', 'k', 'v'].map((n, i) => ctx.input(data[i], [tokens, hidden], n)));
  return { args, data, mask };
}

function variantCase(variant: string, s: Shape, seed: number): KernelCase {
  return {
    name: `attention ${variant} ${shapeName(s)}`,
    seed,
    async run(ctx) {
      const { args, want } = await setup(ctx, s, seed);
      const plan = await attentionVariant(variant).prepare(ctx.gpu, ctx.uniforms, args);
      try {
        if (plan.probs) fillTensor(ctx.gpu, plan.probs, NaN);
        await ctx.run(plan.steps);
        const ref = want();
        const reports = [compare(await ctx.read(args.out), ref.out, undefined, 'out')];
        if (s.maps) reports.push(plan.probs ? compare(await ctx.read(plan.probs), ref.probs, undefined, 'probs') : check('probs', false, 'the plan returned none'));
        return reports;
      } finally {
        plan.dispose();
      }
    },
  };
}

/**
 * The fused path at S = 2048 allocates no S x S buffer: every buffer created while preparing it is recorded
 * (device.createBuffer wrapped) and none reaches the size of one head's score matrix; the naive path, prepared
 * the same way, does (so the probe sees what it should). The fused plan then runs against the twin: one
 * head of 16 keeps that affordable on SwiftShader.
 */
function memoryCase(seed: number): KernelCase {
  const s: Shape = { batch: 1, seqLen: 2048, heads: 1, headDim: 16, packed: false, mask: 'right', causal: false, maps: false };
  return {
    name: `attention memory: flash allocates no S x S buffer at ${shapeName(s)}`,
    seed,
    async run(ctx) {
      const { args, want } = await setup(ctx, s, seed);
      const device = ctx.gpu.device;
      const sizes: number[] = [];
      const create = device.createBuffer;
      const probe = async <T>(work: () => Promise<T>): Promise<T> => {
        sizes.length = 0;
        device.createBuffer = (d: GPUBufferDescriptor) => { sizes.push(d.size); return create.call(device, d); };
        try {
          return await work();
        } finally {
          device.createBuffer = create;
        }
      };
      const sxs = scoresBytes(1, 1, s.seqLen);
      const naive = await probe(() => attentionVariant('naive').prepare(ctx.gpu, ctx.uniforms, args));
      const naiveLargest = Math.max(0, ...sizes);
      naive.dispose();
      const flash = await probe(() => attentionVariant('flash').prepare(ctx.gpu, ctx.uniforms, args));
      const flashLargest = Math.max(0, ...sizes);
      try {
        await ctx.run(flash.steps);
        return [
          check('probe', naiveLargest >= sxs && naive.allocatedBytes >= 2 * sxs, `naive created ${naiveLargest} bytes at most, reports ${naive.allocatedBytes}`),
          check('flash buffers', flashLargest < sxs, `largest buffer created while preparing: ${flashLargest} bytes (one S x S matrix: ${sxs})`),
          check('flash plan', flash.allocatedBytes === 0 && flash.buffers.length === 0, `reports ${flash.allocatedBytes} bytes in ${flash.buffers.length} buffers`),
          compare(await ctx.read(args.out), want().out, undefined, 'out'),
        ];
      } finally {
        flash.dispose();
      }
    },
  };
}

/** softmax.wgsl's CAUSAL define (used by the naive variant) against the twin given the same mask explicitly. */
function causalSoftmaxCase(seed: number): KernelCase {
  const [mats, n] = [3, 37];
  return {
    name: `softmax causal ${mats}x${n}x${n} with padding`,
    seed,
    async run(ctx) {
      const rng = new Rng(seed);
      const rows = mats * n;
      const x = rng.floats(rows * n, -6, 6);
      const pad = attentionMaskBias(attentionMask01('left', mats, n, rng), mats, n);
      const full = new Float64Array(rows * n);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < n; j++) full[r * n + j] = pad[Math.floor(r / n) * n + j] + (j > r % n ? MASK_VALUE : 0);
      }
      const y = await ctx.output([rows, n], 'y');
      await ctx.run([await prepareSoftmax(ctx.gpu, ctx.uniforms, {
        x: await ctx.input(x, [rows, n], 'x'), y, rows, n, scale: 0.7, mask: await ctx.input(pad, [mats, n], 'mask'), maskDiv: n, causal: true,
      })]);
      return [compare(await ctx.read(y), softmaxRef({ x, rows, n, scale: 0.7, mask: full }), undefined, 'y')];
    },
  };
}

/** More head-dim-64 shapes for flash-d64 (SHAPES has two): tile edges, separate q/k/v, a fully padded row. */
const D64_SHAPES: Shape[] = [
  { batch: 2, seqLen: 129, heads: 2, headDim: 64, packed: false, mask: 'empty', causal: false, maps: true },
  { batch: 1, seqLen: 37, heads: 3, headDim: 64, packed: true, mask: 'none', causal: true, maps: false },
  { batch: 3, seqLen: 17, heads: 2, headDim: 64, packed: true, mask: 'left', causal: false, maps: true },
];

/** Position features of a case, as drawn for it (host values for the twin, tensors for the kernel). */
interface FeatureSpec {
  rope?: { rotaryDim: number | 'all'; interleaved?: boolean; theta: number };
  window?: number;
  relativeBias?: { buckets: number; maxDistance: number };
  alibi?: boolean;
}

function featureName(f: FeatureSpec): string {
  return [
    f.rope && `rope ${f.rope.rotaryDim === 'all' ? 'full' : `${f.rope.rotaryDim} dims`}${f.rope.interleaved ? ' interleaved' : ''} theta ${f.rope.theta}`,
    f.window !== undefined && `window ${f.window}`, f.relativeBias && `relative bias ${f.relativeBias.buckets} buckets`, f.alibi && 'alibi',
  ].filter(Boolean).join(' + ');
}

/** A fused variant with position features against the twin, output and (with maps) probabilities. */
function featureCase(variant: string, s: Shape, f: FeatureSpec, seed: number): KernelCase {
  return {
    name: `attention ${variant} ${shapeName(s)} ${featureName(f)}`,
    seed,
    async run(ctx) {
      const { args, data, mask } = await setupInputs(ctx, s, seed);
      const rng = new Rng(seed + 1);
      const features: NonNullable<AttentionArgs['features']> = {};
      const ref: AttentionFeaturesRef = {};
      if (f.rope) {
        const rotaryDim = f.rope.rotaryDim === 'all' ? s.headDim : f.rope.rotaryDim;
        const table = ropeTable(s.seqLen, rotaryDim, f.rope.theta);
        features.rope = { table: await ctx.input(table, [table.length], 'rope'), rotaryDim, interleaved: f.rope.interleaved };
        ref.rope = { table, rotaryDim, interleaved: f.rope.interleaved };
      }
      if (f.window !== undefined) features.window = ref.window = f.window;
      if (f.relativeBias) {
        const buckets = relativeBucketTable(s.seqLen, f.relativeBias.buckets, f.relativeBias.maxDistance);
        const weight = rng.normals(f.relativeBias.buckets * s.heads, 1);
        features.relativeBias = { buckets: await ctx.input(buckets, [buckets.length], 'buckets'), weight: await ctx.input(weight, [f.relativeBias.buckets, s.heads], 'relative bias') };
        ref.relativeBias = { buckets, weight };
      }
      if (f.alibi) {
        const slopes = Float32Array.from({ length: s.heads }, (_, h) => 2 ** (-8 * (h + 1) / s.heads));
        features.alibi = { slopes: await ctx.input(slopes, [s.heads], 'alibi') };
        ref.alibi = slopes;
      }
      args.features = features;
      const plan = await attentionVariant(variant).prepare(ctx.gpu, ctx.uniforms, args);
      try {
        if (plan.probs) fillTensor(ctx.gpu, plan.probs, NaN);
        await ctx.run(plan.steps);
        const hidden = s.heads * s.headDim;
        const operands = s.packed ? packedOperands(data[0], hidden) : separateOperands(data[0], data[1], data[2], hidden);
        const want = attentionRef({ batch: s.batch, seqLen: s.seqLen, heads: s.heads, headDim: s.headDim, ...operands, mask, causal: s.causal, features: ref });
        const reports = [compare(await ctx.read(args.out), want.out, undefined, 'out')];
        if (s.maps) reports.push(plan.probs ? compare(await ctx.read(plan.probs), want.probs, undefined, 'probs') : check('probs', false, 'the plan returned none'));
        return reports;
      } finally {
        plan.dispose();
      }
    },
  };
}

const shape = (batch: number, seqLen: number, heads: number, headDim: number, more: Partial<Shape> = {}): Shape =>
  ({ batch, seqLen, heads, headDim, packed: true, mask: 'right', causal: false, maps: false, ...more });

/** Each feature alone at tile edges, then together; window sizes below, at and past the key tile. */
const FEATURE_CASES: [string, Shape, FeatureSpec][] = [
  ['flash', shape(2, 37, 2, 16, { maps: true }), { rope: { rotaryDim: 'all', theta: 10000 } }],
  ['flash-q32', shape(1, 65, 2, 32, { packed: false }), { rope: { rotaryDim: 'all', interleaved: true, theta: 10000 } }],
  ['flash', shape(2, 17, 3, 20), { rope: { rotaryDim: 8, theta: 160000 } }],
  ['flash', shape(2, 37, 2, 16, { maps: true }), { window: 8 }],
  // Rows with no live key in their window average the caller's keys (not the bucket's): out and maps.
  ['flash', shape(3, 40, 2, 16, { mask: 'bucket', maps: true }), { window: 6 }],
  ['flash-q32', shape(1, 200, 2, 16), { window: 0 }],
  ['flash', shape(1, 300, 1, 32, { mask: 'none' }), { window: 128 }],
  ['flash-q128', shape(1, 300, 2, 16), { window: 33 }],
  ['flash', shape(3, 37, 3, 16, { mask: 'empty', maps: true }), { relativeBias: { buckets: 32, maxDistance: 128 } }],
  ['flash-q32', shape(1, 129, 2, 32), { relativeBias: { buckets: 32, maxDistance: 16 } }],
  ['flash', shape(2, 37, 4, 16, { causal: true, maps: true }), { alibi: true }],
  ['flash', shape(2, 65, 2, 16, { maps: true }), { rope: { rotaryDim: 'all', theta: 10000 }, window: 16 }],
  ['flash-q32', shape(2, 37, 2, 32, { mask: 'left', maps: true }), { rope: { rotaryDim: 16, interleaved: true, theta: 500 }, relativeBias: { buckets: 8, maxDistance: 20 }, alibi: true, window: 20 }],
  // The split over keys (3 parts at 37 keys) with each feature it takes, maps rebuilt from the merged lse.
  ['flash-split', shape(2, 37, 2, 16, { maps: true }), { rope: { rotaryDim: 'all', theta: 10000 } }],
  ['flash-split', shape(3, 37, 3, 16, { mask: 'empty', maps: true }), { relativeBias: { buckets: 32, maxDistance: 128 } }],
  ['flash-split', shape(2, 65, 4, 32, { causal: true, maps: true, mask: 'bucket' }), { rope: { rotaryDim: 16, interleaved: true, theta: 500 }, alibi: true }],
];

export function attentionCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  FEATURE_CASES.forEach(([variant, s, f], i) => cases.push(featureCase(variant, s, f, 7300 + i)));
  // A variant written for some head dims only (flash-d64) runs the shapes it takes, plus its own below.
  SHAPES.forEach((s, i) => {
    const seed = 7000 + i;
    for (const v of ATTENTION_VARIANTS) if (!v.unsupported?.(s.headDim)) cases.push(variantCase(v.name, s, seed));
  });
  D64_SHAPES.forEach((s, i) => cases.push(variantCase('flash-d64', s, 7200 + i)));
  cases.push(memoryCase(7101), causalSoftmaxCase(7102));
  return cases;
}
