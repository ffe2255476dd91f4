// Kernel measurements: one matmul shape over the chosen configurations (and the autotuner's choice), and the
// memory-bound row kernels (LayerNorm, GELU). Each figure is validated against the float64 twin, warmed up,
// then timed (bench/measure.ts).
//   matmul GFLOP/s = 2*M*N*K / median;  LayerNorm/GELU GB/s = (bytes read + bytes written) / median.
import type { Timing } from '../src/kernels/timer.ts';
import { createTensor, fillTensor, readTensor, uploadTensor, type GpuTensor } from '../src/gpu/tensor.ts';
import type { UniformArena } from '../src/gpu/uniforms.ts';
import { autotuneMatmul } from '../src/kernels/autotune.ts';
import { gelu, prepareGelu } from '../src/kernels/gelu.ts';
import { runSteps, type Step } from '../src/kernels/kernel.ts';
import { layernorm, prepareLayernorm } from '../src/kernels/layernorm.ts';
import { matmulConfig, matmulFlops, prepareMatmul, type MatmulConfig } from '../src/kernels/matmul.ts';
import { compare } from '../src/reference/compare.ts';
import { geluRef, layernormRef } from '../src/reference/kernels.ts';
import { Rng } from '../src/random.ts';
import { checkMatmulRows, matmulOperands } from './matmul-operands.ts';
import { fmt, gbpsOf, gflopsOf, timeKernel } from './measure.ts';
import type { SuiteContext } from './suite.ts';

export interface KernelRow {
  kernel: 'matmul' | 'layernorm' | 'gelu';
  /** 'webgpu-bert' or a peer ('tf.matMul (tfjs-webgpu)'). */
  engine: string;
  /** Matmul configuration name, 'autotuned', or the row kernel's workgroup size. */
  config: string;
  /** For the autotuned row: the configuration the autotuner chose. */
  chose?: string;
  /** 'bert' (a linear layer of BERT-base at M tokens), 'square' (N^3) or 'row' (LayerNorm/GELU). */
  family: 'bert' | 'square' | 'row';
  shape: string;
  m: number;
  n: number;
  k: number;
  validation: string;
  relErr: number;
  timing?: Timing;
  gflops?: number;
  gbps?: number;
  /** Of the FMA ceiling (GFLOP/s rows) or the copy ceiling (GB/s rows), measured in the same run. */
  pctOfCeiling?: number;
  error?: string;
}

/** The autotuner's choice, timed like the fixed configurations. */
export const AUTOTUNED = 'autotuned';

export function matmulShape(m: number, n: number, k: number, transB: boolean): string {
  return `${m}x${n}x${k}${transB ? ' (B [n,k])' : ''}`;
}

/** Every configuration in `configs` (a name in MATMUL_CONFIGS or AUTOTUNED) at one shape, validated then timed. */
export async function benchMatmul(ctx: SuiteContext, uniforms: UniformArena, family: 'bert' | 'square', m: number, n: number, k: number, transB: boolean, configs: readonly string[]): Promise<KernelRow[]> {
  const { gpu } = ctx;
  const { A, B } = matmulOperands(m, n, k);
  const shape = matmulShape(m, n, k, transB);
  const owned: GpuTensor[] = [];
  const rows: KernelRow[] = [];
  try {
    const a = await uploadTensor(gpu, A, [m, k], 'a');
    owned.push(a);
    const b = await uploadTensor(gpu, B, transB ? [n, k] : [k, n], 'b');
    owned.push(b);
    const c = await createTensor(gpu, [m, n], 'f32', 'c');
    owned.push(c);
    for (const name of configs) {
      const row: KernelRow = { kernel: 'matmul', engine: 'webgpu-bert', config: name, family, shape, m, n, k, validation: '', relErr: NaN };
      rows.push(row);
      try {
        let config: MatmulConfig;
        if (name === AUTOTUNED) {
          ctx.log(`kernels: autotuning ${shape} (each configuration timed once)`);
          config = await autotuneMatmul(gpu, { m, n, k, transB });
          row.chose = config.name;
        } else config = matmulConfig(name);
        const step = await prepareMatmul(gpu, uniforms, { a, b, c, m, n, k, transB, config, label: `matmul ${name} ${shape}` });
        fillTensor(gpu, c, NaN);
        await runSteps(gpu, [step], step.label);
        const check = checkMatmulRows(m, n, k, A, B, transB, (await readTensor(gpu, c)) as Float32Array);
        Object.assign(row, { validation: check.message, relErr: check.relNorm });
        if (!check.pass) throw new Error(`failed validation: ${check.message}`);
        row.timing = await timeKernel(ctx, [step], step.label);
        row.gflops = gflopsOf(matmulFlops(m, n, k), row.timing.median);
      } catch (error) {
        row.error = (error as Error).message;
      }
      ctx.log(`kernels: matmul ${shape} ${(row.chose ? `${name} → ${row.chose}` : name).padEnd(24)} ${row.error ? `error: ${row.error}` : `${fmt(row.timing!.median, 3).padStart(9)} ms ${fmt(row.gflops).padStart(7)} GFLOP/s`}`);
    }
  } finally {
    for (const t of owned) t.buffer.destroy();
  }
  return rows;
}

