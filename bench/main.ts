// `npm run bench -- [suite [suite flags]]... [--size quick|full] [--runs N] [--runtime browser|node] [--out DIR]`
// and `npm run bench -- report <result.json>...` (also `npx webgpu-bert bench ...`).
// Runs the suites (bench/suites/) in headless Chromium on the adapter at hand, the peers in the same page
// (--runtime browser, the default), or in this process through Dawn without the peers (--runtime node),
// and writes each suite's JSON, Markdown and SVG charts under bench/results/. Tables go to stdout, progress
// to stderr. Without suites it runs them all, ceilings first.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AdapterSummary, Gpu } from '../src/gpu/device.ts';
import { e2eModel } from './e2e-models.ts';
import type { BenchResult } from './report.ts';
import { rerender, writeResult } from './results-files.ts';
import { MIN_RUNS, type SuiteOutput } from './suite.ts';
import { e2eCasesFor } from './suites/e2e.ts';
import { checkSuiteFlags, SUITES } from './suites/index.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const SUITE_NAMES = Object.keys(SUITES);

export const USAGE = `usage: npm run bench -- [suite [suite flags]]... [--size quick|full] [--runs N] [--runtime browser|node] [--out DIR]
       npm run bench -- report <result.json>...
suites (default: all, in this order): ${SUITE_NAMES.join(', ')}; a suite's flags follow its name (see bench/README.md):
  ceilings [--copy-mib 16,64] [--invocations 65536] [--iterations 1024]
  kernels  [--tokens 128,512] [--square 256,1024] [--configs naive,reg8x8,autotuned] [--ops bert,square,layernorm,gelu] [--no-peers]
  attention [--seq 128,512] [--heads 12] [--dim 64] [--batch 1] [--variants naive,flash]
  attention-features [--seq 128,2048] [--heads 2] [--dim 64] [--batch 1] [--variants flash+window128,flash+maskwindow128,flash+rope]
  e2e      [--models minilm-l6-h384,bert-base,tiny-h64] [--shapes 1x128,8x128,1x512] [--peers NAMES|none] [--no-peers] [--weights f32,f16,int8]
--size: quick (sized for a software adapter; the default there) or full (the whole grid; the default on a GPU)
--runs: timed repetitions per figure, median reported (default ${MIN_RUNS}, at least ${MIN_RUNS})
--runtime: browser (headless Chromium, peers on the same page; default) or node (Dawn in this process, no peers)
--out: folder for the results (default bench/results)`;

export interface BenchArgs {
  suites: { name: string; args: string[] }[];
  size?: 'quick' | 'full';
  runs: number;
  runtime: 'browser' | 'node';
  out: string;
  report?: string[];
  help?: boolean;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const parsed: BenchArgs = { suites: [], runs: MIN_RUNS, runtime: 'browser', out: path.join(REPO_ROOT, 'bench', 'results') };
  if (argv[0] === 'report') return { ...parsed, report: argv.slice(1) };
  const value = (i: number, flag: string) => {
    const v = argv[i];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value (${USAGE.split('\n')[0]})`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') parsed.help = true;
    else if (arg === '--size') {
      const v = value(++i, arg);
      if (v !== 'quick' && v !== 'full') throw new Error(`--size takes quick or full, got "${v}"`);
      parsed.size = v;
    } else if (arg === '--runs') {
      const v = Number(value(++i, arg));
      if (!Number.isInteger(v) || v < MIN_RUNS) throw new Error(`--runs must be an integer >= ${MIN_RUNS} (medians of fewer mean little), got ${argv[i]}`);
      parsed.runs = v;
    } else if (arg === '--runtime') {
      const v = value(++i, arg);
      if (v !== 'browser' && v !== 'node') throw new Error(`--runtime takes browser or node, got "${v}"`);
      parsed.runtime = v;
    } else if (arg === '--out') parsed.out = path.resolve(value(++i, arg));
    else if (SUITE_NAMES.includes(arg)) {
      if (parsed.suites.some((s) => s.name === arg)) throw new Error(`suite ${arg} is named twice`);
      parsed.suites.push({ name: arg, args: [] });
    } else if (parsed.suites.length) {
      // Anything else belongs to the suite named last, which checks it.
      parsed.suites[parsed.suites.length - 1].args.push(arg);
    } else {
      throw new Error(arg.startsWith('-') ? `${arg} is not a bench flag; a suite's flags go after its name (${SUITE_NAMES.join(', ')})` : `unknown suite "${arg}" (known: ${SUITE_NAMES.join(', ')}, report)`);
    }
  }
  if (!parsed.suites.length) parsed.suites = SUITE_NAMES.map((name) => ({ name, args: [] }));
  for (const s of parsed.suites) checkSuiteFlags(s.name, s.args);
  // Model names and shapes too: the models are generated before the e2e suite runs.
  for (const s of parsed.suites) if (s.name === 'e2e') e2eCasesFor(parsed.size ?? 'quick', s.args);
  // Ceilings first: the other suites compare with them, and they are measured once per device.
  parsed.suites.sort((a, b) => SUITE_NAMES.indexOf(a.name) - SUITE_NAMES.indexOf(b.name));
  return parsed;
}

