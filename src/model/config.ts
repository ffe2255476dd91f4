/**
 * Hugging Face `config.json` for BERT → a checked, camelCase BertConfig.
 *
 * The five sizes that fix every weight shape are required (a config without them is not a BERT config we
 * should guess at); everything else defaults as `transformers.BertConfig` / `PretrainedConfig` do.
 * Settings that change the math in ways this engine does not implement (relative positions, causal
 * attention, non-GELU activations, other model types) are refused, not ignored.
 */
import { CheckpointError } from './errors.ts';

export type GeluKind = 'gelu_erf' | 'gelu_tanh';

export interface BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  /** hiddenSize / numAttentionHeads */
  headDim: number;
  intermediateSize: number;
  /** The GELU form the kernels compute; `hiddenActName` is the config's spelling. */
  hiddenAct: GeluKind;
  hiddenActName: string;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  layerNormEps: number;
  architectures: string[];
  modelType: 'bert';
  /** Label names by class index (dense 0..numLabels-1). */
  id2label: string[];
  label2id: Record<string, number>;
  numLabels: number;
  padTokenId: number | null;
  positionEmbeddingType: 'absolute';
  /** MLM decoder shares the word-embedding matrix (Hugging Face default true). */
  tieWordEmbeddings: boolean;
}

/** `hidden_act` spellings → the GELU form. The tanh family is one formula under several names. */
const GELU_KINDS: Record<string, GeluKind> = {
  gelu: 'gelu_erf',
  gelu_python: 'gelu_erf',
  gelu_new: 'gelu_tanh',
  gelu_pytorch_tanh: 'gelu_tanh',
  gelu_fast: 'gelu_tanh',
  gelu_accurate: 'gelu_tanh',
};

type Json = Record<string, unknown>;

function describe(v: unknown): string {
  const kind = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  return `${JSON.stringify(v)} (${kind})`;
}

export function parseBertConfig(json: unknown, file = 'config.json'): BertConfig {
  const fail = (detail: string): never => {
    throw new CheckpointError(file, detail);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    fail(`expected a JSON object, got ${describe(json)}`);
  }
  const c = json as Json;
  const has = (key: string) => c[key] !== undefined;

  function field<T>(key: string, fallback: T | undefined, ok: (v: unknown) => boolean, what: string): T {
    if (!has(key)) return fallback === undefined ? fail(`missing field "${key}"`) : fallback;
    if (!ok(c[key])) fail(`field "${key}" must be ${what}, got ${describe(c[key])}`);
    return c[key] as T;
  }
  const positiveInt = (key: string, fallback?: number) =>
    field<number>(key, fallback, (v) => Number.isSafeInteger(v) && (v as number) > 0, 'a positive integer');
  const str = (key: string, fallback?: string) =>
    field<string>(key, fallback, (v) => typeof v === 'string', 'a string');

  const vocabSize = positiveInt('vocab_size');
  const hiddenSize = positiveInt('hidden_size');
  const numHiddenLayers = positiveInt('num_hidden_layers');
  const numAttentionHeads = positiveInt('num_attention_heads');
  const intermediateSize = positiveInt('intermediate_size');
  if (hiddenSize % numAttentionHeads !== 0) {
    fail(`hidden_size ${hiddenSize} is not divisible by num_attention_heads ${numAttentionHeads}`);
  }

  const modelType = str('model_type', 'bert');
  if (modelType !== 'bert') fail(`unsupported model_type "${modelType}" (only "bert")`);
  const hiddenActName = str('hidden_act', 'gelu');
  const hiddenAct = Object.hasOwn(GELU_KINDS, hiddenActName)
    ? GELU_KINDS[hiddenActName]
    : fail(`unsupported hidden_act "${hiddenActName}" (supported: ${Object.keys(GELU_KINDS).join(', ')})`);
  const positionEmbeddingType = str('position_embedding_type', 'absolute');
  if (positionEmbeddingType !== 'absolute') {
    fail(`unsupported position_embedding_type "${positionEmbeddingType}" (only "absolute")`);
  }
  const bool = (key: string, fallback: boolean) =>
    field<boolean>(key, fallback, (v) => typeof v === 'boolean', 'true or false');
  if (bool('is_decoder', false)) fail('unsupported is_decoder true (causal attention); this engine runs encoders');
  if (bool('add_cross_attention', false)) fail('unsupported add_cross_attention true');

  const layerNormEps = field<number>(
    'layer_norm_eps', 1e-12, (v) => typeof v === 'number' && v > 0 && Number.isFinite(v), 'a positive number');
  const padTokenId = field<number | null>(
    'pad_token_id', 0, (v) => v === null || (Number.isSafeInteger(v) && (v as number) >= 0), 'a non-negative integer or null');
  const architectures = field<string[]>(
    'architectures', [], (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'), 'an array of strings');

  const { id2label, label2id } = parseLabels(c, fail);

  return {
    vocabSize,
    hiddenSize,
    numHiddenLayers,
    numAttentionHeads,
    headDim: hiddenSize / numAttentionHeads,
    intermediateSize,
    hiddenAct,
    hiddenActName,
    maxPositionEmbeddings: positiveInt('max_position_embeddings', 512),
    typeVocabSize: positiveInt('type_vocab_size', 2),
    layerNormEps,
    architectures,
    modelType: 'bert',
    id2label,
    label2id,
    numLabels: id2label.length,
    padTokenId,
    positionEmbeddingType: 'absolute',
    tieWordEmbeddings: bool('tie_word_embeddings', true),
  };
}

/**
 * PretrainedConfig's label rules: `id2label` (keys are decimal strings) wins and sets num_labels;
 * without it, `num_labels` (default 2) makes `LABEL_0`, `LABEL_1`, …; `label2id` defaults to the inverse.
 */
function parseLabels(c: Json, fail: (detail: string) => never): { id2label: string[]; label2id: Record<string, number> } {
  let id2label: string[];
  const raw = c.id2label;
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'object' || Array.isArray(raw)) fail(`field "id2label" must be an object, got ${describe(raw)}`);
    const entries = Object.entries(raw as Json);
    id2label = new Array<string>(entries.length);
    for (const [key, name] of entries) {
      const id = /^(0|[1-9]\d*)$/.test(key) ? Number(key) : -1;
      if (id < 0 || id >= entries.length) {
        fail(`field "id2label" must have keys "0".."${entries.length - 1}", got key ${JSON.stringify(key)}`);
      }
      if (typeof name !== 'string') fail(`field "id2label" entry "${key}" must be a string, got ${describe(name)}`);
      id2label[id] = name as string;
    }
  } else {
    const n = c.num_labels ?? 2;
    if (!Number.isSafeInteger(n) || (n as number) < 1) {
      fail(`field "num_labels" must be a positive integer, got ${describe(n)}`);
    }
    id2label = Array.from({ length: n as number }, (_, i) => `LABEL_${i}`);
  }
  let label2id: Record<string, number> = Object.fromEntries(id2label.map((name, i) => [name, i]));
  if (c.label2id !== undefined && c.label2id !== null) {
    const l2i = c.label2id;
    if (typeof l2i !== 'object' || Array.isArray(l2i) || !Object.values(l2i).every((v) => Number.isSafeInteger(v))) {
      fail(`field "label2id" must be an object of integers, got ${describe(l2i)}`);
    }
    label2id = { ...(l2i as Record<string, number>) };
  }
  return { id2label, label2id };
}
