// sentence-transformers folders (tests/fixtures/sentence: float64 references of sentence-transformers'
// pipeline written out in scripts/reference/sentence_fixtures.py, inputs tokenized by the Rust tokenizers):
// every pooling mode, concatenated modes, Dense, Normalize, prompts (include_prompt true and false),
// max_seq_length; through featureExtraction with the folder's defaults, on Dawn.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EncoderModel, createNodeGpu, featureExtraction } from '../../src/node.ts';
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
