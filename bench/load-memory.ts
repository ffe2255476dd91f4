/**
 * Host memory of loading a model, in fresh Node processes: a BERT-base-shaped checkpoint (hidden 768, 12 layers,
 * 3072, 512 positions, the generator's vocabulary) in F32 and F16, loaded from a folder with
 * EncoderModel.load. Each child samples process.memoryUsage() every few milliseconds and at every progress
 * callback during the load (peak ArrayBuffers and RSS over the baseline), then forces GC and reports what the
 * loaded model retains, again after one forward. `--engine DIR` loads another checkout's engine (its
 * src/node.ts) in the same run, so an earlier commit is measured beside this one:
 *
 *   git worktree add /tmp/base <commit> && ln -s "$PWD/node_modules" /tmp/base/node_modules
 *   node --import tsx bench/load-memory.ts --engine /tmp/base --engine .
 *
 * Results: bench/results/load-memory-<adapter>-<date>.json and .md.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, open, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MODELS = fileURLToPath(new URL('./models/', import.meta.url));
const { values } = parseArgs({
  options: {
    engine: { type: 'string', multiple: true },
    dtype: { type: 'string', multiple: true },
    child: { type: 'string' },
    dir: { type: 'string' },
  },
});
const BERT_BASE = { architecture: 'BertModel', hiddenSize: 768, numLayers: 12, numHeads: 12, intermediateSize: 3072, maxPositions: 512, seed: 11 } as const;
const MiB = 2 ** 20;

interface ChildResult {
  adapter: string;
  loadMs: number;
  /** Over the process's memory before the load (after GC). */
  peakArrayBuffers: number;
  peakRss: number;
  retainedArrayBuffers: number;
  retainedRss: number;
  /** After one 1 x 128 forward and GC. */
  afterForwardArrayBuffers: number;
  weightBytesOnGpu: number;
}

async function child(engine: string, dir: string): Promise<void> {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { createNodeGpu, EncoderModel, describeAdapter } = await import(path.join(path.resolve(engine), 'src/node.ts'));
  const gpu = await createNodeGpu();
  const settle = () => {
    gc();
    gc();
    return process.memoryUsage();
  };
  const base = settle();
  let peak = { ab: 0, rss: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peak = { ab: Math.max(peak.ab, m.arrayBuffers), rss: Math.max(peak.rss, m.rss) };
  };
  const timer = setInterval(sample, 2);
  const t0 = performance.now();
  const model = await EncoderModel.load(gpu, dir, { matmul: 'unrolled4x4', onProgress: sample });
  const loadMs = performance.now() - t0;
  clearInterval(timer);
  sample();
  const loaded = settle();
  await model.forward({ inputIds: [Array.from({ length: 128 }, (_, i) => 5 + (i % 100))] });
  const forwarded = settle();
  const result: ChildResult = {
    adapter: describeAdapter(gpu.adapter), loadMs,
    peakArrayBuffers: peak.ab - base.arrayBuffers, peakRss: peak.rss - base.rss,
    retainedArrayBuffers: loaded.arrayBuffers - base.arrayBuffers, retainedRss: loaded.rss - base.rss,
    afterForwardArrayBuffers: forwarded.arrayBuffers - base.arrayBuffers,
    weightBytesOnGpu: model.stats().weightBytes,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** The largest tensor of a safetensors file, read from its header alone. */
async function largestTensor(file: string): Promise<{ name: string; bytes: number }> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(8);
    await handle.read(head, 0, 8, 0);
    const n = Number(head.readBigUInt64LE(0));
    const json = Buffer.alloc(n);
    await handle.read(json, 0, n, 8);
    const header = JSON.parse(json.toString('utf8')) as Record<string, { data_offsets?: [number, number] }>;
    let best = { name: '', bytes: 0 };
    for (const [name, t] of Object.entries(header)) {
      const bytes = t.data_offsets ? t.data_offsets[1] - t.data_offsets[0] : 0;
      if (bytes > best.bytes) best = { name, bytes };
    }
    return best;
  } finally {
    await handle.close();
  }
}

async function main(): Promise<void> {
  const { ensureGeneratedModel } = await import('../src/model/generate-node.ts');
  const engines = values.engine?.length ? values.engine : [ROOT];
  const dtypes = (values.dtype?.length ? values.dtype : ['F16', 'F32']) as ('F16' | 'F32')[];
  const rows = [];
  for (const dtype of dtypes) {
    const dir = await ensureGeneratedModel({ ...BERT_BASE, dtype }, path.join(MODELS, `bert-base-${dtype.toLowerCase()}`));
    const file = path.join(dir, 'model.safetensors');
    const fileBytes = (await stat(file)).size;
    const largest = await largestTensor(file);
    for (const engine of engines) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', engine, '--dir', dir], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * MiB });
      if (run.status !== 0) throw new Error(`child for ${engine} ${dtype} failed:\n${run.stderr}`);
      const r = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as ChildResult;
      const row = { dtype, engine: path.resolve(engine), fileBytes, largestTensor: largest, ...r };
      rows.push(row);
      console.error(`${dtype} ${engine}: file ${(fileBytes / MiB).toFixed(0)} MiB; peak ArrayBuffers +${(r.peakArrayBuffers / MiB).toFixed(0)} MiB, RSS +${(r.peakRss / MiB).toFixed(0)} MiB; retained ArrayBuffers ${(r.retainedArrayBuffers / MiB).toFixed(1)} MiB, RSS +${(r.retainedRss / MiB).toFixed(0)} MiB; load ${r.loadMs.toFixed(0)} ms`);
    }
  }
  const adapter = rows[0]?.adapter ?? 'unknown';
  const date = new Date().toISOString().replace(/:/g, '-').replace(/\..+/, '');
  const base = path.join(ROOT, 'bench/results', `load-memory-${/swiftshader/i.test(adapter) ? 'swiftshader' : 'gpu'}-${date}`);
  await mkdir(path.dirname(base), { recursive: true });
  await writeFile(`${base}.json`, `${JSON.stringify({ suite: 'load-memory', date: new Date().toISOString(), adapter, model: BERT_BASE, rows }, null, 2)}\n`);
  const mib = (b: number) => (b / MiB).toFixed(1);
  const table = [
    '| weights | engine | file MiB | largest tensor MiB | peak ArrayBuffers MiB | peak RSS MiB | retained ArrayBuffers MiB | retained RSS MiB | after a forward MiB | load ms |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.dtype} | ${path.relative(ROOT, r.engine) || '.'} | ${mib(r.fileBytes)} | ${mib(r.largestTensor.bytes)} | ${mib(r.peakArrayBuffers)} | ${mib(r.peakRss)} | ${mib(r.retainedArrayBuffers)} | ${mib(r.retainedRss)} | ${mib(r.afterForwardArrayBuffers)} | ${r.loadMs.toFixed(0)} |`),
  ];
  await writeFile(`${base}.md`, `# Host memory of a load (${adapter})\n\nBERT-base shape (hidden 768, 12 layers, intermediate 3072, 512 positions), loaded from a folder in a fresh Node process per row. Peak: the highest process.memoryUsage() sampled every 2 ms and at each progress callback, over the process before the load (after GC). Retained: after the load and a forced GC. RSS includes Dawn's and SwiftShader's own memory (on SwiftShader the GPU buffers are host memory too).\n\n${table.join('\n')}\n`);
  console.log(`${base}.json`);
}

if (values.child) await child(values.child, values.dir!);
else await main();
