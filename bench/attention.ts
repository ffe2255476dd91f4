// Attention benchmark: every requested variant at every sequence length, on one adapter in one run.
// Each (variant, S) is first validated against the float64 twin, at S itself or, where the twin would take
// too long, at the largest S/2^k under REF_BUDGET (the row says which), then warmed up and timed with
// timeSteps (GPU timestamps when the adapter has them, else wall clock around onSubmittedWorkDone).
//   GFLOP/s = 4*batch*heads*S^2*headDim / median time   (Q.K^T and P.V, 2 FLOP per multiply-add; softmax,
//   masking and the naive path's extra memory traffic are not counted, so the figures compare like for like)
// Inputs: packed QKV (Hugging Face layout) when hidden % 64 == 0 (what every variant can read), else separate
// Q, K, V; a padding mask that keeps a random length between S/2 and S of each sequence.
import type { Gpu } from '../src/gpu/device.ts';
import type { Timing, TimingMethod } from '../src/gpu/timer.ts';
import { createTensor, fillTensor, readTensor, uploadTensor, type GpuTensor } from '../src/gpu/tensor.ts';
import { UniformArena } from '../src/gpu/uniforms.ts';
import { attentionFlops, attentionMaskBias, attentionVariant, type AttentionArgs } from '../src/kernels/attention.ts';
import { runSteps } from '../src/kernels/kernel.ts';
import { attentionRef, packedOperands, separateOperands } from '../src/reference/attention.ts';
import { compare } from '../src/reference/compare.ts';
import { autotuneMatmul } from '../src/kernels/autotune.ts';
import { Rng } from '../src/reference/random.ts';
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
  variant: string;
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

interface Inputs { args: AttentionArgs; owned: GpuTensor[]; want: () => Float64Array }

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
  return { args, owned, want: () => attentionRef({ batch, seqLen, heads, headDim, ...operands, mask: maskBias }).out };
}

/** The largest S/2^k whose twin fits REF_BUDGET. */
function validationSeqLen(o: AttentionBenchOptions, seqLen: number): number {
  let s = seqLen;
  while (s > 1 && o.batch * o.heads * s * s * o.headDim > REF_BUDGET) s = Math.ceil(s / 2);
  return s;
}

async function validate(gpu: Gpu, uniforms: UniformArena, variant: string, inputs: Inputs, wantCache: Map<number, Float64Array>): Promise<{ pass: boolean; relErr: number; message: string }> {
  const plan = await attentionVariant(variant).prepare(gpu, uniforms, { ...inputs.args, matmulConfig: tuned(gpu) });
  try {
    fillTensor(gpu, inputs.args.out, NaN);
    await runSteps(gpu, plan.steps, `validate ${variant}`);
    const got = await readTensor(gpu, inputs.args.out);
    const s = inputs.args.seqLen;
    if (!wantCache.has(s)) wantCache.set(s, inputs.want());
    const r = compare(got, wantCache.get(s)!, undefined, `out at S=${s}`);
    return { pass: r.pass, relErr: r.relNorm, message: r.message };
  } finally {
    plan.dispose();
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
  const wantCache = new Map<number, Float64Array>();
  try {
    for (const seqLen of opts.seqLens) {
      const checkAt = validationSeqLen(opts, seqLen);
      const timed = await makeInputs(gpu, opts, seqLen);
      const small = checkAt === seqLen ? timed : await makeInputs(gpu, opts, checkAt);
      try {
        for (const variant of opts.variants) {
          const flops = attentionFlops(opts.batch, opts.heads, seqLen, opts.headDim);
          const row: AttentionBenchRow = {
            variant, batch: opts.batch, seqLen, heads: opts.heads, headDim: opts.headDim,
            layout: timed.args.qkv ? 'packed qkv' : 'separate q,k,v', validatedAt: checkAt, validation: '', relErr: NaN,
            flopFormula: FLOP_FORMULA, flops,
          };
          rows.push(row);
          try {
            const v = await validate(gpu, uniforms, variant, small, wantCache);
            row.validation = checkAt === seqLen ? v.message : `${v.message} (twin too slow at S=${seqLen})`;
            row.relErr = v.relErr;
            if (!v.pass) throw new Error(`validation failed: ${v.message}`);
            const plan = await attentionVariant(variant).prepare(gpu, uniforms, { ...timed.args, matmulConfig: tuned(gpu) });
            try {
              const timing = await timeKernel(ctx, plan.steps, `attention ${variant} S=${seqLen}`);
              Object.assign(row, {
                timing, method: timing.method, medianMs: timing.median, minMs: timing.min, maxMs: timing.max,
                gflops: gflopsOf(flops, timing.median), allocatedBytes: plan.allocatedBytes,
              });
            } finally {
              plan.dispose();
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
