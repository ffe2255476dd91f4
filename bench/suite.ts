// What a benchmark suite is, for every runner: the Node command (bench/main.ts, in Chromium or Dawn), the
// page it drives (bench/page.ts) and the demo. A suite is browser-safe: it imports no node:* module, gets its
// device from the caller and hands back data (rows), a Markdown table and SVG charts rendered from the rows.
import type { Gpu } from '../src/gpu/device.ts';

export interface SuiteContext {
  gpu: Gpu;
  /** Timed repetitions per figure (the median is reported); at least MIN_RUNS. */
  runs: number;
  /** 'quick' is sized for a software adapter (minutes); 'full' is the whole grid, for a GPU. */
  size: 'quick' | 'full';
  /** Suite-specific flags, e.g. ['--tokens', '32', '--configs', 'naive,reg8x8']. */
  args: string[];
  /** Progress, one line at a time (which suite, which row). */
  log: (line: string) => void;
}

export interface Chart {
  /** File-name friendly: the runner writes `<result>-<name>.svg`. */
  name: string;
  title: string;
  /** A self-contained <svg> document (no scripts, no external fonts). */
  svg: string;
}

export interface SuiteOutput {
  rows: unknown[];
  table: string;
  /** What was measured (shapes, sizes, args), as written to the JSON result. */
  options: Record<string, unknown>;
  notes: string[];
  charts: Chart[];
}

export type Suite = (ctx: SuiteContext) => Promise<SuiteOutput>;

/** Rendering alone, from saved rows and options: `npm run bench -- report` re-renders old JSON with it. */
export type SuiteRenderer = (rows: unknown[], options: Record<string, unknown>) => Pick<SuiteOutput, 'table' | 'charts'>;

/** Medians of fewer repetitions say little; every runner refuses fewer. */
export const MIN_RUNS = 5;
