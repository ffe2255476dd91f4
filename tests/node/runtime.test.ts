// The runtime as an app lives with it: after load no host copy of the weights is left (the process's
// ArrayBuffer memory is measured after a forced GC, against the checkpoint's size); a forward whose plan
// exists awaits exactly one GPU round trip; a stream of forwards of random batch x length builds one plan per
// shape class and no more, with GPU and host memory flat; typed-array inputs give the same results as rows;
// a raw forward reads back what it says it reads.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createNodeGpu, EncoderModel } from '../../src/node.ts';
import { generateCheckpoint, Rng, type GenerateOptions } from '../../src/lab.ts';
import { writeCheckpointFolder } from '../../src/model/generate-node.ts';
import { batchClass, seqClass } from '../../src/runtime/buckets.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const gpu = await createNodeGpu();
const MiB = 2 ** 20;

/** ArrayBuffer bytes of the process once garbage is collected (twice: finalizers free more on the second). */
function arrayBuffers(): number {
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
}

/** A checkpoint written to a fresh folder, so that nothing in this process holds its bytes but the loader. */
async function folderOf(opts: GenerateOptions): Promise<{ dir: string; bytes: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'webgpu-bert-runtime-'));
  const files = generateCheckpoint(opts);
  const bytes = files.get('model.safetensors')!.byteLength;
  await writeCheckpointFolder(dir, files);
  return { dir, bytes };
}

// MiniLM's width and depth (hidden 384, 6 layers, 1536): 42 MiB of F32 weights, 21 MiB of F16, so a model that
// kept the weights (the f32 copy, the packed words or the file bytes) could not pass the 16 MiB bound below.
const MINILM = { architecture: 'BertModel', hiddenSize: 384, numLayers: 6, numHeads: 6, intermediateSize: 1536, maxPositions: 128 } as const;

