// `config.json` reading shared by the families: typed field readers whose errors name the field, what it
// must be and what came; the activation spellings; the label rules of PretrainedConfig; and the
// EncoderConfig every family produces (its own config type extends it). A family reads its fields with
// the defaults `transformers` gives them and refuses, by name, any setting that changes the math in a way
// this engine does not implement.
import type { QuantizationConfig } from './quantization.ts';
import type { Activation } from '../kernels/matmul.ts';
import { CheckpointError } from '../errors.ts';

/** What the graph, the tasks and the CLI need of any family's config. */
export interface EncoderConfig {
  /** config.json's model_type ('bert', 'xlm-roberta', …) and the family module that runs it ('bert', 'roberta', …). */
  modelType: string;
  family: string;
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  /** hiddenSize / numAttentionHeads */
  headDim: number;
  intermediateSize: number;
  /** The activation the kernels compute; `hiddenActName` is the config's spelling. */
  hiddenAct: Activation;
  hiddenActName: string;
  /** Rows of the position table (0 when the family has none). */
  maxPositionEmbeddings: number;
  /** Longest input in tokens: the table, less the rows RoBERTa reserves before padding_idx + 1. */
  maxSequenceLength: number;
  /** Rows of the token-type table; 0 when the family has no token types (DistilBERT). */
  typeVocabSize: number;
  layerNormEps: number;
  architectures: string[];
  /** Label names by class index (dense 0..numLabels-1). */
  id2label: string[];
  label2id: Record<string, number>;
  numLabels: number;
  /** How a classifier's logits become scores: transformers' problem_type, when the config sets one. */
  problemType?: 'regression' | 'single_label_classification' | 'multi_label_classification';
  padTokenId: number | null;
  /** MLM decoder shares the word-embedding matrix (Hugging Face default true). */
  tieWordEmbeddings: boolean;
  /** A cross-encoder's score activation as sentence-transformers saves it in config.json
   * (sentence_transformers.activation_fn, or the older sbert_ce_default_activation_function): a torch class path. */
  crossEncoderActivation?: string;
  /** int8 weight-only quantization (src/families/quantization.ts), when config.json says so. */
  quantization?: QuantizationConfig;
}

type Json = Record<string, unknown>;

export function describe(v: unknown): string {
  const kind = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = `an unprintable ${kind}`; // too deep for JSON.stringify
  }
  // A file's value can be megabytes: the message stays a line a user reads.
  return `${text.length > 200 ? `${text.slice(0, 200)}…` : text} (${kind})`;
}

/**
 * `hidden_act` spellings → the kernels' activation, as transformers' ACT2FN defines them: the GELU tanh
 * approximation goes by several names; "gelu_python" is the erf form written in Python.
 */
export const ACTIVATIONS: Readonly<Record<string, Activation>> = {
  gelu: 'gelu',
  gelu_python: 'gelu',
  gelu_new: 'gelu_tanh',
  gelu_pytorch_tanh: 'gelu_tanh',
  gelu_fast: 'gelu_tanh',
  gelu_accurate: 'gelu_tanh',
  relu: 'relu',
  silu: 'silu',
  swish: 'silu',
};

export class ConfigReader {
  readonly json: Json;

