// embedCorpus (src/tasks/corpus.ts) on Dawn: a corpus of mixed lengths, read in windows, sorted by length and
// batched to a token budget, comes back in input order, each vector equal to embedding its text alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNodeGpu, EncoderModel, embedCorpus, featureExtraction } from '../../src/node.ts';
import { compare, DEFAULT_MODEL_OPTIONS, generateCheckpoint, TOLERANCES } from '../../src/lab.ts';
import { Rng } from '../../src/random.ts';

const gpu = await createNodeGpu();
const WORDS = 'the cat sat on a mat while dogs ran through the park under tall trees and birds sang'.split(' ');

function corpus(n: number, seed: number): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: rng.int(1, 50) }, () => WORDS[rng.int(0, WORDS.length)]).join(' '));
}

test('embedCorpus: windows sorted by length, batches to a token budget, input order, equal to one text at a time', async () => {
  const model = await EncoderModel.load(gpu, generateCheckpoint(DEFAULT_MODEL_OPTIONS), { matmul: 'unrolled4x4' });
  try {
    const texts = corpus(150, 41);
    const seen: number[] = [];
    const batches: number[] = [];
    const got: Float32Array[] = [];
    for await (const v of embedCorpus(model, texts, { window: 64, batchTokens: 512, normalize: true, onProgress: (p) => batches.push(p.texts) })) {
      seen.push(v.index);
      got.push(v.embedding);
    }
    assert.deepEqual(seen, texts.map((_, i) => i), 'input order');
    assert.ok(batches.length > 150 / 64, `several batches per window (${batches.length})`);
    const alone = [];
    for (const t of texts) alone.push(...(await featureExtraction(model, [t], { normalize: true }))[0]);
    const report = compare(got.flatMap((v) => Array.from(v)), alone, TOLERANCES.fp32, 'corpus vs alone');
    assert.ok(report.pass, report.message);
    // Without bucketing (consecutive texts padded to their longest): the same vectors.
    const plain: number[] = [];
    for await (const v of embedCorpus(model, (async function* () { yield* texts; })(), { window: 64, batchTokens: 512, normalize: true, bucketing: false })) plain.push(...v.embedding);
    assert.ok(compare(plain, alone, TOLERANCES.fp32, 'unbucketed').pass);
    await assert.rejects(async () => { for await (const _ of embedCorpus(model, texts, { batchTokens: 0 })) break; }, { name: 'TaskError', message: 'embedCorpus: batchTokens must be a positive integer, got 0' });
  } finally {
    model.dispose();
  }
});
