/**
 * Deterministic random-weight checkpoints of every family in Hugging Face layout: the engine's embedded
 * default model and the tests' tiny models. Platform-neutral (no Node imports): the browser can build the
 * default model in memory instead of downloading one.
 *
 * Every file imitates what `save_pretrained` writes — config.json and tokenizer_config.json with sorted
 * keys, safetensors with `{"format": "pt"}` metadata and HF tensor names (generate-families.ts: the
 * backbone prefix on the heads, no pooler where the head has none, tied MLM decoders absent), a sharded
 * index with `total_size` — and the tokenizer files of the family's kind (generate-tokenizers.ts):
 * WordPiece for BERT, DistilBERT and ELECTRA (vocab.txt + tokenizer.json, BertTokenizerFast's
 * serialisation), byte-level BPE for RoBERTa, Unigram for XLM-R.
 *
 * Each tensor draws from its own stream, seeded by (seed, name without the backbone prefix), so the same
 * seed gives the same backbone whatever the head, the prefix, the dtype or the sharding.
 */
import { Rng } from '../random.ts';
import { defaultVocabulary, SPECIAL_TOKENS } from './default-vocab.ts';
import { ARCHITECTURES, FAMILY_PREFIX, familyConfig, familyOf, tensorPlan, type Architecture, type GeneratedFamily, type PlannedTensor } from './generate-families.ts';
import { bpeTokenizerJson, bpeVocabulary, KIND_SPECIALS, unigramTokenizerJson, unigramVocabulary, type TokenizerKind } from './generate-tokenizers.ts';
import { type TensorToWrite, writeSafetensors } from './safetensors.ts';

export { defaultVocabulary, SPECIAL_TOKENS } from './default-vocab.ts';
export { ARCHITECTURES, FAMILY_ARCHITECTURES, familyOf, type Architecture, type GeneratedFamily } from './generate-families.ts';

export type GeneratedDtype = 'F32' | 'F16' | 'BF16';

export interface GenerateOptions {
  architecture: Architecture;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  maxPositions?: number; // default 128
  typeVocabSize?: number; // default 2
  hiddenAct?: 'gelu' | 'gelu_new' | 'relu'; // default 'gelu' (exact erf)
  layerNormEps?: number; // default 1e-12
  /** id2label of the classification heads; defaults in DEFAULT_LABELS. Ignored by the other heads. */
  labels?: string[];
  dtype?: GeneratedDtype; // default 'F32'
  seed?: number; // default 1; an integer in [0, 2^32)
  /** The backbone prefix (`bert.`, `roberta.`, …) on backbone names: default true for the heads, false for the bare models. */
  namePrefix?: boolean;
  /** WordPiece vocabulary, default defaultVocabulary(): the five special tokens, no repeats, no line breaks.
   * The BPE and Unigram families build their vocabularies from its words. */
  vocab?: string[];
  /** ELECTRA's embedding_size; default half the hidden size. */
  embeddingSize?: number;
  /** >1: model.safetensors.index.json plus model-0000i-of-0000n.safetensors. Default 1. */
  shards?: number;
}

/** The engine's embedded default model: small enough that SwiftShader runs it in well under a second. */
export const DEFAULT_MODEL_OPTIONS: GenerateOptions = Object.freeze({
  architecture: 'BertForMaskedLM',
  hiddenSize: 64,
  numLayers: 2,
  numHeads: 4,
  intermediateSize: 256,
  maxPositions: 128,
  seed: 1,
});

/** id2label of the classification heads of every family, by head. */
export const DEFAULT_LABELS = {
  sequence: ['NEGATIVE', 'POSITIVE'],
  token: ['O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC'],
} as const;

function defaultLabels(a: Architecture): readonly string[] | undefined {
  if (a.endsWith('ForSequenceClassification')) return DEFAULT_LABELS.sequence;
  if (a.endsWith('ForTokenClassification')) return DEFAULT_LABELS.token;
  return undefined;
}