  constructor(json: unknown, readonly file = 'config.json') {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) this.fail(`expected a JSON object, got ${describe(json)}`);
    this.json = json as Json;
  }

  fail(detail: string): never {
    throw new CheckpointError(this.file, detail);
  }

  has(key: string): boolean {
    return this.json[key] !== undefined;
  }

  /** The key a config uses for a field with an attribute_map alias (DistilBERT's dim / hidden_size). */
  either(key: string, alias: string): string {
    return !this.has(key) && this.has(alias) ? alias : key;
  }

  field<T>(key: string, fallback: T | undefined, ok: (v: unknown) => boolean, what: string): T {
    if (!this.has(key)) return fallback === undefined ? this.fail(`missing field "${key}"`) : fallback;
    if (!ok(this.json[key])) this.fail(`field "${key}" must be ${what}, got ${describe(this.json[key])}`);
    return this.json[key] as T;
  }

  positiveInt(key: string, fallback?: number): number {
    return this.field<number>(key, fallback, (v) => Number.isSafeInteger(v) && (v as number) > 0, 'a positive integer');
  }

  nonNegativeInt(key: string, fallback?: number): number {
    return this.field<number>(key, fallback, (v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a non-negative integer');
  }

  positiveNumber(key: string, fallback?: number): number {
    return this.field<number>(key, fallback, (v) => typeof v === 'number' && v > 0 && Number.isFinite(v), 'a positive number');
  }

  str(key: string, fallback?: string): string {
    return this.field<string>(key, fallback, (v) => typeof v === 'string', 'a string');
  }

  bool(key: string, fallback: boolean): boolean {
    return this.field<boolean>(key, fallback, (v) => typeof v === 'boolean', 'true or false');
  }

  /** A token id that may be null. */
  tokenId(key: string, fallback: number | null): number | null {
    return this.field<number | null>(key, fallback, (v) => v === null || (Number.isSafeInteger(v) && (v as number) >= 0), 'a non-negative integer or null');
  }

  strings(key: string): string[] {
    return this.field<string[]>(key, [], (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'), 'an array of strings');
  }

  /** A string field whose values other than `supported` change the math: refused by name. */
  only(key: string, fallback: string, supported: readonly string[], why = ''): string {
    const v = this.str(key, fallback);
    if (!supported.includes(v)) this.fail(`unsupported ${key} "${v}"${why} (supported: ${supported.map((s) => `"${s}"`).join(', ')})`);
    return v;
  }

  /** A boolean field that must keep the value this engine implements. */
  require(key: string, fallback: boolean, wanted: boolean, why: string): void {
    const v = this.bool(key, fallback);
    if (v !== wanted) this.fail(`unsupported ${key} ${v} (${why})`);
  }

  activation(key: string, fallback: string): { act: Activation; name: string } {
    const name = this.str(key, fallback);
    if (!Object.hasOwn(ACTIVATIONS, name)) this.fail(`unsupported ${key} "${name}" (supported: ${Object.keys(ACTIVATIONS).join(', ')})`);
    return { act: ACTIVATIONS[name], name };
  }

  /** `hidden_size` divisible by `num_attention_heads` (or the family's spellings of them). */
  heads(hidden: number, heads: number, keys = ['hidden_size', 'num_attention_heads']): number {
    if (hidden % heads !== 0) this.fail(`${keys[0]} ${hidden} is not divisible by ${keys[1]} ${heads}`);
    return hidden / heads;
  }

  /**
   * PretrainedConfig's label rules: `id2label` (keys are decimal strings) wins and sets num_labels; without
   * it, `num_labels` (default 2) makes `LABEL_0`, `LABEL_1`, …; `label2id` defaults to the inverse.
   */
  labels(): Pick<EncoderConfig, 'id2label' | 'label2id' | 'numLabels' | 'problemType'> {
    const c = this.json;
    let id2label: string[];
    const raw = c.id2label;
    if (raw !== undefined && raw !== null) {
      if (typeof raw !== 'object' || Array.isArray(raw)) this.fail(`field "id2label" must be an object, got ${describe(raw)}`);
      const entries = Object.entries(raw as Json);
      id2label = new Array<string>(entries.length);
      for (const [key, name] of entries) {
        const id = /^(0|[1-9]\d*)$/.test(key) ? Number(key) : -1;
        if (id < 0 || id >= entries.length) this.fail(`field "id2label" must have keys "0".."${entries.length - 1}", got key ${JSON.stringify(key)}`);
        if (typeof name !== 'string') this.fail(`field "id2label" entry "${key}" must be a string, got ${describe(name)}`);
        id2label[id] = name as string;
      }
    } else {
      const n = c.num_labels ?? 2;
      if (!Number.isSafeInteger(n) || (n as number) < 1) this.fail(`field "num_labels" must be a positive integer, got ${describe(n)}`);
      id2label = Array.from({ length: n as number }, (_, i) => `LABEL_${i}`);
    }
    let label2id: Record<string, number> = Object.fromEntries(id2label.map((name, i) => [name, i]));
    if (c.label2id !== undefined && c.label2id !== null) {
      const l2i = c.label2id;
      if (typeof l2i !== 'object' || Array.isArray(l2i) || !Object.values(l2i).every((v) => Number.isSafeInteger(v))) {
        this.fail(`field "label2id" must be an object of integers, got ${describe(l2i)}`);
      }
      label2id = { ...(l2i as Record<string, number>) };
    }
    const problems = ['regression', 'single_label_classification', 'multi_label_classification'] as const;
    const problem = c.problem_type;
    if (problem !== undefined && problem !== null && !problems.includes(problem as (typeof problems)[number])) {
      this.fail(`field "problem_type" must be one of ${problems.join(', ')}, got ${describe(problem)}`);
    }
    return { id2label, label2id, numLabels: id2label.length, ...(typeof problem === 'string' && { problemType: problem as EncoderConfig['problemType'] }) };
  }

  /** What every encoder refuses: decoders, cross-attention, pruned heads. */
  encoderOnly(): void {
    this.require('is_decoder', false, false, 'causal attention; this engine runs encoders');
    this.require('add_cross_attention', false, false, 'cross-attention needs an encoder-decoder');
    const pruned = this.json.pruned_heads;
    if (pruned && typeof pruned === 'object' && Object.keys(pruned).length > 0) this.fail('unsupported pruned_heads (layers of different widths)');
  }
}
