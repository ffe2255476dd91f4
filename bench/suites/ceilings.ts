// Ceilings: the adapter's practical limits, measured in the same run as the figures compared with them.
//   copy:  GB/s = 2 * bytes / median (every byte read once and written once), over buffers of growing size;
//   fma:   GFLOP/s = invocations * iterations * ACC * 4 * 2 / median, over growing invocation counts.
// The ceiling is the best row of each kind. Both kernels are checked before timing: the copy bit for bit,
// the FMA chains exactly (they stay on small integers, see ceiling-fma.wgsl).
import { createTensor, fillTensor, readTensor, uploadTensor, type GpuTensor } from '../../src/gpu/tensor.ts';
import type { Timing } from '../../src/kernels/timer.ts';
import { UniformArena } from '../../src/gpu/uniforms.ts';
import { ceilingFma, ceilingFmaFlops, prepareCeilingCopy, prepareCeilingFma } from '../../src/kernels/ceiling.ts';
import { runSteps } from '../../src/kernels/kernel.ts';
import { ceilingFmaRef } from '../../src/reference/kernels.ts';
import { Rng } from '../../src/random.ts';
import { lineChart } from '../charts.ts';
import { fmt, fmtTiming, gbpsOf, gflopsOf, markdownTable, timeKernel, timingMethodNote, type Ceilings } from '../measure.ts';
import { SuiteArgs, type FlagKind } from '../suite-args.ts';
import type { SuiteContext, SuiteOutput, SuiteRenderer } from '../suite.ts';

export interface CeilingRow {
  kind: 'copy' | 'fma';
  /** 'copy 64 MiB' or 'fma 65536 x 1024' (invocations x iterations). */
  what: string;
  /** Bytes per buffer (copy) or invocations (fma): the x axis of the charts. */
  size: number;
  work: number;
  formula: string;
  validation: string;
  timing: Timing;
  gbps?: number;
  gflops?: number;
  /** The best row of its kind: the ceiling. */
  best?: boolean;
}

const MIB = 2 ** 20;
/** Buffer sizes of the copy. Full reaches 256 MiB, well past the largest GPU L2 (50 MB on an H100). */
const COPY_MIB = { quick: [4, 16, 64], full: [16, 64, 256] };
/** Invocations of the FMA kernel; enough at the top to fill any GPU many times over (2^20 = 8192 x 128). */
const FMA_INVOCATIONS = { quick: [2 ** 12, 2 ** 14, 2 ** 16], full: [2 ** 16, 2 ** 18, 2 ** 20] };
const FMA_ITERATIONS = { quick: 256, full: 1024 };

/** Ceilings per device: measured once per page or process, reused by the suites that compare with them. */
const measured = new WeakMap<GPUDevice, Ceilings>();

async function copyRow(ctx: SuiteContext, uniforms: UniformArena, mib: number): Promise<CeilingRow> {
  const elements = (mib * MIB) / 4;
  const what = `copy ${mib} MiB`;
  const data = new Rng(mib).floats(elements);
  const owned: GpuTensor[] = [];
  try {
    const src = await uploadTensor(ctx.gpu, data, [elements], 'ceiling copy src');
    owned.push(src);
    const dst = await createTensor(ctx.gpu, [elements], 'f32', 'ceiling copy dst');
    owned.push(dst);
    const step = await prepareCeilingCopy(ctx.gpu, uniforms, { src, dst, label: what });
    fillTensor(ctx.gpu, dst, NaN);
    await runSteps(ctx.gpu, [step], what);
    const got = await readTensor(ctx.gpu, dst);
    const bad = got.findIndex((v, i) => !Object.is(v, data[i]));
    if (bad >= 0) throw new Error(`${what} failed validation: element ${bad} is ${got[bad]}, expected ${data[bad]}`);
    const timing = await timeKernel(ctx, [step], what);
    const bytes = 2 * elements * 4;
    return { kind: 'copy', what, size: mib * MIB, work: bytes, formula: '2 * bytes / median', validation: 'bit-exact', timing, gbps: gbpsOf(bytes, timing.median) };
  } finally {
    for (const t of owned) t.buffer.destroy();
  }
}

async function fmaRow(ctx: SuiteContext, uniforms: UniformArena, invocations: number, iterations: number): Promise<CeilingRow> {
  const what = `fma ${invocations} x ${iterations}`;
  const out = await createTensor(ctx.gpu, [invocations], 'f32', 'ceiling fma out');
  try {
    const step = await prepareCeilingFma(ctx.gpu, uniforms, { out, iterations, label: what });
    fillTensor(ctx.gpu, out, NaN);
    await runSteps(ctx.gpu, [step], what);
    const got = await readTensor(ctx.gpu, out);
    const acc = ceilingFma.resolve().defines.ACC;
    const bad = got.findIndex((v, i) => v !== ceilingFmaRef(i, iterations, acc));
    if (bad >= 0) throw new Error(`${what} failed validation: out[${bad}] = ${got[bad]}, expected ${ceilingFmaRef(bad, iterations, acc)}`);
    const timing = await timeKernel(ctx, [step], what);
    const flops = ceilingFmaFlops(invocations, iterations);
    return { kind: 'fma', what, size: invocations, work: flops, formula: `invocations * iterations * ${acc} * 4 * 2 / median`, validation: 'exact', timing, gflops: gflopsOf(flops, timing.median) };
  } finally {
    out.buffer.destroy();
  }
}