/** The tokenizer kind of a family. ALBERT's own is SentencePiece; BERT's WordPiece has its special tokens ([CLS], [SEP], [MASK]) and pad id 0. */
const FAMILY_TOKENIZER: Record<GeneratedFamily, TokenizerKind> = { bert: 'wordpiece', distilbert: 'wordpiece', electra: 'wordpiece', roberta: 'bpe', 'xlm-roberta': 'unigram', albert: 'wordpiece' };

/**
 * Bump when the bytes generated for the same options change (init scheme, file layout, vocabulary), so
 * caches keyed on the options (generate-node.ts) regenerate.
 */
export const GENERATOR_VERSION = 2;

// HF's initializer_range: linear weights and embeddings ~ N(0, 0.02²), as BertPreTrainedModel initialises them.
const INITIALIZER_RANGE = 0.02;
// HF initialises biases and LayerNorm beta to 0 and gamma to 1. Exact 0/1 would let a test pass with a
// dropped bias or swapped gamma/beta, so they get noise: biases and beta ~ N(0, 0.02²), gamma ~ 1 + N(0, 0.1²).
const BIAS_STD = 0.02;
const GAMMA_STD = 0.1;

interface Resolved {
  architecture: Architecture;
  family: GeneratedFamily;
  tokenizer: TokenizerKind;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  maxPositions: number;
  typeVocabSize: number;
  hiddenAct: 'gelu' | 'gelu_new' | 'relu';
  layerNormEps: number;
  labels: string[] | undefined; // only for the classification heads
  dtype: GeneratedDtype;
  seed: number;
  prefix: string;
  /** The WordPiece vocabulary (the BPE and Unigram ones are built from its words). */
  vocab: string[];
  /** The model's vocabulary size: the tokenizer's. */
  vocabSize: number;
  embeddingSize: number;
  shards: number;
}

function resolveOptions(opts: GenerateOptions): Resolved {
  const fail = (detail: string): never => {
    throw new RangeError(`generateCheckpoint: ${detail}`);
  };
  if (!ARCHITECTURES.includes(opts.architecture)) {
    fail(`unknown architecture ${JSON.stringify(opts.architecture)} (known: ${ARCHITECTURES.join(', ')})`);
  }
  const positive = (name: string, v: unknown, fallback?: number): number => {
    const n = v ?? fallback;
    if (!Number.isSafeInteger(n) || (n as number) < 1) fail(`${name} must be a positive integer, got ${String(n)}`);
    return n as number;
  };
  const hiddenSize = positive('hiddenSize', opts.hiddenSize);
  const numHeads = positive('numHeads', opts.numHeads);
  if (hiddenSize % numHeads !== 0) fail(`hiddenSize ${hiddenSize} is not divisible by numHeads ${numHeads}`);
  const hiddenAct = opts.hiddenAct ?? 'gelu';
  if (hiddenAct !== 'gelu' && hiddenAct !== 'gelu_new' && hiddenAct !== 'relu') fail(`hiddenAct must be gelu, gelu_new or relu, got ${String(hiddenAct)}`);
  const layerNormEps = opts.layerNormEps ?? 1e-12;
  if (!(layerNormEps > 0 && Number.isFinite(layerNormEps))) fail(`layerNormEps must be a positive number, got ${layerNormEps}`);
  const dtype = opts.dtype ?? 'F32';
  if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16') fail(`dtype must be F32, F16 or BF16, got ${String(dtype)}`);
  const seed = opts.seed ?? 1;
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) fail(`seed must be an integer in [0, 2^32), got ${seed}`);

  const vocab = opts.vocab ?? defaultVocabulary();
  if (!Array.isArray(vocab) || vocab.length === 0) fail('vocab must be a non-empty array of tokens');
  const seen = new Set<string>();
  for (const t of vocab) {
    if (typeof t !== 'string' || t === '' || /[\r\n]/.test(t)) fail(`vocab token ${JSON.stringify(t)} is empty or has a line break`);
    if (seen.has(t)) fail(`vocab token ${JSON.stringify(t)} appears twice`);
    seen.add(t);
  }
  for (const t of Object.values(SPECIAL_TOKENS)) if (!seen.has(t)) fail(`vocab lacks the special token ${t}`);

  let labels: string[] | undefined;
  const headLabels = defaultLabels(opts.architecture);
  if (headLabels) {
    labels = [...(opts.labels ?? headLabels)];
    if (labels.length === 0) fail('labels must not be empty');
    if (new Set(labels).size !== labels.length) fail(`labels must be distinct, got ${JSON.stringify(labels)}`);
  }

  const family = familyOf(opts.architecture);
  const tokenizer = FAMILY_TOKENIZER[family];
  const vocabSize = tokenizer === 'bpe' ? bpeVocabulary(vocab).tokens.length : tokenizer === 'unigram' ? unigramVocabulary(vocab).length : vocab.length;
  return {
    architecture: opts.architecture,
    family,
    tokenizer,
    vocabSize,
    embeddingSize: positive('embeddingSize', opts.embeddingSize, Math.max(1, Math.floor(hiddenSize / 2))),
    hiddenSize,
    numLayers: positive('numLayers', opts.numLayers),
    numHeads,
    intermediateSize: positive('intermediateSize', opts.intermediateSize),
    maxPositions: positive('maxPositions', opts.maxPositions, 128),
    typeVocabSize: positive('typeVocabSize', opts.typeVocabSize, 2),
    hiddenAct,
    layerNormEps,
    labels,
    dtype,
    seed,
    prefix: (opts.namePrefix ?? !opts.architecture.endsWith('Model')) ? FAMILY_PREFIX[family] : '',
    vocab: [...vocab],
    shards: positive('shards', opts.shards, 1),
  };
}

