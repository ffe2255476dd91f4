// The tasks on the GPU against the same tasks on the float64 reference (ReferenceModel: the same graph,
// every op's float64 twin in plain loops). Tiny generated checkpoints, one per head, loaded from memory, so the
// cases run in Node (Dawn) and in a browser page alike. Each case returns checks, never throws on a
// mismatch: labels, ids, tokens and offsets must be equal, scores within SCORE_TOL.
import type { Gpu } from '../../src/gpu/device.ts';
import { EncoderModel, type ForwardResult } from '../../src/runtime/model.ts';
import { FAMILY_ARCHITECTURES, generateCheckpoint, type GenerateOptions } from '../../src/model/generate.ts';
import { loadCheckpoint } from '../../src/model/source.ts';
import { ReferenceModel } from '../../src/reference/model.ts';
import { compare, TOLERANCES } from '../../src/reference/compare.ts';
import {
  classify, classifyBatch, featureExtraction, fillMask, qaWindows, questionAnswering, similarity, tokenClassification,
  type TaskModel,
} from '../../src/tasks/index.ts';

/** Probabilities from fp32 logits vs float64 ones: the logits agree to ~1e-6, so 1e-4 has room and still catches a wrong row. */
export const SCORE_TOL = 1e-4;

export interface TaskCheck { pass: boolean; message: string }

export interface TaskCase {
  name: string;
  run(gpu: Gpu): Promise<TaskCheck[]>;
}

class Checks {
  readonly list: TaskCheck[] = [];

  ok(pass: boolean, message: string): void {
    this.list.push({ pass, message });
  }

  /** Same structure and values; numbers under a `score` key (or in `scores`) within SCORE_TOL. */
  same(got: unknown, want: unknown, what: string): void {
    const diff = firstDifference(got, want, what);
    this.ok(diff === undefined, diff ?? `${what}: equal (scores within ${SCORE_TOL})`);
  }

  close(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
    const r = compare(got, want, TOLERANCES.model, what);
    this.ok(r.pass, r.message);
  }
}

