// Kernel benchmark: naive vs every tiled matmul configuration (and the autotuner's choice) at BERT shapes
// and 1024^3, plus LayerNorm and GELU bandwidth. Each figure is validated against the float64 twin, then
// warmed up, then timed; medians of `runs` repetitions.
//   GFLOP/s = 2*M*N*K / median time.   GB/s = (bytes read + bytes written) / median time.
import type { Gpu } from '../src/gpu/device.ts';
import { timeSteps, type Timing } from '../src/gpu/timer.ts';
import { createTensor, fillTensor, readTensor, uploadTensor, type GpuTensor } from '../src/gpu/tensor.ts';
import { UniformArena } from '../src/gpu/uniforms.ts';
import { autotuneMatmul } from '../src/kernels/autotune.ts';
import { gelu, prepareGelu } from '../src/kernels/gelu.ts';
import { runSteps, type Step } from '../src/kernels/kernel.ts';
import { layernorm, prepareLayernorm } from '../src/kernels/layernorm.ts';
import { MATMUL_CONFIGS, matmulFlops, prepareMatmul } from '../src/kernels/matmul.ts';
import { compare, type CompareReport } from '../src/reference/compare.ts';
import { geluRef, layernormRef } from '../src/reference/kernels.ts';
import { Rng } from '../src/reference/random.ts';
import { fmt, markdownTable, type Column } from './report.ts';

export interface KernelBenchRow {
  kernel: string;
  config: string;
  shape: string;
  /** Validation against the float64 twin (relative error of the checked elements). */
  relErr: number;
  timing: Timing;
  gflops?: number;
  gbps?: number;
  /** For the autotuned row: the configuration it chose. */
  chose?: string;
}

export interface KernelBenchOptions { quick: boolean; runs: number; log: (line: string) => void; tokens?: number[] }

/** What a suite hands back to bench/main.ts to print and write. */
export interface SuiteOutput { rows: unknown[]; table: string; options: Record<string, unknown>; notes: string[] }

/** BERT's four linear shapes [N, K] (QKV, attention output, FFN in, FFN out) for hidden 768. */
const BERT_NK: [number, number][] = [[2304, 768], [768, 768], [3072, 768], [768, 3072]];

/** Rows of C checked against the twin: a full reference at 1024^3 would take longer than the benchmark. */
function checkRows(m: number, n: number, k: number, A: Float32Array, B: Float32Array, transB: boolean, C: Float32Array): CompareReport {
  const rows = [0, 1, m >> 1, m - 2, m - 1].filter((r, i, all) => r >= 0 && all.indexOf(r) === i);
  const got: number[] = [];
  const want: number[] = [];
  for (const r of rows) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let q = 0; q < k; q++) acc += A[r * k + q] * (transB ? B[j * k + q] : B[q * n + j]);
      want.push(acc);
      got.push(C[r * n + j]);
    }
  }
  return compare(got, want, undefined, `rows ${rows.join(',')}`);
}

async function benchMatmulShape(gpu: Gpu, uniforms: UniformArena, m: number, n: number, k: number, transB: boolean, opts: KernelBenchOptions): Promise<KernelBenchRow[]> {
  const rng = new Rng(m * 7 + n * 13 + k);
  const A = rng.floats(m * k);
  const B = rng.floats(n * k);
  const owned: GpuTensor[] = [];
  const a = await uploadTensor(gpu, A, [m, k], 'a');
  const b = await uploadTensor(gpu, B, transB ? [n, k] : [k, n], 'b');
  const c = await createTensor(gpu, [m, n], 'f32', 'c');
  owned.push(a, b, c);
  const shape = `${m}x${n}x${k}${transB ? ' (B [n,k])' : ''}`;
  const rows: KernelBenchRow[] = [];
  try {
    const chosen = await autotuneMatmul(gpu, { m, n, k, transB }, { runs: 3 });
    for (const config of [...MATMUL_CONFIGS, { ...chosen, name: 'autotuned' }]) {
      const step = await prepareMatmul(gpu, uniforms, { a, b, c, m, n, k, transB, config });
      fillTensor(gpu, c, NaN);
      await runOnce(gpu, step);
      const check = checkRows(m, n, k, A, B, transB, (await readTensor(gpu, c)) as Float32Array);
      if (!check.pass) throw new Error(`matmul ${config.name} ${shape} failed validation: ${check.message}`);
      const timing = await timeSteps(gpu, [step], { runs: opts.runs, warmup: 2, label: `${config.name} ${shape}` });
      const gflops = matmulFlops(m, n, k) / (timing.median / 1e3) / 1e9;
      rows.push({ kernel: 'matmul', config: config.name, shape, relErr: check.relNorm, timing, gflops, chose: config.name === 'autotuned' ? chosen.name : undefined });
      opts.log(`matmul ${shape} ${config.name.padEnd(20)} ${fmt(timing.median, 3).padStart(9)} ms  ${fmt(gflops).padStart(7)} GFLOP/s${config.name === 'autotuned' ? `  (chose ${chosen.name})` : ''}`);
    }
  } finally {
    for (const t of owned) t.buffer.destroy();
  }
  return rows;
}

async function runOnce(gpu: Gpu, step: Step): Promise<void> {
  await runSteps(gpu, [step], step.label);
}