/** RoBERTa's position table holds padding_idx + 1 rows before the first position (514 for 512 tokens). */
const positionRows = (o: Resolved) => (o.tokenizer === 'wordpiece' ? o.maxPositions : o.maxPositions + 2);

function plan(o: Resolved): PlannedTensor[] {
  return tensorPlan({ ...o, maxPositions: positionRows(o), labels: o.labels?.length ?? 0 });
}

/** FNV-1a over the UTF-16 code units, then a murmur3 finaliser with the seed folded in. */
function streamSeed(seed: number, key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= Math.imul(seed >>> 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function initTensor(seed: number, t: PlannedTensor): Float32Array {
  const rng = new Rng(streamSeed(seed, t.key));
  const n = t.shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (t.init === 'weight') data[i] = rng.normal(0, INITIALIZER_RANGE);
    else if (t.init === 'bias') data[i] = rng.normal(0, BIAS_STD);
    else data[i] = rng.normal(1, GAMMA_STD);
  }
  return data;
}

/** The generated weights as f32, in state_dict order (before conversion to the stored dtype). */
export function generateWeights(opts: GenerateOptions): Map<string, { shape: number[]; data: Float32Array }> {
  const o = resolveOptions(opts);
  return new Map(plan(o).map((t) => [t.name, { shape: t.shape, data: initTensor(o.seed, t) }]));
}

const TORCH_DTYPES: Record<GeneratedDtype, string> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };
const SAFETENSORS_METADATA = { format: 'pt' };
const SINGLE_FILE = 'model.safetensors';
const INDEX_FILE = 'model.safetensors.index.json';

