// The tasks on Dawn: the float64 reference against PyTorch, every task on the GPU against the same task on
// the reference (tests/tasks/cases.ts), the post-processing rules on hand-made logits, and the library API.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EncoderModel, createNodeGpu, decodeSpans, describeAdapter, fillMask, groupEntities, InputError, loadModel, qaWindows, type TokenEntity } from '../../src/node.ts';
import { ReferenceModel, generateCheckpoint, loadCheckpoint } from '../../src/lab.ts';
import { compare } from '../../src/reference/compare.ts';
import { taskCases, wrongHeadMessages } from '../tasks/cases.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const gpu = await createNodeGpu();
console.log(`# adapter: ${describeAdapter(gpu.adapter)}`);

// Both fixtures were run by PyTorch in float64 from the same f32 weights, so the twin must agree to rounding.
const REFERENCE_TOL = { relNorm: 1e-6, rtol: 1e-6, atolRms: 1e-6 };

for (const fixture of ['pytorch-bert-h64', 'pytorch-bert-mlm-h32']) {
  test(`float64 reference forward matches PyTorch: ${fixture}`, async () => {
    const ckpt = await loadCheckpoint(`${FIXTURES}${fixture}`);
    const ref = JSON.parse(readFileSync(`${FIXTURES}${fixture}/reference.json`, 'utf8'));
    const out = await new ReferenceModel(ckpt).forward({ inputIds: ref.input_ids, attentionMask: ref.attention_mask, tokenTypeIds: ref.token_type_ids }, { attentions: true, logits: Boolean(ref.logits) });
    const flat = (x: unknown) => (x as unknown[]).flat(4) as number[];
    const reports = [
      compare(out.lastHiddenState, flat(ref.last_hidden_state), REFERENCE_TOL, 'last_hidden_state'),
      compare(out.attentions![0], flat(ref.attentions_layer0), REFERENCE_TOL, 'attentions[0]'),
    ];
    if (ref.pooler_output) reports.push(compare(out.poolerOutput ?? [], flat(ref.pooler_output), REFERENCE_TOL, 'pooler_output'));
    if (ref.logits) reports.push(compare(out.logits ?? [], flat(ref.logits), REFERENCE_TOL, 'logits'));
    for (const r of reports) assert.ok(r.pass, r.message);
  });
}

for (const c of taskCases) {
  test(c.name, async () => {
    const checks = await c.run(gpu);
    const failed = checks.filter((x) => !x.pass);
    assert.ok(checks.length > 0, 'no checks ran');
    assert.ok(failed.length === 0, failed.map((x) => x.message).join('\n'));
  });
}

test("groupEntities follows transformers' simple aggregation", () => {
  const text = 'Jean Dupont lives in New York City';
  const at = (word: string, from = 0) => [text.indexOf(word, from), text.indexOf(word, from) + word.length] as const;
  const tok = (entity: string, word: string, score: number): TokenEntity => {
    const [start, end] = at(word);
    return { entity, score, index: 0, word: word.toLowerCase(), start, end };
  };
  const tokens = [
    tok('B-PER', 'Jean', 0.9), tok('I-PER', 'Dupont', 0.7), tok('O', 'lives', 0.99), tok('O', 'in', 0.98),
    tok('B-LOC', 'New', 0.8), tok('I-LOC', 'York', 0.6), tok('B-LOC', 'City', 0.5),
  ];
  assert.deepEqual(groupEntities(text, tokens).map((g) => ({ ...g, score: Number(g.score.toFixed(6)) })), [
    { entity_group: 'PER', score: 0.8, word: 'Jean Dupont', start: 0, end: 11 },
    { entity_group: 'O', score: 0.985, word: 'lives in', start: 12, end: 20 },
    { entity_group: 'LOC', score: 0.7, word: 'New York', start: 21, end: 29 },
    { entity_group: 'LOC', score: 0.5, word: 'City', start: 30, end: 34 },
  ]);
  // An I- after a different tag opens a group named after it; a label without prefix continues like I-.
  const mixed = groupEntities(text, [tok('I-PER', 'Jean', 1), tok('I-LOC', 'Dupont', 1), tok('MISC', 'lives', 1), tok('MISC', 'in', 1)]);
  assert.deepEqual(mixed.map((g) => [g.entity_group, g.word]), [['PER', 'Jean'], ['LOC', 'Dupont'], ['MISC', 'lives in']]);
});