function firstDifference(got: unknown, want: unknown, path: string, loose = false): string | undefined {
  if (typeof want === 'number' && typeof got === 'number') {
    if (loose ? Math.abs(got - want) <= SCORE_TOL : got === want) return undefined;
    return `${path}: got ${got}, want ${want}${loose ? ` (tolerance ${SCORE_TOL})` : ''}`;
  }
  if (Array.isArray(want) && Array.isArray(got)) {
    if (got.length !== want.length) return `${path}: ${got.length} items, want ${want.length}: got ${JSON.stringify(got).slice(0, 300)}`;
    for (let i = 0; i < want.length; i++) {
      const d = firstDifference(got[i], want[i], `${path}[${i}]`, loose);
      if (d) return d;
    }
    return undefined;
  }
  if (want && typeof want === 'object' && got && typeof got === 'object') {
    const keys = Object.keys(want).sort();
    if (JSON.stringify(Object.keys(got).sort()) !== JSON.stringify(keys)) return `${path}: keys ${Object.keys(got)}, want ${keys}`;
    for (const k of keys) {
      const d = firstDifference((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], `${path}.${k}`, loose || k === 'score' || k === 'scores' || k === 'matrix' || k === 'embeddings');
      if (d) return d;
    }
    return undefined;
  }
  return got === want ? undefined : `${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
}

/** A generated checkpoint on the GPU and the same files in the float64 reference. */
async function loadBoth(gpu: Gpu, opts: GenerateOptions): Promise<{ model: EncoderModel; ref: ReferenceModel }> {
  const files = generateCheckpoint(opts);
  const model = await EncoderModel.load(gpu, files);
  const ckpt = await loadCheckpoint(files);
  return { model, ref: new ReferenceModel(ckpt) };
}

async function withModels(gpu: Gpu, opts: GenerateOptions, body: (model: EncoderModel, ref: ReferenceModel, c: Checks) => Promise<void>): Promise<TaskCheck[]> {
  const { model, ref } = await loadBoth(gpu, opts);
  const c = new Checks();
  try {
    await body(model, ref, c);
  } finally {
    model.dispose();
  }
  return c.list;
}

/** Lowercase and strip accents (NFD, drop Mn), as the uncased tokenizer normalises. */
const normalise = (s: string) => s.normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase();

// Lengths differ a lot, so the batch pads; CJK and accents on the way.
const SENTENCES = [
  'The river flows north through the mountains.',
  'A quiet morning.',
  'Zoë found the café near 東京 station, then she walked along the river until the evening light was gone.',
  'x',
];

const ENCODER: GenerateOptions = { architecture: 'BertModel', hiddenSize: 64, numLayers: 2, numHeads: 4, intermediateSize: 128, seed: 21 };
const MLM: GenerateOptions = { architecture: 'BertForMaskedLM', hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64, seed: 22 };
const SEQUENCE: GenerateOptions = {
  architecture: 'BertForSequenceClassification', hiddenSize: 48, numLayers: 2, numHeads: 4, intermediateSize: 96, seed: 23,
  labels: ['negative', 'neutral', 'positive'],
};
const TOKEN: GenerateOptions = { architecture: 'BertForTokenClassification', hiddenSize: 32, numLayers: 2, numHeads: 2, intermediateSize: 64, seed: 24 };
const QA: GenerateOptions = { architecture: 'BertForQuestionAnswering', hiddenSize: 64, numLayers: 1, numHeads: 4, intermediateSize: 128, seed: 25 };

export const taskCases: TaskCase[] = [
  {
    name: 'featureExtraction: CLS and mean pooling, normalised or not, on the GPU, padded batch = one by one = float64',
    run: (gpu) => withModels(gpu, ENCODER, async (model, ref, c) => {
      for (const pooling of ['cls', 'mean'] as const) {
        for (const normalize of [false, true]) {
          const what = `${pooling}${normalize ? ' normalised' : ''}`;
          const got = await featureExtraction(model, SENTENCES, { pooling, normalize });
          const want = await featureExtraction(ref, SENTENCES, { pooling, normalize });
          c.close(got.flat(), want.flat(), `${what} embeddings vs float64`);
          const alone = await featureExtraction(model, SENTENCES[2], { pooling, normalize });
          c.close(alone[0], got[2], `${what}: the long sentence alone vs in the padded batch`);
          if (normalize) c.ok(got.every((v) => Math.abs(Math.hypot(...v) - 1) < 1e-5), `${what}: unit norms ${got.map((v) => Math.hypot(...v).toFixed(7))}`);
        }
      }
      // Only [batch, hidden] comes back from such a forward.
      const enc = model.tokenizer!.encodeBatch(SENTENCES.slice(0, 2));
      const r = await model.forward({ inputIds: enc.map((e) => e.inputIds), attentionMask: enc.map((e) => e.attentionMask) }, { hidden: false, pooler: false, pooling: { mode: 'mean' } });
      c.ok(r.lastHiddenState.length === 0 && r.embeddings?.length === 2 * 64 && r.poolerOutput === undefined,
        `pooled forward reads back embeddings only (hidden ${r.lastHiddenState.length}, embeddings ${r.embeddings?.length})`);
    }),
  },
  {
    name: 'similarity: cosine matrix symmetric with ones on the diagonal, equal to float64',
    run: (gpu) => withModels(gpu, ENCODER, async (model, ref, c) => {
      const got = await similarity(model, SENTENCES);
      const want = await similarity(ref, SENTENCES);
      c.same(got, want, 'similarity');
      const n = SENTENCES.length;
      let asym = 0;
      let diag = 0;
      for (let i = 0; i < n; i++) {
        diag = Math.max(diag, Math.abs(got.matrix[i][i] - 1));
        for (let j = 0; j < n; j++) asym = Math.max(asym, Math.abs(got.matrix[i][j] - got.matrix[j][i]));
      }
      c.ok(asym === 0 && diag < 1e-6, `symmetric (max |m_ij - m_ji| ${asym}) with ones on the diagonal (max |m_ii - 1| ${diag})`);
    }),
  },
  {
    name: 'fillMask: two [MASK]s and one, top 5 from the masked logit rows only, equal to float64',
    run: (gpu) => withModels(gpu, MLM, async (model, ref, c) => {
      for (const text of ['The [MASK] is on the [MASK] today.', 'Paris is the capital of [MASK].']) {
        const got = await fillMask(model, text, { topK: 5 });
        c.same(got, await fillMask(ref, text, { topK: 5 }), `fillMask("${text}")`);
        const masks = (text.match(/\[MASK\]/g) ?? []).length;
        c.ok(got.length === masks && got.every((cands) => cands.length === 5), `one list of 5 per mask (${got.map((x) => x.length)})`);
        // One mask: specials skipped; two: kept, so the other [MASK] shows (transformers' rule).
        const seq = got[0][0].sequence;
        c.ok(masks === 1 ? !seq.includes('[CLS]') : seq.startsWith('[CLS]') && seq.includes('[MASK]'), `sequence "${seq}"`);
      }
      // logitsAt reads rows of the padded bucket: row b of the batch starts at b * bucket, not b * seqLen.
      const ids = [[2, 10, 4, 11, 12, 3, 0, 0, 0, 0, 0], [2, 13, 14, 15, 4, 16, 17, 18, 19, 20, 3]];
      const attentionMask = ids.map((r) => r.map((t, i) => (t !== 0 || i === 0 ? 1 : 0)));
      const full = await model.forward({ inputIds: ids, attentionMask }, { logits: true });
      const at = [[0, 2], [1, 4], [1, 10]] as const;
      const rows = await model.forward({ inputIds: ids, attentionMask }, { logitsAt: at, hidden: false });
      const V = model.config.vocabSize;
      const want = at.flatMap(([b, s]) => Array.from(full.logits!.subarray((b * 11 + s) * V, (b * 11 + s + 1) * V)));
      c.ok(rows.logits === undefined && rows.logitsAt !== undefined && compare(rows.logitsAt, want).maxAbs === 0,
        `logitsAt rows equal the full logits' rows (max abs ${rows.logitsAt && compare(rows.logitsAt, want).maxAbs})`);
    }),
  },
  {
    name: 'classify: single texts, a sentence pair and a padded batch, labels from id2label, equal to float64',
    run: (gpu) => withModels(gpu, SEQUENCE, async (model, ref, c) => {
      const inputs = [SENTENCES[0], [SENTENCES[1], SENTENCES[2]], SENTENCES[3], [SENTENCES[2], SENTENCES[1]]] as const;
      const got = await classifyBatch(model, inputs, { topK: null });
      c.same(got, await classifyBatch(ref, inputs, { topK: null }), 'classifyBatch (every label)');
      c.ok(got.every((r) => r.length === 3 && r.every((x, i) => i === 0 || x.score <= r[i - 1].score)) && Math.abs(got[0].reduce((s, x) => s + x.score, 0) - 1) < 1e-9,
        `three labels per input, best first, summing to 1: ${JSON.stringify(got[1])}`);
      const pair = await classify(model, [SENTENCES[1], SENTENCES[2]], { topK: 2 });
      c.same(pair, got[1].slice(0, 2), 'a pair alone vs in the padded batch');
      c.same(await classify(model, SENTENCES[3]), got[2].slice(0, 1), 'default topK 1');
      c.ok(got[1][0].score !== got[3][0].score, 'the pair order matters (token types and positions differ)');
      // The plan ends in pooler + classifier matmuls; the classifier logits match the float64 head.
      const enc = model.tokenizer!.encodeBatch([SENTENCES[0], SENTENCES[2]]);
      const inputsIds = { inputIds: enc.map((e) => e.inputIds), attentionMask: enc.map((e) => e.attentionMask) };
      const r: ForwardResult = await model.forward(inputsIds);
      c.close(r.classifierLogits!, (await ref.forward(inputsIds)).classifierLogits!, 'classifier logits [batch, labels]');
      c.ok(model.stats().dispatchesPerForward === 1 + 2 * 5 + 2, `embeddings + 5 per layer + pooler + classifier = ${model.stats().dispatchesPerForward}`);
    }),
  },
  {
    name: 'tokenClassification: none and simple aggregation, offsets into the original text with accents and CJK, equal to float64',
    run: (gpu) => withModels(gpu, TOKEN, async (model, ref, c) => {
      const text = 'Zoë Dubois moved from Montréal to 東京 in 2019 — the café was naïve.';
      const tokens = await tokenClassification(model, text, { aggregation: 'none', ignoreLabels: [] });
      c.same(tokens, await tokenClassification(ref, text, { aggregation: 'none', ignoreLabels: [] }), 'aggregation none');
      const bad = tokens.filter((t) => t.word !== '[UNK]' && normalise(text.slice(t.start, t.end)) !== t.word.replace(/^##/, ''));
      c.ok(bad.length === 0, `each token's offsets cover its original characters (${bad.map((t) => `${t.word}@${t.start}`).join(', ') || 'all do'})`);
      c.ok(tokens.some((t) => t.word === '東') && tokens.some((t) => text.slice(t.start, t.end) === 'ë'), 'CJK and accented characters have their own spans');
      for (const ignoreLabels of [[], ['O']]) {
        const groups = await tokenClassification(model, text, { aggregation: 'simple', ignoreLabels });
        c.same(groups, await tokenClassification(ref, text, { aggregation: 'simple', ignoreLabels }), `aggregation simple, ignoring [${ignoreLabels}]`);
        const wrong = groups.filter((g) => text.slice(g.start, g.end) !== g.word);
        c.ok(groups.length > 0 && wrong.length === 0, `text.slice(start, end) === word for ${groups.length} groups: ${groups.map((g) => `${g.entity_group}:${g.word}`).join(' | ')}`);
        c.ok(groups.every((g, i) => i === 0 || g.start >= groups[i - 1].end), 'groups in order, not overlapping');
      }
      const all = await tokenClassification(model, text, { aggregation: 'simple', ignoreLabels: [] });
      c.ok(all.some((g) => g.word.includes(' ') || g.word.length > 1), 'some group spans more than one token');
    }),
  },
  {
    name: 'questionAnswering: a context longer than the window (stride), top 3 answers, equal to float64',
    run: (gpu) => withModels(gpu, QA, async (model, ref, c) => {
      const question = 'Where does the river flow?';
      const context = 'The river starts high in the mountains, where snow melts in the spring. It flows north through '
        + 'the valley, past the old village and the farm fields, then turns east near the city. Children play on its '
        + 'banks in summer, and in winter the water is cold and fast. Finally the river reaches the sea after a long '
        + 'journey of many miles across the country.';
      const opts = { topK: 3, maxSeqLength: 40, docStride: 10, maxAnswerLength: 8 };
      const ctxTokens = model.tokenizer!.encode(context, { addSpecialTokens: false }).inputIds.length;
      const qTokens = model.tokenizer!.encode(question, { addSpecialTokens: false }).inputIds.length;
      const windows = qaWindows(ctxTokens, 40 - qTokens - 3, 10);
      c.ok(windows.length >= 3, `${ctxTokens} context tokens make ${windows.length} windows: ${JSON.stringify(windows)}`);
      const got = await questionAnswering(model, question, context, opts);
      c.same(got, await questionAnswering(ref, question, context, opts), 'answers');
      c.ok(got.length === 3 && got.every((a) => context.slice(a.start, a.end) === a.answer && a.answer.length > 0), `answers are context spans: ${JSON.stringify(got)}`);
      c.ok(got.every((a, i) => i === 0 || a.score <= got[i - 1].score), 'best first');
      const one = await questionAnswering(model, question, context.slice(0, 120), { topK: 1 });
      c.same(one, await questionAnswering(ref, question, context.slice(0, 120), { topK: 1 }), 'one window, defaults');
      const withNull = await questionAnswering(model, question, context, { ...opts, handleImpossibleAnswer: true });
      c.same(withNull, await questionAnswering(ref, question, context, { ...opts, handleImpossibleAnswer: true }), 'handleImpossibleAnswer');
    }),
  },
];

/**
 * Every task on the other families: their own mask token, pair template (RoBERTa's </s></s>), position
 * ids (RoBERTa's count from the padding id, so the padded batch matters), tokenizers (byte-level BPE,
 * Unigram) and heads (DistilBERT's pre_classifier, RoBERTa's two-layer classifier, ELECTRA's gelu one).
 */
function familyCase(family: 'distilbert' | 'roberta' | 'xlm-roberta' | 'electra', seed: number): TaskCase {
  const [, mlm, sequence, token, qa] = FAMILY_ARCHITECTURES[family].filter((a) => a !== 'ElectraForPreTraining');
  const tiny = { hiddenSize: 32, numLayers: 2, numHeads: 2, intermediateSize: 64, maxPositions: 64 };
  return {
    name: `${family}: fillMask, classify (pairs, padded batch), tokenClassification and questionAnswering equal to float64`,
    run: async (gpu) => {
      const checks: TaskCheck[] = [];
      checks.push(...await withModels(gpu, { ...tiny, architecture: mlm, seed }, async (model, ref, c) => {
        const tok = model.tokenizer!;
        const mask = tok.idToToken(tok.maskTokenId!)!;
        c.ok(mask === (family === 'distilbert' || family === 'electra' ? '[MASK]' : '<mask>'), `the mask token is ${mask}`);
        for (const text of [`The ${mask} is on the ${mask} today.`, `Paris is the capital of ${mask}.`]) {
          const got = await fillMask(model, text, { topK: 4 });
          c.same(got, await fillMask(ref, text, { topK: 4 }), `fillMask("${text}")`);
          c.ok(got.length === text.split(mask).length - 1, `one list per mask (${got.length})`);
        }
      }));
      checks.push(...await withModels(gpu, { ...tiny, architecture: sequence, seed: seed + 1, labels: ['a', 'b', 'c'] }, async (model, ref, c) => {
        const inputs = [SENTENCES[0], [SENTENCES[1], SENTENCES[2]], SENTENCES[3], [SENTENCES[2], SENTENCES[1]]] as const;
        const got = await classifyBatch(model, inputs, { topK: null });
        c.same(got, await classifyBatch(ref, inputs, { topK: null }), 'classifyBatch (every label)');
        c.same(await classify(model, [SENTENCES[1], SENTENCES[2]], { topK: null }), got[1], 'a pair alone vs in the padded batch');
        c.ok(got[1][0].score !== got[3][0].score, 'the pair order matters');
        const raw = await classify(model, SENTENCES[0], { topK: null, functionToApply: 'none' });
        const sig = await classify(model, SENTENCES[0], { topK: null, functionToApply: 'sigmoid' });
        c.ok(sig.every((x) => Math.abs(x.score - 1 / (1 + Math.exp(-raw.find((y) => y.label === x.label)!.score))) < 1e-12), 'functionToApply sigmoid is the sigmoid of the raw logits');
      }));
      checks.push(...await withModels(gpu, { ...tiny, architecture: token, seed: seed + 2 }, async (model, ref, c) => {
        const text = 'Zoë Dubois moved from Montréal to Berlin in 2019, the café was naïve.';
        const tokens = await tokenClassification(model, text, { aggregation: 'none', ignoreLabels: [] });
        c.same(tokens, await tokenClassification(ref, text, { aggregation: 'none', ignoreLabels: [] }), 'aggregation none');
        // A lone byte-level 'Ġ' (before a word the merges do not reach) has an empty span after trim_offsets, as in tokenizers.
        c.ok(tokens.length > 0 && tokens.every((t) => t.start <= t.end && t.end <= text.length && (t.start < t.end || t.word === '\u0120')), `every token has a span in the text (${tokens.length})`);
        const groups = await tokenClassification(model, text, { aggregation: 'simple', ignoreLabels: [] });
        c.same(groups, await tokenClassification(ref, text, { aggregation: 'simple', ignoreLabels: [] }), 'aggregation simple');
        c.ok(groups.every((g) => text.slice(g.start, g.end) === g.word), 'text.slice(start, end) === word for every group');
      }));
      checks.push(...await withModels(gpu, { ...tiny, architecture: qa, seed: seed + 3 }, async (model, ref, c) => {
        const question = 'Where does the river flow?';
        const context = 'The river starts high in the mountains. It flows north through the valley, past the old village, '
          + 'then turns east near the city and reaches the sea after a long journey.';
        const opts = { topK: 3, maxSeqLength: 32, docStride: 8, maxAnswerLength: 6 };
        const got = await questionAnswering(model, question, context, opts);
        c.same(got, await questionAnswering(ref, question, context, opts), 'answers over strided windows');
        c.ok(got.length === 3 && got.every((a) => context.slice(a.start, a.end) === a.answer && a.answer.length > 0), `answers are context spans: ${JSON.stringify(got)}`);
      }));
      return checks;
    },
  };
}

taskCases.push(familyCase('distilbert', 31), familyCase('roberta', 35), familyCase('xlm-roberta', 39), familyCase('electra', 43));

/** Each task refuses a model without its head, with a one-line reason. */
export async function wrongHeadMessages(model: TaskModel): Promise<string[]> {
  const messages: string[] = [];
  for (const run of [() => classify(model, 'a'), () => tokenClassification(model, 'a'), () => fillMask(model, 'a [MASK]'), () => questionAnswering(model, 'q', 'c')]) {
    await run().then(() => messages.push('(no error)'), (e: Error) => messages.push(`${e.name}: ${e.message}`));
  }
  return messages;
}