export function generateCheckpoint(opts: GenerateOptions): Map<string, Uint8Array> {
  const o = resolveOptions(opts);
  const files = new Map<string, Uint8Array>();
  const text = (s: string) => new TextEncoder().encode(s);

  files.set('config.json', text(hfJson(configJson(o))));
  const tensors = plan(o).map((t) => ({ name: t.name, shape: t.shape, data: initTensor(o.seed, t) }));
  for (const [name, bytes] of weightFiles(tensors, o.dtype, o.shards)) files.set(name, bytes);
  if (o.tokenizer === 'wordpiece') {
    files.set('vocab.txt', text(o.vocab.join('\n') + '\n'));
    files.set('tokenizer.json', text(tokenizerJson(o)));
  } else if (o.tokenizer === 'bpe') {
    const v = bpeVocabulary(o.vocab);
    files.set('vocab.json', text(JSON.stringify(Object.fromEntries(v.tokens.map((t, i) => [t, i])))));
    files.set('merges.txt', text(`#version: 0.2\n${v.merges.map(([a, b]) => `${a} ${b}`).join('\n')}\n`));
    files.set('tokenizer.json', text(JSON.stringify(bpeTokenizerJson(v), null, 2) + '\n'));
  } else {
    files.set('tokenizer.json', text(JSON.stringify(unigramTokenizerJson(unigramVocabulary(o.vocab)), null, 2) + '\n'));
  }
  files.set('tokenizer_config.json', text(hfJson(tokenizerConfigJson(o))));
  files.set('special_tokens_map.json', text(hfJson(specialTokensMap(o))));
  return files;
}

type Tensor = { name: string; shape: number[]; data: Float32Array };

/**
 * model.safetensors, or HF's sharded layout: tensors in state_dict order cut into `shards` contiguous runs
 * of about equal bytes (each non-empty), plus the index mapping every name to its shard.
 */
function weightFiles(tensors: Tensor[], dtype: GeneratedDtype, shards: number): Map<string, Uint8Array> {
  const write = (ts: Tensor[]) =>
    writeSafetensors(
      Object.fromEntries(ts.map((t): [string, TensorToWrite] => [t.name, { dtype, shape: t.shape, data: t.data }])),
      SAFETENSORS_METADATA,
    );
  if (shards === 1) return new Map([[SINGLE_FILE, write(tensors)]]);
  if (shards > tensors.length) {
    throw new RangeError(`generateCheckpoint: shards ${shards} exceeds the ${tensors.length} tensors of this model`);
  }
  const bytesOf = (t: Tensor) => t.data.length * (dtype === 'F32' ? 4 : 2);
  const groups: Tensor[][] = [[]];
  let left = tensors.reduce((n, t) => n + bytesOf(t), 0);
  const totalSize = left;
  let target = left / shards;
  let inGroup = 0;
  tensors.forEach((t, i) => {
    const group = groups[groups.length - 1];
    const groupsLeft = shards - groups.length;
    const mustCut = tensors.length - i === groupsLeft; // one tensor for each shard still to fill
    if (group.length > 0 && groupsLeft > 0 && (mustCut || inGroup + bytesOf(t) / 2 > target)) {
      left -= inGroup;
      target = left / groupsLeft;
      inGroup = 0;
      groups.push([]);
    }
    groups[groups.length - 1].push(t);
    inGroup += bytesOf(t);
  });
  const pad = (n: number) => String(n).padStart(5, '0');
  const files = new Map<string, Uint8Array>();
  const weightMap: Record<string, string> = {};
  groups.forEach((group, k) => {
    const file = `model-${pad(k + 1)}-of-${pad(shards)}.safetensors`;
    for (const t of group) weightMap[t.name] = file;
    files.set(file, write(group));
  });
  const index = { metadata: { total_size: totalSize }, weight_map: weightMap };
  return new Map([[INDEX_FILE, new TextEncoder().encode(hfJson(index))], ...files]);
}

/** Like `json.dumps(obj, indent=2, sort_keys=True) + "\n"`, as transformers writes its JSON files. */
function hfJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2) + '\n';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}

function configJson(o: Resolved): Record<string, unknown> {
  const config = familyConfig({
    ...o, maxPositions: positionRows(o), labels: o.labels?.length ?? 0, padTokenId: padId(o), initializerRange: INITIALIZER_RANGE,
  });
  config.torch_dtype = TORCH_DTYPES[o.dtype];
  if (o.labels) {
    // PretrainedConfig writes id2label with string keys; JSON has no integer keys.
    config.id2label = Object.fromEntries(o.labels.map((name, i) => [String(i), name]));
    config.label2id = Object.fromEntries(o.labels.map((name, i) => [name, i]));
  }
  return config;
}

