// Cold start: tuning bounded by its budget, one tuning at a time per device, tunings persisted by the Node
// store and restored on a new device (as the next process does) so nothing is timed twice, pipelines
// compiled asynchronously, and the phases of a cold start in model.stats().
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { createNodeGpu, loadModel, setTuningStore, tuningStore } from '../../src/node.ts';
import { autotuneMatmul, exportTuning, generateCheckpoint, MATMUL_CONFIGS, restoreTuning, TUNING_VERSION } from '../../src/lab.ts';
import { nodeTuningStore } from '../../src/kernels/tuning-node.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let scratch = '';
const previous = tuningStore();
before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'webgpu-bert-cold-'));
});
after(async () => {
  setTuningStore(previous);
  await rm(scratch, { recursive: true, force: true });
});

test('tuning stops at its budget, and concurrent tunings of a shape time it once', async () => {
  const gpu = await createNodeGpu();
  try {
    const lines: string[] = [];
    await autotuneMatmul(gpu, { m: 64, n: 64, k: 64, transB: true }, { budgetMs: 0, onProgress: (l) => lines.push(l) });
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[1], /budget of 0 ms spent, .* and later skipped/);
    const timed: string[] = [];
    const shape = { m: 32, n: 48, k: 16, transB: false };
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => autotuneMatmul(gpu, shape, { runs: 1, budgetMs: 600_000, onProgress: (l) => timed.push(l) })));
    assert.ok(a === b && b === c);
    assert.equal(timed.length, MATMUL_CONFIGS.length, 'three concurrent callers, one tuning');
  } finally {
    gpu.destroy();
  }
});

test('the Node store writes the tunings; a new device restores them and times nothing', async () => {
  const file = path.join(scratch, 'tuning.json');
  setTuningStore(nodeTuningStore(file));
  const files = generateCheckpoint({ architecture: 'BertModel', hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64 });
  const first = await createNodeGpu();
  let tuned: string[];
  try {
    const model = await loadModel(files, { gpu: first });
    await model.forward({ inputIds: [[2, 10, 11, 12, 3]] });
    const p = model.stats().phases;
    assert.equal(p.tuningsRestored, 0);
    assert.ok(p.tuneMs! > 0 && p.planMs! >= p.tuneMs! && p.firstForwardMs! >= p.planMs!, JSON.stringify(p));
    assert.ok(p.pipelinesCompiled! > 0 && p.compileMs! > 0, JSON.stringify(p));
    assert.ok(p.fetchMs >= 0 && p.parseMs > 0 && p.uploadMs > 0, JSON.stringify(p));
    tuned = exportTuning(first).map((r) => r.key).sort();
    model.dispose();
  } finally {
    first.destroy();
  }
  const stored = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(stored.version, TUNING_VERSION);
  assert.deepEqual(stored.results.map((r: { key: string }) => r.key).sort(), tuned);

  const second = await createNodeGpu();
  try {
    const model = await loadModel(files, { gpu: second });
    await model.forward({ inputIds: [[2, 10, 11, 12, 3]] });
    const p = model.stats().phases;
    assert.equal(p.tuningsRestored, tuned.length);
    assert.equal(p.tuneMs, 0, 'every shape came from the store');
    assert.equal(await restoreTuning(second), 0, 'restored once per device');
    model.dispose();
  } finally {
    second.destroy();
  }
});

test('a broken or foreign tuning file is ignored; --progress prints the phases', async () => {
  const file = path.join(scratch, 'broken.json');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, '{"version": 1, "results": [');
  assert.deepEqual(await nodeTuningStore(file).load().catch(() => 'threw'), 'threw');
  const gpu = await createNodeGpu();
  setTuningStore(nodeTuningStore(file));
  try {
    assert.equal(await restoreTuning(gpu), 0, 'a broken file restores nothing and throws nothing');
  } finally {
    gpu.destroy();
  }
  await writeFile(file, JSON.stringify({ version: TUNING_VERSION + 1, results: [{ key: 'x', config: 'naive', medians: {}, method: 'wall-clock' }] }));
  assert.deepEqual(await nodeTuningStore(file).load(), []);

  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/webgpu-bert.js'), 'run', '--text', 'hello', '--progress'], {
    encoding: 'utf8', env: { ...process.env, WEBGPU_BERT_CACHE: path.join(scratch, 'cli-cache') },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /phases: fetch \d+ ms, parse \d+ ms, upload \d+ ms; first forward \d+ ms \(plan \d+ ms: tuning \d+ ms, \d+ pipelines compiled/);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(out.phases_ms), ['fetch_ms', 'parse_ms', 'upload_ms', 'first_forward_ms', 'plan_ms', 'tune_ms', 'compile_ms', 'pipelines_compiled', 'tunings_restored']);
  const again = JSON.parse(spawnSync(process.execPath, [path.join(ROOT, 'bin/webgpu-bert.js'), 'run', '--text', 'hello'], {
    encoding: 'utf8', env: { ...process.env, WEBGPU_BERT_CACHE: path.join(scratch, 'cli-cache') },
  }).stdout);
  assert.ok(again.phases_ms.tunings_restored > 0 && again.phases_ms.tune_ms === 0, JSON.stringify(again.phases_ms));
});
