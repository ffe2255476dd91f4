/**
 * Hugging Face BERT tensor names → engine weights, every shape checked against the config.
 *
 * The backbone may carry a `bert.` prefix (BertFor* heads) or none (BertModel); heads never do. A part
 * (pooler, MLM head, classifier, QA head) is loaded when the architecture needs it or when any of its
 * tensors is present, and then all of its tensors must be. Names that belong to no part are an error,
 * except the known harmless ones listed in IGNORED. Linear weights stay in PyTorch's [out, in] layout.
 */
import type { BertConfig } from './config.ts';
import { CheckpointError } from './errors.ts';

export interface LayerWeights {
  qkvWeight: Float32Array; // [3H, H]: query, key, value rows stacked
  qkvBias: Float32Array; // [3H]
  attnOutWeight: Float32Array; // [H, H]
  attnOutBias: Float32Array; // [H]
  attnLnGamma: Float32Array; // [H]
  attnLnBeta: Float32Array; // [H]
  ffnInWeight: Float32Array; // [I, H]
  ffnInBias: Float32Array; // [I]
  ffnOutWeight: Float32Array; // [H, I]
  ffnOutBias: Float32Array; // [H]
  ffnLnGamma: Float32Array; // [H]
  ffnLnBeta: Float32Array; // [H]
}

export interface MlmHeadWeights {
  transformWeight: Float32Array; // [H, H]
  transformBias: Float32Array; // [H]
  lnGamma: Float32Array; // [H]
  lnBeta: Float32Array; // [H]
  decoderBias: Float32Array; // [V]
  /** True when the decoder is the word-embedding matrix; false when the file has its own. */
  decoderTied: boolean;
  /** [V, H], only when untied: `cls.predictions.decoder.weight` differs from the word embeddings. */
  decoderWeight?: Float32Array;
}

export interface BertWeights {
  wordEmbeddings: Float32Array; // [V, H]
  positionEmbeddings: Float32Array; // [P, H]
  tokenTypeEmbeddings: Float32Array; // [T, H]
  embLnGamma: Float32Array; // [H]
  embLnBeta: Float32Array; // [H]
  layers: LayerWeights[];
  pooler?: { weight: Float32Array /* [H, H] */; bias: Float32Array /* [H] */ };
  mlmHead?: MlmHeadWeights;
  classifier?: { weight: Float32Array /* [numLabels, H] */; bias: Float32Array /* [numLabels] */ };
  qaOutputs?: { weight: Float32Array /* [2, H]: start, end */; bias: Float32Array /* [2] */ };
  /** '' for BertModel names, 'bert.' for BertFor* checkpoints. */
  namePrefix: '' | 'bert.';
  /** Tensors present in the file and deliberately not used (position_ids, NSP head, tied decoder). */
  ignoredTensors: string[];
}

export interface LoadedTensor {
  shape: number[];
  data: Float32Array;
  /** The file holding it (a shard), for error messages; defaults to buildBertWeights' `file`. */
  file?: string;
}
export type GetTensor = (name: string) => LoadedTensor | undefined;

type Dims = (c: BertConfig) => number[];
type Slots = Record<string, readonly [suffix: string, dims: Dims]>;
type Part = { scope: 'backbone' | 'head'; prefix: string; slots: Slots };

const h: Dims = (c) => [c.hiddenSize];
const hh: Dims = (c) => [c.hiddenSize, c.hiddenSize];

const EMBEDDINGS: Part = {
  scope: 'backbone',
  prefix: 'embeddings.',
  slots: {
    wordEmbeddings: ['word_embeddings.weight', (c) => [c.vocabSize, c.hiddenSize]],
    positionEmbeddings: ['position_embeddings.weight', (c) => [c.maxPositionEmbeddings, c.hiddenSize]],
    tokenTypeEmbeddings: ['token_type_embeddings.weight', (c) => [c.typeVocabSize, c.hiddenSize]],
    embLnGamma: ['LayerNorm.weight', h],
    embLnBeta: ['LayerNorm.bias', h],
  },
};

