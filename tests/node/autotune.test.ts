// The autotuner on the adapter at hand: it returns one of the known configurations, caches it (a second
// call times nothing), and keys by shape bucket.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNodeGpu } from '../../src/node.ts';
import { autotuneMatmul, exportTuning, MATMUL_CONFIGS, TUNE_ORDER, tuneKey } from '../../src/lab.ts';

const gpu = await createNodeGpu();

test('autotune picks a known configuration once per shape bucket and caches it', async () => {
  const lines: string[] = [];
  const shape = { m: 40, n: 96, k: 64, transB: true };
  const first = await autotuneMatmul(gpu, shape, { runs: 2, budgetMs: 600_000, onProgress: (l) => lines.push(l) });
  assert.ok(MATMUL_CONFIGS.includes(first));
  assert.equal(lines.length, MATMUL_CONFIGS.length, 'every configuration was timed');
  const again = await autotuneMatmul(gpu, { ...shape, m: 60 }, { onProgress: (l) => lines.push(l) });
  assert.equal(again, first, 'm = 60 falls in the same bucket as m = 40');
  assert.equal(lines.length, MATMUL_CONFIGS.length, 'nothing was timed the second time');
  assert.notEqual(tuneKey(gpu, shape), tuneKey(gpu, { ...shape, m: 65 }));
  const saved = exportTuning(gpu);
  assert.equal(saved.length, 1);
  assert.deepEqual(Object.keys(saved[0].medians).sort(), MATMUL_CONFIGS.map((c) => c.name).sort());
  assert.deepEqual(Object.keys(saved[0].medians), TUNE_ORDER, 'timed in TUNE_ORDER');
  console.log(`# autotune on ${gpu.adapter.architecture} (${saved[0].method}): ${JSON.stringify(saved[0].medians)} -> ${first.name}`);
});

test('a list of configurations is tuned among those only, under its own key, beside the full tuning', async () => {
  const shape = { m: 40, n: 96, k: 64, transB: true };
  const only = ['reg4x8', 'naive'].map((n) => MATMUL_CONFIGS.find((c) => c.name === n)!);
  const lines: string[] = [];
  const pick = await autotuneMatmul(gpu, shape, { configs: only, runs: 1, budgetMs: 600_000, onProgress: (l) => lines.push(l) });
  assert.ok(only.includes(pick));
  assert.equal(lines.length, 2, 'two configurations timed');
  const saved = exportTuning(gpu).find((r) => r.key === tuneKey(gpu, shape, ['reg4x8', 'naive']))!;
  assert.ok(saved, 'stored under the key that names the list');
  assert.deepEqual(Object.keys(saved.medians), ['reg4x8', 'naive']);
  // The full tuning of the same shape (the test before) is still there, under its own key.
  assert.ok(exportTuning(gpu).some((r) => r.key === tuneKey(gpu, shape)));
  assert.notEqual(tuneKey(gpu, shape), tuneKey(gpu, shape, ['reg4x8', 'naive']));
});