function markBest(rows: CeilingRow[]): Ceilings {
  const best = (kind: CeilingRow['kind'], value: (r: CeilingRow) => number) => {
    const of = rows.filter((r) => r.kind === kind).sort((a, b) => value(b) - value(a))[0];
    of.best = true;
    return of;
  };
  const copy = best('copy', (r) => r.gbps!);
  const fma = best('fma', (r) => r.gflops!);
  return { copyGBps: copy.gbps!, fmaGFlops: fma.gflops!, copyAt: copy.what, fmaAt: fma.what, method: copy.timing.method };
}

async function measure(ctx: SuiteContext, sizes: { copyMib: number[]; invocations: number[]; iterations: number }): Promise<{ rows: CeilingRow[]; ceilings: Ceilings }> {
  const uniforms = new UniformArena(ctx.gpu, 'ceiling uniforms');
  const rows: CeilingRow[] = [];
  try {
    for (const mib of sizes.copyMib) {
      rows.push(await copyRow(ctx, uniforms, mib));
      ctx.log(`ceilings: ${rows.at(-1)!.what}: ${fmt(rows.at(-1)!.timing.median, 3)} ms, ${fmt(rows.at(-1)!.gbps)} GB/s`);
    }
    for (const n of sizes.invocations) {
      rows.push(await fmaRow(ctx, uniforms, n, sizes.iterations));
      ctx.log(`ceilings: ${rows.at(-1)!.what}: ${fmt(rows.at(-1)!.timing.median, 3)} ms, ${fmt(rows.at(-1)!.gflops)} GFLOP/s`);
    }
  } finally {
    uniforms.destroy();
  }
  const ceilings = markBest(rows);
  measured.set(ctx.gpu.device, ceilings);
  return { rows, ceilings };
}

function defaultSizes(size: SuiteContext['size']) {
  return { copyMib: COPY_MIB[size], invocations: FMA_INVOCATIONS[size], iterations: FMA_ITERATIONS[size] };
}

/** The ceilings of this device: measured earlier in this run, or now (the default grid, rows not reported). */
export async function ceilingsFor(ctx: SuiteContext): Promise<Ceilings> {
  const known = measured.get(ctx.gpu.device);
  if (known) return known;
  ctx.log('ceilings: not measured yet in this run; measuring them first');
  return (await measure({ ...ctx, args: [] }, defaultSizes(ctx.size))).ceilings;
}

export const renderCeilings: SuiteRenderer = (rawRows) => {
  const rows = rawRows as CeilingRow[];
  const table = markdownTable(rows, [
    ['kernel', (r) => r.what],
    ['median ms (min–max)', (r) => fmtTiming(r.timing)],
    ['runs', (r) => String(r.timing.samples.length)],
    ['GB/s', (r) => fmt(r.gbps)],
    ['GFLOP/s', (r) => fmt(r.gflops)],
    ['ceiling', (r) => (r.best ? '**yes**' : '')],
    ['formula', (r) => r.formula],
    ['check', (r) => r.validation],
  ]);
  const series = (kind: CeilingRow['kind'], x: (r: CeilingRow) => number, y: (r: CeilingRow) => number) =>
    [{ name: kind === 'copy' ? 'copy (read + write)' : 'FMA chains', points: rows.filter((r) => r.kind === kind).map((r) => [x(r), y(r)] as [number, number]) }];
  const charts = [
    { name: 'copy', title: 'Memory bandwidth ceiling: buffer copy', svg: lineChart({ title: 'Buffer copy: GB/s by buffer size', xLabel: 'buffer size (MiB)', yLabel: 'GB/s', logX: true, series: series('copy', (r) => r.size / MIB, (r) => r.gbps!) }) },
    { name: 'fma', title: 'Arithmetic ceiling: FMA chains', svg: lineChart({ title: 'FMA chains: GFLOP/s by invocations', xLabel: 'invocations', yLabel: 'GFLOP/s', logX: true, series: series('fma', (r) => r.size, (r) => r.gflops!) }) },
  ].filter((c) => rows.some((r) => c.name === r.kind));
  return { table, charts };
};

export const CEILINGS_FLAGS: Record<string, FlagKind> = { 'copy-mib': 'ints', invocations: 'ints', iterations: 'int' };

/** `ceilings [--copy-mib 16,64] [--invocations 65536] [--iterations 1024]`. */
export async function ceilingsSuite(ctx: SuiteContext): Promise<SuiteOutput> {
  const args = new SuiteArgs('ceilings', ctx.args, CEILINGS_FLAGS);
  const sizes = defaultSizes(ctx.size);
  const chosen = {
    copyMib: args.ints('copy-mib') ?? sizes.copyMib,
    invocations: args.ints('invocations') ?? sizes.invocations,
    iterations: args.int('iterations') ?? sizes.iterations,
  };
  const { rows, ceilings } = await measure(ctx, chosen);
  const options = { ...chosen, ceilings };
  return {
    rows, options, ...renderCeilings(rows, options),
    notes: [
      timingMethodNote(ctx.gpu),
      `ceilings: copy ${fmt(ceilings.copyGBps)} GB/s (${ceilings.copyAt}), FMA ${fmt(ceilings.fmaGFlops)} GFLOP/s (${ceilings.fmaAt}); the other suites report % of these`,
      'copy GB/s = 2 * bytes / median (read + write); FMA GFLOP/s = invocations * iterations * 8 chains * 4 lanes * 2 / median',
    ],
  };
}
