// Attention against its float64 twin: every registered variant on seeded shapes that cover the head dims
// (16, 20, 32, 36, 64, 128), sequence lengths around tile edges (1, 7, 37, 64, 129, 512), batches of 1-3,
// packed QKV and separate inputs, padding (right, left, a fully padded sequence) and causal masks; attention
// maps on some; the S = 2048 memory bound of the fused path; the causal softmax of the naive path.
// SwiftShader is slow, so these are chosen combinations, not the cross product: large S only with few heads.
import { fillTensor } from '../../src/gpu/tensor.ts';
import {
  ATTENTION_VARIANTS, attentionMaskBias, attentionVariant, scoresBytes, type AttentionArgs,
} from '../../src/kernels/attention.ts';
import { MASK_VALUE, prepareSoftmax } from '../../src/kernels/softmax.ts';
import { attentionRef, packedOperands, separateOperands } from '../../src/reference/attention.ts';
import { compare, type CompareReport } from '../../src/reference/compare.ts';
import { softmaxRef } from '../../src/reference/kernels.ts';
import { Rng } from '../../src/reference/random.ts';
import type { CaseContext, KernelCase } from './harness.ts';

/** right: random right padding per sequence; empty: the same, with the last sequence fully padded (rows of
 * zeros); left: left padding, which under a causal mask leaves the first queries with no key at all. */
type MaskKind = 'none' | 'right' | 'empty' | 'left';

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
  const rng = new Rng(seed);
  const hidden = s.heads * s.headDim;
  const tokens = s.batch * s.seqLen;
  // std 1.5: scores of std ~2.3 after scaling, peaked enough that the max and the rescaling matter.
  const data = s.packed ? [rng.normals(tokens * 3 * hidden, 1.5)] : [0, 1, 2].map(() => rng.normals(tokens * hidden, 1.5));
  const mask = s.mask === 'none' ? undefined : attentionMaskBias(attentionMask01(s.mask, s.batch, s.seqLen, rng), s.batch, s.seqLen);
  const out = await ctx.output([tokens, hidden], 'out');
  const args: AttentionArgs = {
    batch: s.batch, seqLen: s.seqLen, heads: s.heads, headDim: s.headDim, out, causal: s.causal, outputAttentions: s.maps,
    mask: mask && await ctx.input(mask, [s.batch, s.seqLen], 'mask'),
  };
  if (s.packed) args.qkv = await ctx.input(data[0], [tokens, 3 * hidden], 'qkv');
  else [args.q, args.k, args.v] = await Promise.all(['q', 'k', 'v'].map((n, i) => ctx.input(data[i], [tokens, hidden], n)));
  const operands = s.packed ? packedOperands(data[0], hidden) : separateOperands(data[0], data[1], data[2], hidden);
  const want = () => attentionRef({ batch: s.batch, seqLen: s.seqLen, heads: s.heads, headDim: s.headDim, ...operands, mask, causal: s.causal });
  return { args, want };
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

export function attentionCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  // A variant written for some head dims only (flash-d64) runs the shapes it takes, plus its own below.
  SHAPES.forEach((s, i) => {
    const seed = 7000 + i;
    for (const v of ATTENTION_VARIANTS) if (!v.unsupported?.(s.headDim)) cases.push(variantCase(v.name, s, seed));
  });
  D64_SHAPES.forEach((s, i) => cases.push(variantCase('flash-d64', s, 7200 + i)));
  cases.push(memoryCase(7101), causalSoftmaxCase(7102));
  return cases;
}
