// sentence-transformers folders (tests/fixtures/sentence: float64 references of sentence-transformers'
// pipeline written out in scripts/reference/sentence_fixtures.py, inputs tokenized by the Rust tokenizers):
// every pooling mode, concatenated modes, Dense, Normalize, prompts (include_prompt true and false),
// max_seq_length; through featureExtraction with the folder's defaults, on Dawn.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EncoderModel, createNodeGpu, featureExtraction, rerank, zeroShotClassification } from '../../src/node.ts';
import { compare, TOLERANCES } from '../../src/lab.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/sentence/', import.meta.url));
const gpu = await createNodeGpu();

interface StReference { texts: string[]; prompt_names: (string | null)[]; input_ids: number[][]; embeddings: number[][]; modules: string[]; pooling_modes: string[] }

const FOLDERS = ['st-mean-dense-normalize', 'st-cls', 'st-max', 'st-mean-sqrt', 'st-weighted', 'st-lasttoken', 'st-multi', 'st-prompt-excluded'];

for (const folder of FOLDERS) {
  test(`${folder}: featureExtraction runs the folder's sentence-transformers pipeline as PyTorch does`, async () => {
    const ref = JSON.parse(readFileSync(`${FIXTURES}${folder}/reference.json`, 'utf8')) as StReference;
    const model = await EncoderModel.load(gpu, `${FIXTURES}${folder}`, { matmul: 'unrolled4x4' });
    try {
      assert.deepEqual(model.sentence?.modules, ref.modules);
      assert.deepEqual(model.sentence?.pooling.modes, ref.pooling_modes);
      // The same token ids as the Rust tokenizers gave the reference (prompts and max_seq_length applied).
      const got: number[][] = new Array(ref.texts.length);
      for (const name of new Set(ref.prompt_names)) {
        const idx = ref.texts.map((_, i) => i).filter((i) => ref.prompt_names[i] === name);
        // No prompt name: no prompt, even where the folder has a default (sentence-transformers' prompt="").
        const vectors = await featureExtraction(model, idx.map((i) => ref.texts[i]), name === null ? { prompt: '' } : { promptName: name });
        idx.forEach((i, k) => { got[i] = vectors[k]; });
        const ids = model.tokenizer!.encodeBatch(idx.map((i) => (name === null ? '' : model.sentence!.prompts[name]) + ref.texts[i]), { maxLength: model.sentence!.maxSeqLength, truncation: true });
        idx.forEach((i, k) => assert.deepEqual(ids[k].inputIds, ref.input_ids[i].slice(0, ids[k].inputIds.length), `${folder}: ids of text ${i}`));
      }
      const report = compare(got.flat(), ref.embeddings.flat(), TOLERANCES.model, `${folder} embeddings`);
      console.log(`${folder}: ${report.message}`);
      assert.ok(report.pass, report.message);
    } finally {
      model.dispose();
    }
  });
}

test('rerank orders documents as PyTorch scores them: sigmoid of a one-label cross-encoder', async () => {
  const ref = JSON.parse(readFileSync(`${FIXTURES}cross-encoder/reference.json`, 'utf8')) as { query: string; documents: string[]; scores: number[]; ranking: number[] };
  const model = await EncoderModel.load(gpu, `${FIXTURES}cross-encoder`, { matmul: 'unrolled4x4' });
  try {
    const ranked = await rerank(model, ref.query, ref.documents, { batchSize: 4 });
    assert.deepEqual(ranked.map((r) => r.index), ref.ranking);
    assert.deepEqual(ranked.map((r) => r.document), ref.ranking.map((i) => ref.documents[i]));
    const report = compare(ranked.map((r) => r.score), ref.ranking.map((i) => ref.scores[i]), TOLERANCES.model, 'scores');
    console.log(`cross-encoder: ${report.message}`);
    assert.ok(report.pass, report.message);
    assert.deepEqual((await rerank(model, ref.query, ref.documents, { topK: 2 })).map((r) => r.index), ref.ranking.slice(0, 2));
    await assert.rejects(rerank(model, ref.query, []), { name: 'TaskError', message: 'rerank: documents must be a non-empty array of strings' });
  } finally {
    model.dispose();
  }
});

test('zeroShotClassification matches PyTorch NLI probabilities, single- and multi-label', async () => {
  const ref = JSON.parse(readFileSync(`${FIXTURES}nli/reference.json`, 'utf8')) as {
    premise: string[]; candidate_labels: string[]; hypothesis_template: string;
    single_label: { labels: string[]; scores: number[] }[]; multi_label: { labels: string[]; scores: number[] }[];
  };
  const model = await EncoderModel.load(gpu, `${FIXTURES}nli`, { matmul: 'unrolled4x4' });
  try {
    for (const [multiLabel, want] of [[false, ref.single_label], [true, ref.multi_label]] as const) {
      const got = await zeroShotClassification(model, ref.premise, ref.candidate_labels, { hypothesisTemplate: ref.hypothesis_template, multiLabel });
      got.forEach((g, i) => {
        assert.equal(g.sequence, ref.premise[i]);
        assert.deepEqual(g.labels, want[i].labels, `${multiLabel ? 'multi' : 'single'}-label order of premise ${i}`);
        const report = compare(g.scores, want[i].scores, TOLERANCES.model, 'scores');
        assert.ok(report.pass, report.message);
      });
      if (!multiLabel) assert.ok(got.every((g) => Math.abs(g.scores.reduce((a, b) => a + b, 0) - 1) < 1e-6), 'single-label scores sum to 1');
    }
    await assert.rejects(zeroShotClassification(model, 'x', ['a'], { hypothesisTemplate: 'no slot' }), { name: 'TaskError', message: 'zeroShotClassification: the hypothesis template "no slot" has no {} for the label' });
  } finally {
    model.dispose();
  }
});