async function benchElementwise(gpu: Gpu, uniforms: UniformArena, tokens: number, opts: KernelBenchOptions): Promise<KernelBenchRow[]> {
  const rng = new Rng(tokens);
  const rows: KernelBenchRow[] = [];
  const h = 768;
  const x = rng.normals(tokens * h);
  const gamma = rng.floats(h, 0.5, 1.5);
  const beta = rng.floats(h, -0.5, 0.5);
  const xt = await uploadTensor(gpu, x, [tokens, h], 'x');
  const gt = await uploadTensor(gpu, gamma, [h], 'gamma');
  const bt = await uploadTensor(gpu, beta, [h], 'beta');
  const yt = await createTensor(gpu, [tokens, h], 'f32', 'y');
  const wide = rng.floats(tokens * 3072, -6, 6);
  const wt = await uploadTensor(gpu, wide, [tokens, 3072], 'gelu x');
  const wy = await createTensor(gpu, [tokens, 3072], 'f32', 'gelu y');
  try {
    const cases: [string, string, Step, GpuTensor, () => Float64Array, number, number][] = [
      ['layernorm', `${tokens}x${h}`, await prepareLayernorm(gpu, uniforms, { x: xt, gamma: gt, beta: bt, y: yt, rows: tokens, n: h, eps: 1e-12 }),
        yt, () => layernormRef({ x, gamma, beta, rows: tokens, n: h, eps: 1e-12 }), (2 * tokens * h + 2 * h) * 4, layernorm.resolve().constants.WG],
      ['gelu (erf)', `${tokens}x3072`, await prepareGelu(gpu, uniforms, { x: wt, y: wy }), wy, () => geluRef(wide), 2 * tokens * 3072 * 4, gelu.resolve().constants.WG],
    ];
    for (const [kernel, shape, step, out, ref, bytes, wg] of cases) {
      fillTensor(gpu, out, NaN);
      await runOnce(gpu, step);
      const check = compare(await readTensor(gpu, out), ref());
      if (!check.pass) throw new Error(`${kernel} ${shape} failed validation: ${check.message}`);
      const timing = await timeSteps(gpu, [step], { runs: opts.runs, warmup: 2, label: `${kernel} ${shape}` });
      const gbps = bytes / (timing.median / 1e3) / 1e9;
      rows.push({ kernel, config: `WG ${wg}`, shape, relErr: check.relNorm, timing, gbps });
      opts.log(`${kernel} ${shape} ${fmt(timing.median, 3).padStart(9)} ms  ${fmt(gbps).padStart(7)} GB/s`);
    }
  } finally {
    for (const t of [xt, gt, bt, yt, wt, wy]) t.buffer.destroy();
  }
  return rows;
}

export async function benchKernels(gpu: Gpu, opts: KernelBenchOptions): Promise<KernelBenchRow[]> {
  const uniforms = new UniformArena(gpu, 'bench uniforms');
  const rows: KernelBenchRow[] = [];
  const tokenCounts = opts.tokens ?? (opts.quick ? [128] : [128, 512]);
  for (const m of tokenCounts) {
    for (const [n, k] of BERT_NK) rows.push(...await benchMatmulShape(gpu, uniforms, m, n, k, true, opts));
  }
  if (!opts.quick) rows.push(...await benchMatmulShape(gpu, uniforms, 1024, 1024, 1024, false, opts));
  for (const tokens of tokenCounts) rows.push(...await benchElementwise(gpu, uniforms, tokens, opts));
  uniforms.destroy();
  return rows;
}

export const KERNEL_COLUMNS: Column<KernelBenchRow>[] = [
  ['kernel', (r) => r.kernel],
  ['shape', (r) => r.shape],
  ['config', (r) => (r.chose ? `autotuned → ${r.chose}` : r.config)],
  ['median ms', (r) => fmt(r.timing.median, 3)],
  ['min–max ms', (r) => `${fmt(r.timing.min, 3)}–${fmt(r.timing.max, 3)}`],
  ['runs', (r) => String(r.timing.samples.length)],
  ['GFLOP/s', (r) => (r.gflops === undefined ? '' : fmt(r.gflops))],
  ['GB/s', (r) => (r.gbps === undefined ? '' : fmt(r.gbps))],
  ['rel. error', (r) => r.relErr.toExponential(1)],
];

export function kernelsTable(rows: KernelBenchRow[]): string {
  return markdownTable(rows, KERNEL_COLUMNS);
}

/**
 * `npm run bench -- kernels [--quick] [--tokens 128,512]`: M = 128 and 512 tokens at BERT shapes and 1024^3
 * (--quick: M = 128 only, no 1024^3; --tokens: these M only).
 */
export async function kernelsSuite(gpu: Gpu, argv: string[], runs: number, log: (line: string) => void): Promise<SuiteOutput> {
  let tokens: number[] | undefined;
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') quick = true;
    else if (argv[i] === '--tokens') {
      tokens = (argv[++i] ?? '').split(',').map(Number);
      if (!tokens.length || tokens.some((t) => !Number.isInteger(t) || t < 1)) throw new Error(`--tokens takes a list of positive integers, got "${argv[i]}"`);
    } else throw new Error(`unknown argument "${argv[i]}" for the kernels suite (it takes --quick and --tokens)`);
  }
  const rows = await benchKernels(gpu, { quick, runs, log, tokens });
  return { rows, table: kernelsTable(rows), options: { quick, tokens }, notes: ['GFLOP/s = 2*M*N*K / median; GB/s = (bytes read + written) / median'] };
}