const LAYER_SLOTS: Slots = {
  query: ['attention.self.query.weight', hh],
  queryBias: ['attention.self.query.bias', h],
  key: ['attention.self.key.weight', hh],
  keyBias: ['attention.self.key.bias', h],
  value: ['attention.self.value.weight', hh],
  valueBias: ['attention.self.value.bias', h],
  attnOutWeight: ['attention.output.dense.weight', hh],
  attnOutBias: ['attention.output.dense.bias', h],
  attnLnGamma: ['attention.output.LayerNorm.weight', h],
  attnLnBeta: ['attention.output.LayerNorm.bias', h],
  ffnInWeight: ['intermediate.dense.weight', (c) => [c.intermediateSize, c.hiddenSize]],
  ffnInBias: ['intermediate.dense.bias', (c) => [c.intermediateSize]],
  ffnOutWeight: ['output.dense.weight', (c) => [c.hiddenSize, c.intermediateSize]],
  ffnOutBias: ['output.dense.bias', h],
  ffnLnGamma: ['output.LayerNorm.weight', h],
  ffnLnBeta: ['output.LayerNorm.bias', h],
};

const HEADS = {
  pooler: { scope: 'backbone', prefix: 'pooler.dense.', slots: { weight: ['weight', hh], bias: ['bias', h] } },
  mlmHead: {
    scope: 'head',
    prefix: 'cls.predictions.',
    slots: {
      transformWeight: ['transform.dense.weight', hh],
      transformBias: ['transform.dense.bias', h],
      lnGamma: ['transform.LayerNorm.weight', h],
      lnBeta: ['transform.LayerNorm.bias', h],
      decoderBias: ['bias', (c) => [c.vocabSize]],
    },
  },
  classifier: {
    scope: 'head',
    prefix: 'classifier.',
    slots: { weight: ['weight', (c) => [c.numLabels, c.hiddenSize]], bias: ['bias', (c) => [c.numLabels]] },
  },
  qaOutputs: {
    scope: 'head',
    prefix: 'qa_outputs.',
    slots: { weight: ['weight', (c) => [2, c.hiddenSize]], bias: ['bias', () => [2]] },
  },
} as const satisfies Record<string, Part>;
type HeadName = keyof typeof HEADS;

/** Heads each architecture cannot run without (BertModel's pooler is optional: loaded if present). */
const ARCHITECTURE_HEADS: Record<string, HeadName[]> = {
  BertForMaskedLM: ['mlmHead'],
  BertForPreTraining: ['mlmHead'],
  BertForSequenceClassification: ['pooler', 'classifier'],
  BertForTokenClassification: ['classifier'],
  BertForQuestionAnswering: ['qaOutputs'],
};

/** Known tensors that the engine does not need; `{p}` is the backbone prefix. */
const IGNORED = [
  '{p}embeddings.position_ids', // an int64 buffer 0..P-1, not a weight
  'cls.predictions.decoder.bias', // Hugging Face ties it to cls.predictions.bias
  'cls.seq_relationship.weight', // next-sentence head of BertForPreTraining, unused by any task here
  'cls.seq_relationship.bias',
];

/** Old TensorFlow-converted checkpoints name LayerNorm parameters gamma/beta. */
const legacyName = (name: string) => name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');

const fmt = (dims: number[]) => `[${dims.join(',')}]`;