for (const dtype of ['F32', 'F16'] as const) {
  test(`after load no host copy of ${dtype} weights is left: ArrayBuffer memory grows by under 16 MiB`, async (t) => {
    const { dir, bytes } = await folderOf({ ...MINILM, dtype });
    try {
      const before = arrayBuffers();
      const model = await EncoderModel.load(gpu, dir, { matmul: 'unrolled4x4' });
      const retained = arrayBuffers() - before;
      const s = model.stats();
      t.diagnostic(`${dtype}: file ${(bytes / MiB).toFixed(1)} MiB, on the GPU ${(s.weightBytes / MiB).toFixed(1)} MiB, ArrayBuffers retained after load ${(retained / MiB).toFixed(2)} MiB, stats().hostBytes ${s.hostBytes}`);
      assert.ok(bytes > 20 * MiB, `the checkpoint is large enough to see (${bytes} bytes)`);
      assert.ok(retained < 16 * MiB, `retained ${(retained / MiB).toFixed(1)} MiB after load (file ${(bytes / MiB).toFixed(1)} MiB)`);
      assert.equal(s.hostBytes, 0, 'no plan yet, so no input bytes');
      const out = await model.forward({ inputIds: [[2, 7, 9, 3]] });
      assert.ok(out.lastHiddenState.every(Number.isFinite));
      assert.ok(model.stats().hostBytes > 0 && model.stats().hostBytes < 64 * 1024, `input bytes of one plan: ${model.stats().hostBytes}`);
      model.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

const TINY = { architecture: 'BertForMaskedLM', hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64, maxPositions: 128 } as const;
const tiny = () => EncoderModel.load(gpu, generateCheckpoint(TINY), { matmul: 'unrolled4x4' });

test('a forward whose plan exists awaits one GPU round trip', async () => {
  const model = await tiny();
  const inputs = { inputIds: [[2, 10, 11, 3], [2, 12, 3, 0]], attentionMask: [[1, 1, 1, 1], [1, 1, 1, 0]] };
  for (const opts of [{}, { pooler: true }, { logits: true }, { logitsAt: [[0, 1]] as [number, number][] }, { pooling: { mode: 'mean' as const, normalize: true } }]) {
    await model.forward(inputs, opts); // builds the plan of this request
    const before = gpu.roundTrips;
    const out = await model.forward(inputs, opts);
    assert.equal(gpu.roundTrips - before, 1, `round trips of a planned forward with ${JSON.stringify(opts)}`);
    assert.ok(out.lastHiddenState.every(Number.isFinite));
  }
  model.dispose();
});

test('typed-array inputs (rows or flat with shape) give the results of number rows; results are views of one copy', async () => {
  const model = await tiny();
  const ids = [[2, 10, 11, 12, 3], [2, 13, 3, 0, 0]];
  const mask = [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]];
  const pooling = { pooling: { mode: 'mean' as const } };
  const want = await model.forward({ inputIds: ids, attentionMask: mask }, pooling);
  const variants = [
    { inputIds: ids.map((r) => Int32Array.from(r)), attentionMask: mask.map((r) => Uint32Array.from(r)) },
    { inputIds: BigInt64Array.from(ids.flat().map(BigInt)), attentionMask: BigInt64Array.from(mask.flat().map(BigInt)), shape: [2, 5] as const },
    { inputIds: Int32Array.from(ids.flat()), attentionMask: Int32Array.from(mask.flat()), shape: [2, 5] as const },
  ];
  for (const inputs of variants) {
    const got = await model.forward(inputs, pooling);
    assert.deepEqual(got.lastHiddenState, want.lastHiddenState);
    assert.deepEqual(got.embeddings, want.embeddings);
    assert.equal(got.lastHiddenState.buffer, got.embeddings!.buffer, 'outputs share one copied buffer');
  }
  await assert.rejects(model.forward({ inputIds: Int32Array.from(ids.flat()) }), /give shape: \[batch, seqLen\]/);
  await assert.rejects(model.forward({ inputIds: Int32Array.from(ids.flat()), shape: [3, 5] }), /has 10 values, shape \[3, 5\] needs 15/);
  model.dispose();
});

test('a raw forward reads the hidden states and small heads by default, the MLM logits only when asked', async () => {
  const model = await tiny();
  const inputs = { inputIds: [[2, 10, 11, 3]] };
  const plain = await model.forward(inputs);
  assert.equal(plain.logits, undefined, 'the [batch, seq, vocab] logits are not computed by default');
  assert.equal(plain.lastHiddenState.length, 4 * 32);
  const withLogits = await model.forward(inputs, { logits: true });
  assert.equal(withLogits.logits!.length, 4 * model.config.vocabSize);
  assert.deepEqual(withLogits.lastHiddenState, plain.lastHiddenState);
  model.dispose();
});

test('200 forwards of random batch x length: one plan per shape class, GPU and host memory flat', async (t) => {
  const model = await tiny();
  const rng = new Rng(22);
  const forward = async (batch: number, len: number) => {
    const inputIds = Array.from({ length: batch }, () => Array.from({ length: len }, (_, s) => (s === 0 ? 2 : rng.int(5, 25))));
    const out = await model.forward({ inputIds });
    assert.equal(out.lastHiddenState.length, batch * len * 32);
    assert.ok(out.lastHiddenState.every(Number.isFinite), `${batch} x ${len}`);
  };
  // Every class once: batch 1..8 gives 1, 2, 4, 8 rows; lengths 1..64 give 8 buckets of 8.
  const classes = new Set<string>();
  for (const b of [1, 2, 3, 5]) for (let len = 8; len <= 64; len += 8) {
    classes.add(`${batchClass(b)}x${seqClass(len, 128)}`);
    await forward(b, len - (b % 3));
  }
  assert.equal(classes.size, 32);
  const warm = model.stats();
  assert.equal(warm.plansBuilt, classes.size, 'one plan per class');
  assert.equal(warm.plans, classes.size);
  gc();
  const rss = process.memoryUsage().rss;
  for (let i = 0; i < 200; i++) await forward(rng.int(1, 9), rng.int(1, 65));
  const after = model.stats();
  gc();
  const grown = process.memoryUsage().rss - rss;
  t.diagnostic(`plans ${after.plans} (built ${after.plansBuilt}), plan bytes ${warm.planBytes} -> ${after.planBytes}, weight bytes ${after.weightBytes}, RSS +${(grown / MiB).toFixed(1)} MiB over 200 forwards`);
  assert.equal(after.plansBuilt, classes.size, 'no plan built after every class was seen');
  assert.equal(after.planBytes, warm.planBytes);
  assert.ok(grown < 32 * MiB, `RSS grew ${(grown / MiB).toFixed(1)} MiB over 200 forwards`);
  model.dispose();
});

test('the plan cache is bounded: past maxPlans the least recently used plan is destroyed, and rebuilt on return', async () => {
  const model = await EncoderModel.load(gpu, generateCheckpoint(TINY), { matmul: 'unrolled4x4', planCache: { maxPlans: 2 } });
  for (const len of [8, 16, 24]) await model.forward({ inputIds: [Array.from({ length: len }, () => 5)] });
  assert.equal(model.stats().plans, 2);
  await model.forward({ inputIds: [Array.from({ length: 8 }, () => 5)] });
  assert.equal(model.stats().plansBuilt, 4, 'the evicted 1 x 8 plan was built again');
  await assert.rejects(EncoderModel.load(gpu, generateCheckpoint(TINY), { planCache: { maxPlans: 0 } }), /planCache.maxPlans must be a positive integer/);
  model.dispose();
});
