// Attention benchmark: every requested variant at every sequence length, on one adapter in one run.
// Each (variant, S) is first validated against the float64 twin, at S itself or, where the twin would take
// too long, at the largest S/2^k under REF_BUDGET (the row says which), then warmed up and timed with
// timeSteps (GPU timestamps when the adapter has them, else wall clock around onSubmittedWorkDone).
//   GFLOP/s = 4*batch*heads*S^2*headDim / median time   (Q.K^T and P.V, 2 FLOP per multiply-add; softmax,
//   masking and the naive path's extra memory traffic are not counted, so the figures compare like for like)
// Inputs: packed QKV (Hugging Face layout) when hidden % 64 == 0 (what every variant can read), else separate
// Q, K, V; a padding mask that keeps a random length between S/2 and S of each sequence.
// A variant may name position features after a '+' (parseVariantSpec): flash+rope, flash+window128 (local
// attention: only the key tiles inside the window run), flash+maskwindow128 (the same keys kept by an additive
// bias over every key: full attention with a window mask, what an S x S mask costs), flash+relbias (MPNet's
// bucketed bias), flash+alibi, combined with '+'. `neededFlops` counts only the scores a row keeps (S x window
// for a window), so a local kernel is rated on the work it has to do.
import type { Gpu } from '../src/gpu/device.ts';
import type { Timing, TimingMethod } from '../src/kernels/timer.ts';
import { createTensor, fillTensor, readTensor, uploadTensor, type GpuTensor } from '../src/gpu/tensor.ts';
import { UniformArena } from '../src/gpu/uniforms.ts';
import {
  attentionFlops, attentionMaskBias, attentionVariant, relativeBucketTable, ropeTable,
  type AttentionArgs, type AttentionFeatures,
} from '../src/kernels/attention.ts';
import { MASK_VALUE } from '../src/kernels/softmax.ts';
import { runSteps } from '../src/kernels/kernel.ts';
import { attentionRef, packedOperands, separateOperands, type AttentionFeaturesRef } from '../src/reference/attention.ts';
import { compare } from '../src/reference/compare.ts';
import { autotuneMatmul } from '../src/kernels/autotune.ts';
import { Rng } from '../src/random.ts';
import { fmt, gflopsOf, timeKernel } from './measure.ts';
import type { SuiteContext } from './suite.ts';

export interface AttentionBenchOptions {
  seqLens: number[];
  heads: number;
  headDim: number;
  batch: number;
  variants: string[];
}

export interface AttentionBenchRow {
  /** The spec as asked ('flash+rope+window128'). */
  variant: string;
  /** The position features it ran with (none for plain attention under the padding mask). */
  features: string[];
  /** 4*batch*heads*headDim per kept (query, key) pair: S^2 without a window, about S*(window+1) with one. */
  neededFlops: number;
  /** GFLOP/s of neededFlops. */
  neededGflops?: number;
  batch: number;
  seqLen: number;
  heads: number;
  headDim: number;
  layout: 'packed qkv' | 'separate q,k,v';
  /** The S the result was checked at against the float64 twin (S itself unless the twin would be too slow). */
  validatedAt: number;
  validation: string;
  relErr: number;
  timing?: Timing;
  method?: TimingMethod;
  medianMs?: number;
  minMs?: number;
  maxMs?: number;
  gflops?: number;
  flopFormula: string;
  flops: number;
  /** Bytes the plan allocated itself (the naive path's S x S buffers; 0 for the fused path). */
  allocatedBytes?: number;
  /** Of the FMA ceiling measured in the same run. */
  pctOfCeiling?: number;
  /** Set when the variant could not run this shape (e.g. an S x S buffer over the adapter's limits). */
  error?: string;
}

export const FLOP_FORMULA = '4*batch*heads*S^2*headDim';
/** Multiply-adds of Q.K^T and P.V the twin may do for one validation (~0.2-0.5 s in Node). */
const REF_BUDGET = 2 ** 26;

interface Inputs { args: AttentionArgs; owned: GpuTensor[]; want: (features?: AttentionFeaturesRef) => Float64Array }

/** A variant and its position features, from 'flash+rope+window128'. */
export interface VariantSpec { spec: string; variant: string; rope: boolean; window?: number; maskWindow?: number; relbias: boolean; alibi: boolean }

export function parseVariantSpec(spec: string): VariantSpec {
  const [variant, ...parts] = spec.split('+');
  const out: VariantSpec = { spec, variant, rope: false, relbias: false, alibi: false };
  for (const p of parts) {
    const m = /^(mask)?window(\d+)$/.exec(p);
    if (p === 'rope') out.rope = true;
    else if (p === 'relbias') out.relbias = true;
    else if (p === 'alibi') out.alibi = true;
    else if (m && m[1]) out.maskWindow = Number(m[2]);
    else if (m) out.window = Number(m[2]);
    else throw new Error(`attention variant "${spec}": unknown feature "${p}" (features: rope, windowN, maskwindowN, relbias, alibi)`);
  }
  if (out.window !== undefined && out.maskWindow !== undefined) throw new Error(`attention variant "${spec}": window and maskwindow are two ways to the same keys; name one`);
  return out;
}

