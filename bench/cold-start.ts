/**
 * Cold start, measured side by side in one run: the same MiniLM-shaped model (hidden 384, 6 layers, 12 heads,
 * intermediate 1536; random weights from the generator) loaded in fresh Node processes one after another, each
 * timing its phases (model.stats().phases) and then its steady forward (median of --runs). The first process
 * starts with an empty tuning store and autotunes; the next ones restore its tunings. Results go to
 * bench/results/cold-start-<adapter>-<date>.json and .md.
 *
 *   node --import tsx bench/cold-start.ts [--processes 2] [--runs 5] [--tokens 128] [--matmul autotune]
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({ options: { processes: { type: 'string', default: '2' }, runs: { type: 'string', default: '5' }, tokens: { type: 'string', default: '128' }, matmul: { type: 'string', default: 'autotune' }, child: { type: 'boolean', default: false } } });
const runs = Number(values.runs);
const tokens = Number(values.tokens);
const MODEL = { architecture: 'BertModel', hiddenSize: 384, numLayers: 6, numHeads: 12, intermediateSize: 1536, maxPositions: 512, seed: 7 } as const;

interface ChildResult {
  adapter: string;
  phases: import('../src/runtime/model.ts').ModelPhases;
  loadMs: number;
  steadyMedianMs: number;
  steadyRuns: number;
  processMs: number;
}

async function child(): Promise<void> {
  const started = performance.now();
  const { loadModel, describeAdapter } = await import('../src/node.ts');
  const { generateCheckpoint, median } = await import('../src/lab.ts');
  const files = generateCheckpoint(MODEL);
  const t0 = performance.now();
  const model = await loadModel(files, { matmul: values.matmul });
  const loadMs = performance.now() - t0;
  const ids = [Array.from({ length: tokens }, (_, i) => (i === 0 ? 2 : i === tokens - 1 ? 3 : 5 + (i % 1000)))];
  await model.forward({ inputIds: ids }, { pooler: false });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await model.forward({ inputIds: ids }, { pooler: false });
    times.push(performance.now() - t);
  }
  const result: ChildResult = {
    adapter: describeAdapter(model.gpu.adapter), phases: model.stats().phases, loadMs,
    steadyMedianMs: median(times), steadyRuns: runs, processMs: performance.now() - started,
  };
  model.dispose();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function main(): Promise<void> {
  const cache = await mkdtemp(path.join(tmpdir(), 'webgpu-bert-cold-start-'));
  const results: ChildResult[] = [];
  try {
    for (let p = 0; p < Number(values.processes); p++) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', '--runs', String(runs), '--tokens', String(tokens), '--matmul', values.matmul!],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, WEBGPU_BERT_CACHE: cache } });
      if (r.status !== 0) throw new Error(`process ${p + 1} failed: ${r.stderr}`);
      results.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
      process.stderr.write(`process ${p + 1}: first forward ${results[p].phases.firstForwardMs!.toFixed(0)} ms, steady ${results[p].steadyMedianMs.toFixed(1)} ms\n`);
    }
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
  const f = (x: number | undefined) => (x ?? 0).toFixed(0);
  const rows = results.map((r, i) => {
    const p = r.phases;
    const budget = r.steadyMedianMs + (p.compileMs ?? 0);
    return `| ${i + 1} | ${p.tuningsRestored} | ${f(p.fetchMs + p.parseMs)} | ${f(p.uploadMs)} | ${f(p.planMs)} | ${f(p.tuneMs)} | ${p.pipelinesCompiled} / ${f(p.compileMs)} | ${f(p.firstForwardMs)} | ${r.steadyMedianMs.toFixed(1)} | ${(p.firstForwardMs! / budget).toFixed(2)} |`;
  });
  const md = [
    `# Cold start: MiniLM-shaped model (hidden 384, 6 layers), 1 x ${tokens} tokens, matmul ${values.matmul}`,
    '', `Adapter: ${results[0].adapter}. Node (Dawn), ${new Date().toISOString().slice(0, 10)}; steady forward = median of ${runs} after the first.`,
    'The last column is first forward / (steady forward + compile time summed): the cold-start criterion is <= 1.5 for a process that restores its tunings.',
    '', '| process | tunings restored | fetch + parse ms | upload ms | plan ms | tune ms | pipelines / compile ms (summed) | first forward ms | steady ms | first / (steady + compile) |',
    '|---|---|---|---|---|---|---|---|---|---|', ...rows, '',
  ].join('\n');
  process.stdout.write(md);
  const dir = path.join(ROOT, 'bench/results');
  await mkdir(dir, { recursive: true });
  const name = `cold-start-${(results[0].adapter.split(' / ')[1] ?? 'adapter').replace(/[^\w-]+/g, '-').toLowerCase()}-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}`;
  await writeFile(path.join(dir, `${name}.json`), `${JSON.stringify({ model: MODEL, tokens, runs, matmul: values.matmul, results }, null, 1)}\n`);
  await writeFile(path.join(dir, `${name}.md`), md);
}

await (values.child ? child() : main());
