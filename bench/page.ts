// The page side of `npm run bench`: one WebGPU device for the whole page (ceilings measured by one suite are
// reused by the next), suites run by name, results handed back as JSON text. Progress lines go to the
// console, which the Node side forwards to stderr, and to the page itself.
import { createBrowserGpu, describeAdapter, type AdapterSummary, type Gpu } from '../src/browser.ts';
import { MIN_RUNS, type SuiteOutput } from './suite.ts';
import { SUITES } from './suites/index.ts';

export interface BenchRunOptions {
  runs: number;
  size: 'quick' | 'full';
  args: string[];
}

export interface BenchPage {
  /** The adapter, once the device exists; rejects when there is no WebGPU adapter. */
  ready: Promise<AdapterSummary>;
  describe(): string;
  /** JSON of a SuiteOutput (JSON text: NaN and typed arrays cross the DevTools protocol predictably). */
  run(suite: string, options: BenchRunOptions): Promise<string>;
}

const view = document.getElementById('log')!;
const log = (line: string) => {
  console.log(`[bench] ${line}`);
  view.textContent += `\n${line}`;
};

let gpu: Gpu | undefined;
const ready = createBrowserGpu({ timestamps: true }).then((g) => {
  gpu = g;
  view.textContent = `adapter: ${describeAdapter(g.adapter)}`;
  return g.adapter;
});

const bench: BenchPage = {
  ready,
  describe: () => (gpu ? describeAdapter(gpu.adapter) : 'no adapter yet'),
  async run(suite, options) {
    await ready;
    const run = SUITES[suite];
    if (!run) throw new Error(`unknown suite "${suite}" (known: ${Object.keys(SUITES).join(', ')})`);
    if (!(options.runs >= MIN_RUNS)) throw new Error(`runs must be at least ${MIN_RUNS}, got ${options.runs}`);
    const output: SuiteOutput = await run({ gpu: gpu!, runs: options.runs, size: options.size, args: options.args, log });
    return JSON.stringify(output);
  },
};

(window as unknown as { bench: BenchPage }).bench = bench;