export function featureList(v: VariantSpec): string[] {
  return [v.rope && 'rope', v.window !== undefined && `window ${v.window}`, v.maskWindow !== undefined && `window ${v.maskWindow} as a mask`, v.relbias && 'relative bias', v.alibi && 'alibi'].filter((x): x is string => Boolean(x));
}

/** Kept (query, key) pairs of one sequence of S under a window of w (|i - j| <= floor(w / 2)). */
function keptPairs(seqLen: number, window?: number): number {
  if (window === undefined) return seqLen * seqLen;
  const h = Math.floor(window / 2);
  let n = 0;
  for (let i = 0; i < seqLen; i++) n += Math.min(seqLen - 1, i + h) - Math.max(0, i - h) + 1;
  return n;
}

/**
 * The feature tensors of a spec at one S and their host values: a rotary table (theta 10000, every dim),
 * MPNet's 32 buckets with a seeded bias, ALiBi's geometric slopes; a mask window is a two-bucket relative
 * bias, 0 inside the window and MASK_VALUE outside, added to every score.
 */
async function makeFeatures(gpu: Gpu, v: VariantSpec, seqLen: number, heads: number, headDim: number): Promise<{ gpu?: AttentionFeatures; ref?: AttentionFeaturesRef; owned: GpuTensor[] }> {
  if (!v.rope && v.window === undefined && v.maskWindow === undefined && !v.relbias && !v.alibi) return { owned: [] };
  const owned: GpuTensor[] = [];
  const up = async (data: Float32Array | Uint32Array, label: string) => {
    const t = await uploadTensor(gpu, data, [data.length], label);
    owned.push(t);
    return t;
  };
  const f: AttentionFeatures = {};
  const ref: AttentionFeaturesRef = {};
  if (v.rope) {
    const table = ropeTable(seqLen, headDim, 10000);
    f.rope = { table: await up(table, 'rope table'), rotaryDim: headDim };
    ref.rope = { table, rotaryDim: headDim };
  }
  if (v.window !== undefined) f.window = ref.window = v.window;
  if (v.relbias || v.maskWindow !== undefined) {
    let buckets: Uint32Array;
    let weight: Float32Array;
    if (v.maskWindow !== undefined) {
      const h = Math.floor(v.maskWindow / 2);
      buckets = Uint32Array.from({ length: 2 * seqLen - 1 }, (_, i) => (Math.abs(i - (seqLen - 1)) <= h ? 0 : 1));
      weight = new Float32Array(2 * heads).fill(MASK_VALUE, heads);
    } else {
      buckets = relativeBucketTable(seqLen, 32, 128);
      weight = new Rng(7).normals(32 * heads);
    }
    f.relativeBias = { buckets: await up(buckets, 'relative buckets'), weight: await up(weight, 'relative bias') };
    ref.relativeBias = { buckets, weight };
  }
  if (v.alibi) {
    const slopes = Float32Array.from({ length: heads }, (_, h) => 2 ** (-8 * (h + 1) / heads));
    f.alibi = { slopes: await up(slopes, 'alibi slopes') };
    ref.alibi = slopes;
  }
  return { gpu: f, ref, owned };
}

/** Seeded inputs for one shape; the same seed for every variant, so they are timed on the same data. */
async function makeInputs(gpu: Gpu, o: AttentionBenchOptions, seqLen: number): Promise<Inputs> {
  const { batch, heads, headDim } = o;
  const hidden = heads * headDim;
  const tokens = batch * seqLen;
  const rng = new Rng(seqLen * 31 + hidden);
  const packed = hidden % 64 === 0;
  const data = packed ? [rng.normals(tokens * 3 * hidden)] : [0, 1, 2].map(() => rng.normals(tokens * hidden));
  const mask01 = new Uint8Array(tokens);
  // Each sequence keeps between half and all of its tokens, as in a padded batch of real text.
  for (let b = 0; b < batch; b++) mask01.fill(1, b * seqLen, b * seqLen + rng.int(Math.ceil(seqLen / 2), seqLen + 1));
  const maskBias = attentionMaskBias(mask01, batch, seqLen);
  const owned = [
    ...(packed ? [await uploadTensor(gpu, data[0], [tokens, 3 * hidden], 'qkv')]
      : await Promise.all(['q', 'k', 'v'].map((n, i) => uploadTensor(gpu, data[i], [tokens, hidden], n)))),
    await uploadTensor(gpu, maskBias, [batch, seqLen], 'mask'),
    await createTensor(gpu, [tokens, hidden], 'f32', 'out'),
  ];
  const [mask, out] = owned.slice(-2);
  const inputs: Partial<AttentionArgs> = packed ? { qkv: owned[0] } : { q: owned[0], k: owned[1], v: owned[2] };
  const args: AttentionArgs = { batch, seqLen, heads, headDim, ...inputs, mask, out };
  const operands = packed ? packedOperands(data[0], hidden) : separateOperands(data[0], data[1], data[2], hidden);
  return { args, owned, want: (features) => attentionRef({ batch, seqLen, heads, headDim, ...operands, mask: maskBias, features }).out };
}

