/**
 * The GPU bench bundle's entry (scripts/bench-bundle.ts builds it into one ESM file; run.sh starts it):
 *
 *   node bench.mjs --out DIR [--quick] [--allow-software] [--budget-s 420]
 *
 * On the adapter Dawn finds (printed first; a software adapter is refused unless --allow-software), it runs
 * the ceilings, kernels, attention and end-to-end suites in this process (no peers: they need a page), the
 * e2e rows with f32, f16 and int8 weights, and the occupancy report of BERT-base at 1 x 128, writing each
 * suite's JSON, Markdown and SVG into DIR plus summary.md. --quick is sized for a software adapter (the
 * bundle's own test runs it on SwiftShader); the full grid is sized to end in about 7 minutes on a GPU. Once
 * --budget-s is spent, the remaining suites are skipped and say so.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createNodeGpu, describeAdapter, EncoderModel, occupancyTable } from '../src/node.ts';
import { ensureGeneratedModel } from '../src/model/generate-node.ts';
import { e2eModel } from './e2e-models.ts';
import { e2eInputs, toForwardInputs } from './e2e.ts';
import type { BenchResult } from './report.ts';
import { writeResult } from './results-files.ts';
import { MIN_RUNS } from './suite.ts';
import { SUITES } from './suites/index.ts';

declare const __BUNDLE_VERSION__: string | undefined;
const VERSION = typeof __BUNDLE_VERSION__ === 'string' ? __BUNDLE_VERSION__ : 'source';

const { values } = parseArgs({ options: {
  out: { type: 'string' }, quick: { type: 'boolean', default: false }, 'allow-software': { type: 'boolean', default: false },
  'budget-s': { type: 'string', default: '420' }, runs: { type: 'string', default: String(MIN_RUNS) },
} });
const log = (line: string) => process.stderr.write(`${line}\n`);
const fail = (message: string): never => {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
};
if (!values.out) fail('--out DIR is required: the folder the results are written to');
const OUT = path.resolve(values.out!);
const budgetMs = Number(values['budget-s']) * 1e3;
const runs = Number(values.runs);
if (!(budgetMs > 0)) fail(`--budget-s must be a positive number of seconds, got ${values['budget-s']}`);
if (!Number.isInteger(runs) || runs < MIN_RUNS) fail(`--runs must be an integer >= ${MIN_RUNS}, got ${values.runs}`);
const quick = values.quick!;

const gpu = await createNodeGpu({ log, timestamps: true });
const adapter = describeAdapter(gpu.adapter);
log(`adapter: ${adapter}`);
const software = gpu.adapter.isFallback || /swiftshader/i.test(`${gpu.adapter.vendor} ${gpu.adapter.architecture} ${gpu.adapter.description}`);
if (software && !values['allow-software']) fail(`the adapter is a software one (${adapter}): these figures would be CPU figures. Check the Vulkan driver (VK_DRIVER_FILES), or pass --allow-software`);
await mkdir(OUT, { recursive: true });
const started = Date.now();
const elapsed = () => (Date.now() - started) / 1e3;

// Generated checkpoints the e2e suite loads (random weights in the real shapes), in a temporary folder.
const E2E_MODELS = quick ? ['tiny-h64'] : ['minilm-l6-h384', 'bert-base'];
const modelBase = path.join(os.tmpdir(), `webgpu-bert-bench-models-${process.pid}`);

/** The grid per suite: quick for a software adapter (minutes), full for a GPU. */
const GRID: { suite: string; args: string[] }[] = quick ? [
  { suite: 'ceilings', args: ['--copy-mib', '4', '--invocations', '16384', '--iterations', '256'] },
  { suite: 'kernels', args: ['--tokens', '32', '--square', '64', '--configs', 'unrolled4x4,gpu16x16-k32-r2x2,autotuned', '--ops', 'bert,layernorm', '--no-peers'] },
  { suite: 'attention', args: ['--seq', '64', '--heads', '2', '--dim', '64', '--variants', 'flash'] },
  { suite: 'e2e', args: ['--models', 'tiny-h64', '--shapes', '1x32', '--weights', 'f32,f16,int8', '--previous', '--no-peers'] },
] : [
  { suite: 'ceilings', args: [] },
  { suite: 'kernels', args: ['--no-peers'] },
  { suite: 'attention', args: [] },
  { suite: 'e2e', args: ['--models', E2E_MODELS.join(','), '--shapes', '1x128,8x128,1x512', '--weights', 'f32,f16,int8', '--previous', '--no-peers'] },
];

