// `npm run bench -- <suite> [suite options] [--runs N] [--out DIR]`: runs a benchmark suite in Node through
// Dawn on the adapter at hand (SwiftShader when the machine has no GPU: then the figures are CPU figures,
// useful only as ratios between variants) and writes JSON + Markdown under bench/results/.
import { fileURLToPath } from 'node:url';
import { createNodeGpu, describeAdapter } from '../src/node.ts';
import { attentionSuite } from './attention-suite.ts';
import { kernelsSuite, type SuiteOutput } from './kernels.ts';
import { writeResult } from './report.ts';

type SuiteFn = (gpu: Awaited<ReturnType<typeof createNodeGpu>>, argv: string[], runs: number, log: (l: string) => void) => Promise<SuiteOutput>;
const SUITES: Record<string, SuiteFn> = { kernels: kernelsSuite, attention: attentionSuite };

const USAGE = `usage: npm run bench -- <${Object.keys(SUITES).join('|')}> [--quick] [--runs N (>= 5)] [--out DIR] [suite options]`;

function parseArgs(argv: string[]): { suite: string; runs: number; out: string; rest: string[] } {
  const [suite, ...args] = argv;
  if (!suite || !(suite in SUITES)) throw new Error(suite ? `unknown suite "${suite}"; ${USAGE}` : USAGE);
  let runs = 5;
  let out = fileURLToPath(new URL('./results', import.meta.url));
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--runs') {
      runs = Number(args[++i]);
      if (!Number.isInteger(runs) || runs < 5) throw new Error(`--runs must be an integer >= 5 (medians of fewer mean little), got ${args[i]}`);
    } else if (args[i] === '--out') {
      out = args[++i];
      if (!out) throw new Error('--out needs a folder');
    } else rest.push(args[i]);
  }
  return { suite, runs, out, rest };
}

async function main(): Promise<void> {
  const { suite, runs, out, rest } = parseArgs(process.argv.slice(2));
  const log = (line: string) => console.error(line);
  const gpu = await createNodeGpu({ log });
  log(`adapter: ${describeAdapter(gpu.adapter)}`);
  if (gpu.adapter.isFallback) log('note: a software adapter runs WebGPU on the CPU; compare ratios between rows, not absolute speed');
  const output = await SUITES[suite](gpu, rest, runs, log);
  const timing = gpu.hasTimestamps ? 'GPU timestamp queries around each repetition' : 'wall clock from submit to onSubmittedWorkDone';
  const path = writeResult(out, {
    suite, date: new Date().toISOString(), adapter: gpu.adapter, runtime: gpu.adapter.runtime, node: process.version,
    options: { ...output.options, runs },
    notes: [`timing: ${timing}; median of ${runs} after warm-up; every row validated against the float64 twin first`, ...output.notes],
    rows: output.rows,
  }, output.table);
  console.log(output.table);
  log(`wrote ${path} (and .md)`);
  gpu.destroy();
}

main().catch((error: Error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