export function buildBertWeights(config: BertConfig, getTensor: GetTensor, names: string[], file: string): BertWeights {
  const present = new Set(names);
  const used = new Set<string>();
  const namePrefix = names.some((n) => n.startsWith('bert.')) ? 'bert.' : '';
  const fullPrefix = (part: Part) => (part.scope === 'backbone' ? namePrefix : '') + part.prefix;
  const resolve = (name: string) => (present.has(name) ? name : present.has(legacyName(name)) ? legacyName(name) : undefined);

  const take = (name: string, expected: number[]): Float32Array => {
    const found = resolve(name);
    const t = found === undefined ? undefined : getTensor(found);
    if (!t) throw new CheckpointError(file, `missing tensor "${name}"`);
    if (fmt(t.shape) !== fmt(expected)) {
      throw new CheckpointError(t.file ?? file, `tensor "${found}" has shape ${fmt(t.shape)}, config expects ${fmt(expected)}`);
    }
    used.add(found!);
    return t.data;
  };
  const load = (part: Part, prefix = fullPrefix(part)): Record<string, Float32Array> =>
    Object.fromEntries(Object.entries(part.slots).map(([field, [suffix, dims]]) => [field, take(prefix + suffix, dims(config))]));
  const isPresent = (part: Part) => Object.values(part.slots).some(([suffix]) => resolve(fullPrefix(part) + suffix));

  const emb = load(EMBEDDINGS);
  const layers: LayerWeights[] = [];
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const l = load({ scope: 'backbone', prefix: `encoder.layer.${i}.`, slots: LAYER_SLOTS });
    layers.push({
      qkvWeight: concat(l.query, l.key, l.value),
      qkvBias: concat(l.queryBias, l.keyBias, l.valueBias),
      attnOutWeight: l.attnOutWeight,
      attnOutBias: l.attnOutBias,
      attnLnGamma: l.attnLnGamma,
      attnLnBeta: l.attnLnBeta,
      ffnInWeight: l.ffnInWeight,
      ffnInBias: l.ffnInBias,
      ffnOutWeight: l.ffnOutWeight,
      ffnOutBias: l.ffnOutBias,
      ffnLnGamma: l.ffnLnGamma,
      ffnLnBeta: l.ffnLnBeta,
    });
  }

  const required = new Set(config.architectures.flatMap((a) => ARCHITECTURE_HEADS[a] ?? []));
  const heads: Partial<Record<HeadName, Record<string, Float32Array>>> = {};
  for (const [head, part] of Object.entries(HEADS) as [HeadName, Part][]) {
    if (required.has(head) || isPresent(part)) heads[head] = load(part);
  }

  const weights: BertWeights = {
    wordEmbeddings: emb.wordEmbeddings,
    positionEmbeddings: emb.positionEmbeddings,
    tokenTypeEmbeddings: emb.tokenTypeEmbeddings,
    embLnGamma: emb.embLnGamma,
    embLnBeta: emb.embLnBeta,
    layers,
    namePrefix,
    ignoredTensors: [],
  };
  if (heads.pooler) weights.pooler = { weight: heads.pooler.weight, bias: heads.pooler.bias };
  if (heads.classifier) weights.classifier = { weight: heads.classifier.weight, bias: heads.classifier.bias };
  if (heads.qaOutputs) weights.qaOutputs = { weight: heads.qaOutputs.weight, bias: heads.qaOutputs.bias };
  if (heads.mlmHead) {
    const m = heads.mlmHead;
    weights.mlmHead = {
      transformWeight: m.transformWeight,
      transformBias: m.transformBias,
      lnGamma: m.lnGamma,
      lnBeta: m.lnBeta,
      decoderBias: m.decoderBias,
      decoderTied: true,
    };
    // The decoder is tied unless the config unties it or the file carries a different matrix.
    const decoderName = 'cls.predictions.decoder.weight';
    if (!config.tieWordEmbeddings || present.has(decoderName)) {
      const decoder = take(decoderName, [config.vocabSize, config.hiddenSize]);
      if (!config.tieWordEmbeddings || !sameValues(decoder, weights.wordEmbeddings)) {
        Object.assign(weights.mlmHead, { decoderTied: false, decoderWeight: decoder });
      } else {
        used.delete(decoderName);
      }
    }
  }

  const ignorable = new Set(IGNORED.map((n) => n.replace('{p}', namePrefix)));
  for (const name of names) if (!used.has(name) && ignorable.has(name)) weights.ignoredTensors.push(name);
  if (weights.mlmHead?.decoderTied && present.has('cls.predictions.decoder.weight')) {
    weights.ignoredTensors.push('cls.predictions.decoder.weight');
  }
  const unexpected = names.filter((n) => !used.has(n) && !weights.ignoredTensors.includes(n));
  if (unexpected.length > 0) {
    const shown = unexpected.slice(0, 3).map((n) => `"${n}"`).join(', ');
    const more = unexpected.length > 3 ? ` and ${unexpected.length - 3} more` : '';
    throw new CheckpointError(
      file,
      `unexpected tensor${unexpected.length > 1 ? 's' : ''} ${shown}${more} (not part of a BERT model with this config)`,
    );
  }
  return weights;
}

function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}