/** The pad token's id in the family's vocabulary. */
function padId(o: Resolved): number {
  return o.tokenizer === 'wordpiece' ? o.vocab.indexOf(SPECIAL_TOKENS.pad) : 1;
}

const SPECIAL_KEYS = ['cls', 'mask', 'pad', 'sep', 'unk'] as const;

function specialTokensMap(o: Resolved): Record<string, string> {
  const names = KIND_SPECIALS[o.tokenizer];
  const map: Record<string, string> = Object.fromEntries(SPECIAL_KEYS.map((k) => [`${k}_token`, names[k]]));
  if (o.tokenizer !== 'wordpiece') Object.assign(map, { bos_token: names.cls, eos_token: names.sep });
  return map;
}

function specialIds(o: Resolved): { content: string; id: number }[] {
  return Object.values(SPECIAL_TOKENS)
    .map((content) => ({ content, id: o.vocab.indexOf(content) }))
    .sort((a, b) => a.id - b.id);
}

const ADDED_TOKEN_FLAGS = { lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };

function tokenizerConfigJson(o: Resolved): Record<string, unknown> {
  if (o.tokenizer !== 'wordpiece') {
    return {
      clean_up_tokenization_spaces: false, model_max_length: o.maxPositions,
      tokenizer_class: o.tokenizer === 'bpe' ? 'RobertaTokenizer' : 'XLMRobertaTokenizer', ...specialTokensMap(o),
      ...(o.tokenizer === 'bpe' && { add_prefix_space: false, trim_offsets: true }),
    };
  }
  return {
    added_tokens_decoder: Object.fromEntries(specialIds(o).map(({ content, id }) => [String(id), { content, ...ADDED_TOKEN_FLAGS }])),
    clean_up_tokenization_spaces: true,
    do_basic_tokenize: true,
    do_lower_case: true,
    model_max_length: o.maxPositions,
    never_split: null,
    strip_accents: null,
    tokenize_chinese_chars: true,
    tokenizer_class: o.family === 'distilbert' ? 'DistilBertTokenizer' : o.family === 'electra' ? 'ElectraTokenizer' : 'BertTokenizer',
    ...specialTokensMap(o),
  };
}

/**
 * The `tokenizers` serialisation of BertTokenizerFast (pretty-printed, as `save_pretrained` writes it).
 * The vocab object is written by hand: JSON.stringify would hoist the integer-like tokens "0".."9" to
 * the front, and the file lists tokens in id order.
 */
function tokenizerJson(o: Resolved): string {
  const id = (t: string) => o.vocab.indexOf(t);
  const special = (t: string, typeId: number) => ({ SpecialToken: { id: t, type_id: typeId } });
  const sequence = (s: 'A' | 'B', typeId: number) => ({ Sequence: { id: s, type_id: typeId } });
  const { cls, sep, unk } = SPECIAL_TOKENS;
  const VOCAB_SLOT = '\u0000vocab';
  const doc = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specialIds(o).map(({ content, id }) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special(cls, 0), sequence('A', 0), special(sep, 0)],
      pair: [special(cls, 0), sequence('A', 0), special(sep, 0), sequence('B', 1), special(sep, 1)],
      special_tokens: {
        [cls]: { id: cls, ids: [id(cls)], tokens: [cls] },
        [sep]: { id: sep, ids: [id(sep)], tokens: [sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: unk,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: VOCAB_SLOT,
    },
  };
  const indent = '      ';
  const vocab = `{\n${o.vocab.map((t, i) => `${indent}${JSON.stringify(t)}: ${i}`).join(',\n')}\n    }`;
  return JSON.stringify(doc, null, 2).replace(JSON.stringify(VOCAB_SLOT), () => vocab) + '\n';
}