/** The largest S/2^k whose twin fits REF_BUDGET. */
function validationSeqLen(o: AttentionBenchOptions, seqLen: number): number {
  let s = seqLen;
  while (s > 1 && o.batch * o.heads * s * s * o.headDim > REF_BUDGET) s = Math.ceil(s / 2);
  return s;
}

async function validate(gpu: Gpu, uniforms: UniformArena, v: VariantSpec, inputs: Inputs, wantCache: Map<string, Float64Array>): Promise<{ pass: boolean; relErr: number; message: string }> {
  const s = inputs.args.seqLen;
  const features = await makeFeatures(gpu, v, s, inputs.args.heads, inputs.args.headDim);
  const plan = await attentionVariant(v.variant).prepare(gpu, uniforms, { ...inputs.args, features: features.gpu, matmulConfig: tuned(gpu) });
  try {
    fillTensor(gpu, inputs.args.out, NaN);
    await runSteps(gpu, plan.steps, `validate ${v.spec}`);
    const got = await readTensor(gpu, inputs.args.out);
    const key = `${s} ${featureList(v).join(',')}`;
    if (!wantCache.has(key)) wantCache.set(key, inputs.want(features.ref));
    const r = compare(got, wantCache.get(key)!, undefined, `out at S=${s}`);
    return { pass: r.pass, relErr: r.relNorm, message: r.message };
  } finally {
    plan.dispose();
    for (const t of features.owned) t.buffer.destroy();
  }
}

/** The naive variant's matmuls at their best on this adapter, so the comparison with the fused ones is fair. */
function tuned(gpu: Gpu) {
  return (m: number, n: number, k: number, transB: boolean) => autotuneMatmul(gpu, { m, n, k, transB });
}

export async function benchAttention(ctx: SuiteContext, opts: AttentionBenchOptions): Promise<AttentionBenchRow[]> {
  const { gpu } = ctx;
  const uniforms = new UniformArena(gpu, 'attention bench uniforms');
  const rows: AttentionBenchRow[] = [];
  const wantCache = new Map<string, Float64Array>();
  const specs = opts.variants.map(parseVariantSpec);
  try {
    for (const seqLen of opts.seqLens) {
      const checkAt = validationSeqLen(opts, seqLen);
      const timed = await makeInputs(gpu, opts, seqLen);
      const small = checkAt === seqLen ? timed : await makeInputs(gpu, opts, checkAt);
      try {
        for (const spec of specs) {
          const variant = spec.spec;
          const flops = attentionFlops(opts.batch, opts.heads, seqLen, opts.headDim);
          const neededFlops = flops / (seqLen * seqLen) * keptPairs(seqLen, spec.window ?? spec.maskWindow);
          const row: AttentionBenchRow = {
            variant, features: featureList(spec), neededFlops, batch: opts.batch, seqLen, heads: opts.heads, headDim: opts.headDim,
            layout: timed.args.qkv ? 'packed qkv' : 'separate q,k,v', validatedAt: checkAt, validation: '', relErr: NaN,
            flopFormula: FLOP_FORMULA, flops,
          };
          rows.push(row);
          try {
            const v = await validate(gpu, uniforms, spec, small, wantCache);
            row.validation = checkAt === seqLen ? v.message : `${v.message} (twin too slow at S=${seqLen})`;
            row.relErr = v.relErr;
            if (!v.pass) throw new Error(`validation failed: ${v.message}`);
            const features = await makeFeatures(gpu, spec, seqLen, opts.heads, opts.headDim);
            const plan = await attentionVariant(spec.variant).prepare(gpu, uniforms, { ...timed.args, features: features.gpu, matmulConfig: tuned(gpu) });
            try {
              const timing = await timeKernel(ctx, plan.steps, `attention ${variant} S=${seqLen}`);
              Object.assign(row, {
                timing, method: timing.method, medianMs: timing.median, minMs: timing.min, maxMs: timing.max,
                gflops: gflopsOf(flops, timing.median), neededGflops: gflopsOf(neededFlops, timing.median), allocatedBytes: plan.allocatedBytes,
              });
            } finally {
              plan.dispose();
              for (const t of features.owned) t.buffer.destroy();
            }
          } catch (error) {
            row.error = (error as Error).message;
          }
          ctx.log(`attention: ${variant} S=${seqLen}: ${row.error ? `error: ${row.error}` : `${fmt(row.medianMs!)} ms (${fmt(row.minMs!)}-${fmt(row.maxMs!)}, ${row.method}), ${fmt(row.gflops!)} GFLOP/s, ${row.allocatedBytes} bytes allocated; ${row.validation}`}`);
        }
      } finally {
        for (const t of new Set([...timed.owned, ...small.owned])) t.buffer.destroy();
      }
    }
  } finally {
    uniforms.destroy();
  }
  return rows;
}