const summary: string[] = [`# webgpu-bert GPU bench (${quick ? 'quick' : 'full'})`, '', `- adapter: ${adapter}`, `- bundle: ${VERSION}; node ${process.version}; ${os.cpus().length} CPUs`, `- date: ${new Date().toISOString()}`, ''];
const failed: string[] = [];
try {
  for (const name of E2E_MODELS) {
    log(`preparing ${name} (generated, random weights)`);
    await ensureGeneratedModel(e2eModel(name).options, path.join(modelBase, name));
  }
  for (const { suite, args } of GRID) {
    if (elapsed() * 1e3 > budgetMs) {
      summary.push(`- ${suite}: skipped, the budget of ${budgetMs / 1e3} s was spent`);
      log(`${suite}: skipped (budget spent)`);
      continue;
    }
    const t0 = Date.now();
    log(`== ${suite} ${args.join(' ')}`);
    try {
      const suiteArgs = suite === 'e2e' ? [...args, '--model-base', modelBase] : args;
      const output = await SUITES[suite]({ gpu, runs, size: quick ? 'quick' : 'full', args: suiteArgs, log });
      const result: BenchResult = {
        suite, date: new Date().toISOString(), adapter: gpu.adapter, runtime: gpu.adapter.runtime,
        versions: { 'webgpu-bert': VERSION, node: process.version, dawn: 'webgpu (bundled)' }, size: quick ? 'quick' : 'full', runs,
        options: { ...output.options, args }, notes: output.notes, rows: output.rows,
      };
      const files = writeResult(OUT, result, output);
      summary.push(`## ${suite} (${((Date.now() - t0) / 1e3).toFixed(0)} s; ${files.map((f) => path.basename(f)).join(', ')})`, '', output.table, '');
      log(`${suite}: ${((Date.now() - t0) / 1e3).toFixed(0)} s`);
    } catch (error) {
      failed.push(suite);
      summary.push(`- ${suite}: failed: ${(error as Error).message.split('\n')[0]}`);
      log(`${suite} failed: ${(error as Error).message}`);
    }
  }
  // How the plan the autotuner chose here fills the GPU: every dispatch of one forward.
  const occModel = quick ? 'tiny-h64' : 'bert-base';
  const [batch, seqLen] = quick ? [1, 32] : [1, 128];
  try {
    const model = await EncoderModel.load(gpu, path.join(modelBase, occModel));
    try {
      await model.forward(toForwardInputs(e2eInputs(model.config.vocabSize, batch, seqLen)), { pooler: false, logits: false });
      const report = model.stats().occupancy!;
      await writeFile(path.join(OUT, `occupancy-${occModel}-${batch}x${seqLen}.json`), `${JSON.stringify({ adapter: gpu.adapter, model: occModel, ...report }, null, 2)}\n`);
      summary.push(`## occupancy: ${occModel} (autotuned plan)`, '', occupancyTable(report), '');
    } finally {
      model.dispose();
    }
  } catch (error) {
    failed.push('occupancy');
    summary.push(`- occupancy: failed: ${(error as Error).message.split('\n')[0]}`);
  }
} finally {
  summary.push(`Total: ${elapsed().toFixed(0)} s.${failed.length ? ` Failed: ${failed.join(', ')}.` : ''}`);
  await writeFile(path.join(OUT, 'summary.md'), `${summary.join('\n')}\n`);
  await rm(modelBase, { recursive: true, force: true });
  gpu.destroy();
}
log(`wrote ${OUT}/summary.md (${elapsed().toFixed(0)} s)`);
process.exit(failed.length ? 1 : 0);