interface RowCase { kernel: 'layernorm' | 'gelu'; shape: string; m: number; n: number; step: Step; out: GpuTensor; want: () => Float64Array; bytes: number; wg: number }

/** LayerNorm over [tokens, 768] and GELU over [tokens, 3072], BERT-base's row shapes. */
export async function benchRowKernels(ctx: SuiteContext, uniforms: UniformArena, tokens: number, which: readonly ('layernorm' | 'gelu')[]): Promise<KernelRow[]> {
  const { gpu } = ctx;
  const rng = new Rng(tokens);
  const h = 768;
  const wide = 3072;
  const owned: GpuTensor[] = [];
  const tensor = async (t: Promise<GpuTensor>) => {
    owned.push(await t);
    return owned[owned.length - 1];
  };
  const rows: KernelRow[] = [];
  try {
    const cases: RowCase[] = [];
    if (which.includes('layernorm')) {
      const x = rng.normals(tokens * h);
      const gamma = rng.floats(h, 0.5, 1.5);
      const beta = rng.floats(h, -0.5, 0.5);
      const [xt, gt, bt, yt] = [
        await tensor(uploadTensor(gpu, x, [tokens, h], 'x')), await tensor(uploadTensor(gpu, gamma, [h], 'gamma')),
        await tensor(uploadTensor(gpu, beta, [h], 'beta')), await tensor(createTensor(gpu, [tokens, h], 'f32', 'y')),
      ];
      cases.push({
        kernel: 'layernorm', shape: `${tokens}x${h}`, m: tokens, n: h, out: yt, wg: layernorm.resolve().constants.WG,
        step: await prepareLayernorm(gpu, uniforms, { x: xt, gamma: gt, beta: bt, y: yt, rows: tokens, n: h, eps: 1e-12 }),
        want: () => layernormRef({ x, gamma, beta, rows: tokens, n: h, eps: 1e-12 }),
        bytes: (2 * tokens * h + 2 * h) * 4, // x read, y written, gamma and beta read once
      });
    }
    if (which.includes('gelu')) {
      const x = rng.floats(tokens * wide, -6, 6);
      const [xt, yt] = [await tensor(uploadTensor(gpu, x, [tokens, wide], 'gelu x')), await tensor(createTensor(gpu, [tokens, wide], 'f32', 'gelu y'))];
      cases.push({
        kernel: 'gelu', shape: `${tokens}x${wide}`, m: tokens, n: wide, out: yt, wg: gelu.resolve().constants.WG,
        step: await prepareGelu(gpu, uniforms, { x: xt, y: yt }), want: () => geluRef(x), bytes: 2 * tokens * wide * 4,
      });
    }
    for (const c of cases) {
      const row: KernelRow = { kernel: c.kernel, engine: 'webgpu-bert', config: `WG ${c.wg}`, family: 'row', shape: c.shape, m: c.m, n: c.n, k: 0, validation: '', relErr: NaN };
      rows.push(row);
      try {
        fillTensor(gpu, c.out, NaN);
        await runSteps(gpu, [c.step], c.kernel);
        const check = compare(await readTensor(gpu, c.out), c.want());
        Object.assign(row, { validation: check.message, relErr: check.relNorm });
        if (!check.pass) throw new Error(`failed validation: ${check.message}`);
        row.timing = await timeKernel(ctx, [c.step], `${c.kernel} ${c.shape}`);
        row.gbps = gbpsOf(c.bytes, row.timing.median);
      } catch (error) {
        row.error = (error as Error).message;
      }
      ctx.log(`kernels: ${c.kernel} ${c.shape} ${row.error ? `error: ${row.error}` : `${fmt(row.timing!.median, 3)} ms ${fmt(row.gbps)} GB/s`}`);
    }
  } finally {
    for (const t of owned) t.buffer.destroy();
  }
  return rows;
}

/** tf.matMul on TF.js's WebGPU backend at the same shape and data (bench/peers/tfjs.ts validates it first). */
export async function benchTfjsMatmul(ctx: SuiteContext, family: 'bert' | 'square', m: number, n: number, k: number, transB: boolean): Promise<KernelRow> {
  const shape = matmulShape(m, n, k, transB);
  const row: KernelRow = { kernel: 'matmul', engine: 'tfjs-webgpu', config: 'tf.matMul', family, shape, m, n, k, validation: '', relErr: NaN };
  try {
    const { tfjsMatmul } = await import('./peers/tfjs.ts');
    const { relErr, timing } = await tfjsMatmul(m, n, k, transB, ctx.runs);
    Object.assign(row, { relErr, timing, validation: `rows of C vs float64: rel ${relErr.toExponential(2)}`, gflops: gflopsOf(matmulFlops(m, n, k), timing.median) });
  } catch (error) {
    row.error = (error as Error).message.split('\n')[0];
  }
  ctx.log(`kernels: matmul ${shape} ${'tf.matMul'.padEnd(24)} ${row.error ? `error: ${row.error}` : `${fmt(row.timing!.median, 3).padStart(9)} ms ${fmt(row.gflops).padStart(7)} GFLOP/s`}`);
  return row;
}