test('qaWindows: windows overlap by docStride and the last one reaches the end (tokenizers overflow)', () => {
  assert.deepEqual(qaWindows(10, 4, 1), [[0, 4], [3, 7], [6, 10]]);
  assert.deepEqual(qaWindows(4, 4, 3), [[0, 4]]);
  assert.deepEqual(qaWindows(11, 6, 2), [[0, 6], [4, 10], [8, 11]]);
  assert.throws(() => qaWindows(10, 4, 4), /docStride 4 must be smaller/);
});

test('decodeSpans: start <= end, length limit, allowed tokens only, best first', () => {
  const pStart = [0, 0.1, 0.6, 0.3];
  const pEnd = [0, 0.5, 0.2, 0.3];
  // (2, 1) would score 0.3 but ends before it starts; (1, 3) is 3 tokens long.
  assert.deepEqual(decodeSpans(pStart, pEnd, 3, 2, [true, true, true, true]).map((s) => [s.start, s.end]), [[2, 3], [2, 2], [3, 3]]);
  assert.deepEqual(decodeSpans(pStart, pEnd, 2, 2, [true, true, false, true]).map((s) => [s.start, s.end]), []);
  // The top 5 are (2,3) (2,2) (3,3) (1,1) (1,3); the two through token 2 are dropped after the cut.
  assert.deepEqual(decodeSpans(pStart, pEnd, 5, 4, [true, true, false, true]).map((s) => [s.start, s.end]), [[3, 3], [1, 1], [1, 3]]);
});

test('each task refuses a checkpoint without its head', async () => {
  const model = await EncoderModel.load(gpu, generateCheckpoint({ architecture: 'BertModel', hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64 }));
  try {
    const messages = await wrongHeadMessages(model);
    assert.deepEqual(messages.map((m) => m.split(':')[0]), ['TaskError', 'TaskError', 'TaskError', 'TaskError'], messages.join('\n'));
  } finally {
    model.dispose();
  }
});

test('forward refuses logitsAt rows outside the input and logitsAt without an MLM head', async () => {
  const mlm = await EncoderModel.load(gpu, generateCheckpoint({ architecture: 'BertForMaskedLM', hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64 }));
  const encoder = await EncoderModel.load(gpu, generateCheckpoint({ architecture: 'BertModel', hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64 }));
  try {
    await assert.rejects(mlm.forward({ inputIds: [[2, 4, 3]] }, { logitsAt: [[0, 3]] }), (e: Error) => e instanceof InputError && /logitsAt\[0\] = \[0, 3\]/.test(e.message));
    await assert.rejects(mlm.forward({ inputIds: [[2, 4, 3]] }, { logitsAt: [[1, 0]] }), InputError);
    await assert.rejects(encoder.forward({ inputIds: [[2, 4, 3]] }, { logitsAt: [[0, 1]] }), /needs a checkpoint with an MLM head/);
    const ok = await mlm.forward({ inputIds: [[2, 4, 3]] }, { logitsAt: [[0, 1]] });
    assert.equal(ok.logitsAt?.length, mlm.config.vocabSize);
  } finally {
    mlm.dispose();
    encoder.dispose();
  }
});

test('loadModel: the embedded default model from memory, the caller\'s device, fillMask end to end', async () => {
  const model = await loadModel(undefined, { gpu });
  try {
    assert.ok(model.hasMlmHead);
    const [candidates] = await fillMask(model, 'The capital of France is [MASK].', { topK: 3 });
    assert.equal(candidates.length, 3);
    // Random weights: the candidates mean nothing, but each fills the mask of the decoded, lowercased input.
    assert.ok(candidates.every((x) => x.sequence.startsWith('the capital of france is') && x.sequence.endsWith('.') && !x.sequence.includes('[')), JSON.stringify(candidates));
    assert.ok(candidates.every((x, i) => i === 0 || x.score <= candidates[i - 1].score));
  } finally {
    model.dispose();
  }
});
