// What every suite does the same way: warm up, time with timestamp queries when the adapter has them (else
// the wall clock, labelled), turn a median into GFLOP/s or GB/s and into a share of the measured ceiling.
import type { Gpu } from '../src/gpu/device.ts';
import { summarize, timeSteps, type Timing } from '../src/kernels/timer.ts';
import type { Step } from '../src/kernels/kernel.ts';
import type { SuiteContext } from './suite.ts';

/** In a page (peers, navigator.gpu) rather than in Node through Dawn. */
export function inBrowser(): boolean {
  return typeof document !== 'undefined';
}

/**
 * Untimed repetitions before timing. Each figure was already run once to validate it (pipelines compiled,
 * buffers touched); quick adds one more, full two, as the earlier Node benchmarks did.
 */
export function warmupRuns(ctx: Pick<SuiteContext, 'size'>): number {
  return ctx.size === 'quick' ? 1 : 2;
}

export function timingMethodNote(gpu: Gpu): string {
  return gpu.hasTimestamps
    ? 'kernels: GPU timestamp queries around one compute pass per repetition (GPU time only)'
    : 'kernels: wall clock from submit to onSubmittedWorkDone (no timestamp-query on this adapter; includes submission)';
}

export function timeKernel(ctx: SuiteContext, steps: readonly Step[], label: string): Promise<Timing> {
  return timeSteps(ctx.gpu, steps, { runs: ctx.runs, warmup: warmupRuns(ctx), label });
}

const now = () => performance.now();

/** Wall clock around whole calls (a forward with its readback): for engines whose GPU work we cannot bracket. */
export async function timeCalls(ctx: Pick<SuiteContext, 'runs' | 'size'>, call: () => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < warmupRuns(ctx); i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    const t0 = now();
    await call();
    samples.push(now() - t0);
  }
  return summarize('wall-clock', samples);
}

export const gflopsOf = (flops: number, ms: number) => flops / (ms * 1e6);
export const gbpsOf = (bytes: number, ms: number) => bytes / (ms * 1e6);

/** The adapter's practical limits, measured in the same run as the figures compared with them. */
export interface Ceilings {
  /** Best (bytes read + written) / time of the copy kernel. */
  copyGBps: number;
  /** Best FLOP rate of the FMA kernel. */
  fmaGFlops: number;
  /** Where each best was reached, e.g. 'copy 64 MiB', 'fma 65536 x 1024'. */
  copyAt: string;
  fmaAt: string;
  method: Timing['method'];
}

/** Percent of a ceiling, or undefined when either side is missing. */
export function percentOf(value: number | undefined, ceiling: number | undefined): number | undefined {
  if (value === undefined || ceiling === undefined || !(ceiling > 0) || !Number.isFinite(value)) return undefined;
  return (100 * value) / ceiling;
}

export function fmt(n: number | undefined, digits = 2): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return n >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

export function fmtPct(p: number | undefined): string {
  return p === undefined ? '-' : `${p < 10 ? p.toFixed(1) : p.toFixed(0)} %`;
}

export function fmtTiming(t: Timing | undefined): string {
  return t ? `${fmt(t.median, 3)} (${fmt(t.min, 3)}–${fmt(t.max, 3)})` : '-';
}

export type Column<Row> = [header: string, cell: (row: Row) => string];

export function markdownTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const head = `| ${columns.map((c) => c[0]).join(' | ')} |`;
  const rule = `|${columns.map(() => '---').join('|')}|`;
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [head, rule, ...rows.map((r) => `| ${columns.map((c) => cell(c[1](r))).join(' | ')} |`)].join('\n');
}