function packageVersion(name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function versions(runtime: string, chromium: string | undefined, suite: string): Record<string, string> {
  const own = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const v: Record<string, string | undefined> = { 'webgpu-bert': own, node: process.version, chromium };
  if (runtime === 'node') v.dawn = `webgpu ${packageVersion('webgpu') ?? '?'}`;
  else if (suite === 'kernels' || suite === 'e2e') {
    for (const p of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu'].concat(suite === 'e2e' ? ['@huggingface/transformers', 'onnxruntime-web'] : [])) v[p] = packageVersion(p);
  }
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => e[1] !== undefined));
}

interface Runner {
  adapter: AdapterSummary;
  describe: string;
  runtime: string;
  chromium?: string;
  run(suite: string, runs: number, size: 'quick' | 'full', args: string[]): Promise<SuiteOutput>;
  close(): Promise<void>;
}

async function startRunner(runtime: 'browser' | 'node', log: (line: string) => void): Promise<Runner> {
  if (runtime === 'browser') {
    const { openBenchPage } = await import('./browser-page.ts');
    const browser = await openBenchPage(log);
    return {
      adapter: browser.adapter, describe: browser.describe, chromium: browser.chromiumVersion,
      runtime: `browser (Chromium ${browser.chromiumVersion}, headless, via Playwright)`,
      run: (suite, runs, size, args) => browser.run(suite, { runs, size, args }),
      close: () => browser.close(),
    };
  }
  const { createNodeGpu, describeAdapter } = await import('../src/node.ts');
  const gpu: Gpu = await createNodeGpu({ log, timestamps: true });
  return {
    adapter: gpu.adapter, describe: describeAdapter(gpu.adapter), runtime: gpu.adapter.runtime,
    run: (suite, runs, size, args) => SUITES[suite]({ gpu, runs, size, args, log }),
    close: async () => gpu.destroy(),
  };
}

/** The generated checkpoints the e2e suite will load (and their ONNX exports), written before the page runs. */
async function prepareModels(size: 'quick' | 'full', args: string[], log: (line: string) => void): Promise<string> {
  const { prepareModelFolder } = await import('./model-folder.ts');
  let dir = '';
  for (const name of new Set(e2eCasesFor(size, args).map((c) => c.model))) {
    log(`e2e: preparing bench/models/${name}/ (generated once, then cached)`);
    dir = path.dirname(await prepareModelFolder(name, e2eModel(name).options, { log }));
  }
  return dir;
}

export async function runBench(argv: readonly string[], write: (text: string) => void = (t) => process.stdout.write(t)): Promise<void> {
  const args = parseBenchArgs(argv);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (args.help) return write(`${USAGE}\n`);
  if (args.report) {
    for (const file of rerender(args.report)) log(`wrote ${path.relative(process.cwd(), file)}`);
    return;
  }
  const runner = await startRunner(args.runtime, log);
  const failed: string[] = [];
  try {
    log(`adapter: ${runner.describe}`);
    const size = args.size ?? (runner.adapter.isFallback ? 'quick' : 'full');
    log(`size: ${size}${args.size ? '' : runner.adapter.isFallback ? ' (a software adapter: WebGPU on the CPU; figures are CPU figures, read the ratios)' : ' (a hardware adapter)'}; runs: ${args.runs}; suites: ${args.suites.map((s) => s.name).join(', ')}`);
    for (const suite of args.suites) {
      const started = Date.now();
      log(`== ${suite.name} ${suite.args.join(' ')}`.trimEnd());
      try {
        let suiteArgs = suite.args;
        if (suite.name === 'e2e') {
          const dir = await prepareModels(size, suiteArgs, log);
          if (args.runtime === 'node' && !suiteArgs.includes('--model-base')) suiteArgs = [...suiteArgs, '--model-base', dir];
        }
        const output = await runner.run(suite.name, args.runs, size, suiteArgs);
        const result: BenchResult = {
          suite: suite.name, date: new Date().toISOString(), adapter: runner.adapter, runtime: runner.runtime,
          versions: versions(args.runtime, runner.chromium, suite.name), size, runs: args.runs,
          options: { ...output.options, args: suite.args }, notes: output.notes, rows: output.rows,
        };
        const files = writeResult(args.out, result, output);
        write(`## ${suite.name}\n\n${output.table}\n\n`);
        log(`${suite.name}: ${((Date.now() - started) / 1e3).toFixed(0)} s; wrote ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
      } catch (error) {
        failed.push(suite.name);
        log(`${suite.name} failed after ${((Date.now() - started) / 1e3).toFixed(0)} s: ${(error as Error).message}`);
      }
    }
  } finally {
    await runner.close();
  }
  if (failed.length) throw new Error(`suite${failed.length > 1 ? 's' : ''} ${failed.join(', ')} failed (see above)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runBench(process.argv.slice(2)).then(() => process.exit(0), (error: Error) => {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(1);
  });
}
