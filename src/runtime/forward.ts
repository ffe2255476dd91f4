// The forward contract both executors keep (the GPU model, model.ts, and the float64 reference,
// src/reference/model.ts): inputs, options and results; checking the inputs; turning them into the
// graph's input tensors (padded ids, token types, the family's position ids, the mask bias); building
// the graph for a request; and unpadding what comes back.
import { BUCKET_PAD_VALUE, MASK_VALUE } from '../kernels/softmax.ts';
import type { PoolingMode } from '../kernels/pool.ts';
import type { TimingMethod } from '../kernels/timer.ts';
import type { EncoderConfig } from '../families/config.ts';
import type { AnyFamily, Heads, HeadRequest } from '../families/family.ts';
import { l2Normalize, linear, pool, sentencePool } from '../graph/ops.ts';
import type { SentenceTransformerConfig } from '../model/sentence.ts';
import { Graph, type GraphOptions } from '../graph/graph.ts';

/** An integer typed array, as tokenizers and other libraries hand out ids (BigInt64Array: ONNX-style int64). */
export type IdArray = Int32Array | Uint32Array | BigInt64Array;
/**
 * A [batch, seqLen] matrix of integers: rows of numbers or of typed arrays, or one flat typed array in row-major
 * order with `ForwardInputs.shape`.
 */
export type IdMatrix = readonly (readonly number[] | IdArray)[] | IdArray;

export interface ForwardInputs {
  inputIds: IdMatrix;
  /** 1 attend, 0 padding; default all ones. */
  attentionMask?: IdMatrix;
  /** Default all zeros. Families without token types (DistilBERT) ignore them, as their transformers
   * classes take none. */
  tokenTypeIds?: IdMatrix;
  /** Tokens the sentence pooling reads (1) or leaves out (0: a prompt with include_prompt false); default the
   * attention mask. The encoder always attends by attentionMask. */
  poolingMask?: IdMatrix;
  /** [batch, seqLen] of flat typed-array inputs (required with them, ignored for rows). */
  shape?: readonly [number, number];
}

export interface ForwardOptions {
  /** Softmax probabilities of every layer, [batch, heads, seq, seq] each. */
  attentions?: boolean;
  /** The pooler output: default when the checkpoint has a pooler. */
  pooler?: boolean;
  /**
   * The MLM logits, [batch, seqLen, vocab]: the one large output, so a raw forward computes and reads it only
   * when asked (`logits: true`), and fill-mask reads only the rows it needs (`logitsAt`).
   */
  logits?: boolean;
  /** Attention variant for this call (default: the model's). */
  attention?: string;
  /** Read back lastHiddenState (default true); false leaves it empty, so a task reads back only what it uses. */
  hidden?: boolean;
  /** Classifier logits (see ForwardResult.classifierLogits). Default: when the checkpoint has a classifier. */
  classifier?: boolean;
  /** Question-answering start/end logits. Default: when the checkpoint has a QA head. */
  qa?: boolean;
  /** ELECTRA's replaced-token logits. Default: when the checkpoint has the discriminator head. */
  discriminator?: boolean;
  /** Sentence embeddings pooled on the GPU (ForwardResult.embeddings): the CLS token or the mean over attended tokens. */
  pooling?: { mode: PoolingMode; normalize?: boolean };
  /** The checkpoint's sentence-transformers pipeline (modules.json: its pooling modes, Dense modules,
   * Normalize) on the GPU: ForwardResult.embeddings, [batch, embeddingSize]. Not with `pooling`. */
  sentence?: boolean | { normalize: boolean };
  /**
   * Only these rows of the MLM logits, each [sequence index, position]: ForwardResult.logitsAt is
   * [rows, vocab] in this order, and the full logits are not read back (fill-mask reads its masks only).
   */
  logitsAt?: readonly (readonly [number, number])[];
  /**
   * true: time each dispatch: with GPU timestamps every step gets its own compute pass bracketed by timestamps
   * (which adds a little overhead per pass), summed per stage over the layers; without them only the
   * wall-clock total from submit to readback. 'total': the forward's one compute pass bracketed by two
   * timestamps (the GPU time of an ordinary forward, for host-overhead measurements), or the wall clock.
   * See ForwardResult.profile.
   */
  profile?: boolean | 'total';
}

/** Where a forward spent its time (ForwardOptions.profile). */
export interface ForwardProfile {
  method: TimingMethod;
  /** Sum of the stages with GPU timestamps; submit to readback with the wall clock. */
  totalMs: number;
  /** Per stage ('QKV projection', 'attention', …), in first-run order, summed over the layers. Empty with the wall clock. */
  stages: { stage: string; ms: number; dispatches: number }[];
}

/**
 * What a forward returns. The arrays are views of one buffer copied from the GPU once per forward (an output
 * padded on the GPU is copied row by row, so no unpadding happens on the host): keep them, or copy one with
 * `slice()` to hold it apart from the others.
 */
export interface ForwardResult {
  batch: number;
  seqLen: number;
  hiddenSize: number;
  /** [batch, seqLen, hidden] row-major. */
  lastHiddenState: Float32Array;
  /** [batch, hidden] when the checkpoint has a pooler. */
  poolerOutput?: Float32Array;
  /** [batch, seqLen, vocab] with `logits: true` (an MLM head). */
  logits?: Float32Array;
  /** Per layer, [batch, heads, seqLen, seqLen], with `attentions: true`. */
  attentions?: Float32Array[];
  /** Sequence classification: [batch, numLabels] (first token); token classification: [batch, seqLen, numLabels]. */
  classifierLogits?: Float32Array;
  /** Question answering: [batch, seqLen] each. */
  startLogits?: Float32Array;
  endLogits?: Float32Array;
  /** ELECTRA's discriminator: [batch, seqLen], one replaced-token logit per token. */
  discriminatorLogits?: Float32Array;
  /** With `pooling` ([batch, hidden]) or `sentence` ([batch, embeddingSize]). */
  embeddings?: Float32Array;
  /** Width of each row of `embeddings`. */
  embeddingSize?: number;
  /** With `logitsAt`: [rows, vocab]. */
  logitsAt?: Float32Array;
  /** With `profile`. */
  profile?: ForwardProfile;
}

export class InputError extends Error {
  override name = 'InputError';
}

export interface CheckedInputs { batch: number; seqLen: number; ids: Uint32Array; types: Uint32Array; mask: Uint8Array; poolMask: Uint8Array }

/** Rows of a matrix input: its [batch, seqLen] and element (b, s). */
interface Matrix { rows: number; cols: (b: number) => number; at: (b: number, s: number) => number }

const isIdArray = (m: unknown): m is IdArray => m instanceof Int32Array || m instanceof Uint32Array || m instanceof BigInt64Array;

function matrixOf(name: string, m: IdMatrix, shape: ForwardInputs['shape']): Matrix {
  if (isIdArray(m)) {
    if (!shape || shape.length !== 2 || !shape.every((n) => Number.isSafeInteger(n) && n > 0)) {
      throw new InputError(`${name} is a flat ${m.constructor.name}: give shape: [batch, seqLen] with it`);
    }
    const [rows, cols] = shape;
    if (m.length !== rows * cols) throw new InputError(`${name} has ${m.length} values, shape [${rows}, ${cols}] needs ${rows * cols}`);
    return { rows, cols: () => cols, at: (b, s) => Number(m[b * cols + s]) };
  }
  if (!Array.isArray(m) || !m.every((r) => Array.isArray(r) || isIdArray(r))) {
    throw new InputError(`${name} must be an array of rows (arrays or Int32Array/Uint32Array/BigInt64Array), or a flat typed array with shape`);
  }
  const rows = m as readonly (readonly number[] | IdArray)[];
  return { rows: rows.length, cols: (b) => rows[b].length, at: (b, s) => Number(rows[b][s]) };
}

/** Checks ids, masks and types against the config; one readable error naming the bad element. */
export function validateInputs(config: EncoderConfig, inputs: ForwardInputs): CheckedInputs {
  if (typeof inputs !== 'object' || inputs === null) throw new InputError('inputs must be an object with inputIds');
  const idm = matrixOf('input_ids', inputs.inputIds, inputs.shape);
  if (idm.rows === 0) throw new InputError('input_ids must be a non-empty array of arrays of token ids');
  const batch = idm.rows;
  const seqLen = idm.cols(0);
  if (seqLen === 0) throw new InputError('input_ids[0] is empty');
  if (seqLen > config.maxSequenceLength) throw new InputError(`sequence length ${seqLen} exceeds the model's ${config.maxSequenceLength} positions`);
  const flat = (name: string, input: IdMatrix | undefined, fallback: number, limit: number) => {
    const out = new Uint32Array(batch * seqLen);
    if (input === undefined) return out.fill(fallback);
    const m = input === inputs.inputIds ? idm : matrixOf(name, input, inputs.shape);
    if (m.rows !== batch) throw new InputError(`${name} must have ${batch} rows like input_ids`);
    for (let b = 0; b < batch; b++) {
      if (m.cols(b) !== seqLen) throw new InputError(`${name}[${b}] must have ${seqLen} values like input_ids[0]`);
      for (let s = 0; s < seqLen; s++) {
        const v = m.at(b, s);
        if (!Number.isInteger(v) || v < 0 || v >= limit) throw new InputError(`${name}[${b}][${s}] = ${JSON.stringify(v)} is not an integer in [0, ${limit})`);
        out[b * seqLen + s] = v;
      }
    }
    return out;
  };
  const ids = flat('input_ids', inputs.inputIds, 0, config.vocabSize);
  const types = config.typeVocabSize === 0 ? new Uint32Array(batch * seqLen) : flat('token_type_ids', inputs.tokenTypeIds, 0, config.typeVocabSize);
  const mask = Uint8Array.from(flat('attention_mask', inputs.attentionMask, 1, 2));
  const poolMask = inputs.poolingMask === undefined ? mask : Uint8Array.from(flat('pooling_mask', inputs.poolingMask, 1, 2));
  return { batch, seqLen, ids, types, mask, poolMask };
}

/** The graph's input tensors for a batch padded from seqLen to `bucket` tokens per sequence. */
export interface GraphInputs { ids: Uint32Array; tokenTypes: Uint32Array; positions: Uint32Array; mask: Float32Array; poolMask: Float32Array }

/**
 * Pads to the bucket with the pad token (type 0, masked out as a key with BUCKET_PAD_VALUE, so its value never
 * reaches a real token, nor a windowed row's fallback mean) and asks the family for position ids of the
 * padded ids: RoBERTa's depend on where the pads are. Rows past the batch (a plan for `rows` >= batch
 * sequences, runtime/buckets.ts) repeat the first sequence: real inputs, so they compute nothing unusual,
 * and nobody reads them. `into` receives the values (the plan's input views) instead of new arrays.
 */
export function graphInputs(family: AnyFamily, config: EncoderConfig, x: CheckedInputs, bucket: number, rows = x.batch, into?: GraphInputs): GraphInputs {
  const { batch, seqLen } = x;
  const padId = config.padTokenId !== null && config.padTokenId < config.vocabSize ? config.padTokenId : 0;
  const n = rows * bucket;
  const out: GraphInputs = into ?? {
    ids: new Uint32Array(n), tokenTypes: new Uint32Array(n), positions: new Uint32Array(n), mask: new Float32Array(n), poolMask: new Float32Array(n),
  };
  const pad = <T extends Uint32Array | Float32Array>(target: T, row: (b: number, s: number) => number, fill: number): void => {
    for (let r = 0; r < rows; r++) {
      const b = r < batch ? r : 0;
      for (let s = 0; s < bucket; s++) target[r * bucket + s] = s < seqLen ? row(b, s) : fill;
    }
  };
  pad(out.ids, (b, s) => x.ids[b * seqLen + s], padId);
  pad(out.tokenTypes, (b, s) => x.types[b * seqLen + s], 0);
  pad(out.mask, (b, s) => (x.mask[b * seqLen + s] ? 0 : MASK_VALUE), BUCKET_PAD_VALUE);
  pad(out.poolMask, (b, s) => (x.poolMask[b * seqLen + s] ? 0 : MASK_VALUE), BUCKET_PAD_VALUE);
  out.positions.set(family.positionIds(config, out.ids, rows, bucket));
  return out;
}

/** The heads one call asks for: its options, defaulting to every head the checkpoint has. */
export function headRequest(heads: Heads, opts: ForwardOptions, sentence?: SentenceTransformerConfig): HeadRequest {
  if (opts.sentence && opts.pooling) throw new InputError('pooling and sentence are two ways to the embeddings: give one');
  if (opts.sentence && !sentence) throw new InputError('sentence needs a sentence-transformers checkpoint (modules.json)');
  return {
    sentence: opts.sentence && sentence ? {
      modes: sentence.pooling.modes, dense: sentence.dense.map((d) => ({ linear: d.linear, activation: d.activation })),
      normalize: typeof opts.sentence === 'object' ? opts.sentence.normalize : sentence.normalize,
    } : undefined,
    pooler: opts.pooler ?? heads.pooler,
    logits: opts.logits ?? Boolean(opts.logitsAt),
    classifier: opts.classifier ?? heads.classifier !== undefined,
    qa: opts.qa ?? heads.qa,
    discriminator: opts.discriminator ?? heads.discriminator,
    pooling: opts.pooling ? { mode: opts.pooling.mode, normalize: Boolean(opts.pooling.normalize) } : undefined,
  };
}

/** The family's forward for one shape and request, plus sentence pooling (the same for every family). */
export function buildGraph(family: AnyFamily, config: EncoderConfig, weights: unknown, shape: { batch: number; seqLen: number }, req: HeadRequest, options: GraphOptions): Graph {
  const g = new Graph(shape.batch, shape.seqLen, options);
  family.build(g, config, weights, req);
  if (!g.outputs.hidden) throw new Error(`the ${family.name} family built a graph without a hidden-state output`);
  if (req.pooling) g.output('embeddings', pool(g, g.outputs.hidden, req.pooling.mode, req.pooling.normalize));
  if (req.sentence) {
    const st = req.sentence;
    // Normalize folds into the pooling dispatch when nothing comes between them.
    const fold = st.normalize && st.dense.length === 0 && st.modes.length === 1;
    let x = sentencePool(g, g.outputs.hidden, st.modes, g.inputs.poolMask, fold);
    for (const d of st.dense) x = linear(g, x, d.linear, { stage: 'sentence Dense', activation: d.activation });
    if (st.normalize && !fold) x = l2Normalize(g, x);
    g.output('embeddings', x);
  }
  return g;
}

/** What an executor read back, padded to `bucket` tokens per sequence. */
export interface RawOutputs {
  hidden?: Float32Array;
  pooled?: Float32Array;
  logits?: Float32Array;
  logitsAt?: Float32Array[];
  classifier?: Float32Array;
  qa?: Float32Array;
  discriminator?: Float32Array;
  embeddings?: Float32Array;
  attentions: Float32Array[];
}

export function assembleResult(config: EncoderConfig, classifier: Heads['classifier'], x: { batch: number; seqLen: number }, bucket: number, raw: RawOutputs): ForwardResult {
  const { batch, seqLen } = x;
  const H = config.hiddenSize;
  const rows = (data: Float32Array, width: number) => unpadRows(data, batch, bucket, seqLen, width);
  const r: ForwardResult = { batch, seqLen, hiddenSize: H, lastHiddenState: raw.hidden ? rows(raw.hidden, H) : new Float32Array(0) };
  if (raw.pooled) r.poolerOutput = raw.pooled;
  if (raw.logits) r.logits = rows(raw.logits, config.vocabSize);
  if (raw.logitsAt) {
    const V = config.vocabSize;
    r.logitsAt = new Float32Array(raw.logitsAt.length * V);
    raw.logitsAt.forEach((row, i) => r.logitsAt!.set(row, i * V));
  }
  if (raw.classifier) r.classifierLogits = classifier === 'sequence' ? raw.classifier : rows(raw.classifier, config.numLabels);
  if (raw.qa) {
    const qa = rows(raw.qa, 2);
    r.startLogits = qa.filter((_, j) => j % 2 === 0);
    r.endLogits = qa.filter((_, j) => j % 2 === 1);
  }
  if (raw.discriminator) r.discriminatorLogits = rows(raw.discriminator, 1);
  if (raw.embeddings) {
    r.embeddings = raw.embeddings;
    r.embeddingSize = raw.embeddings.length / batch;
  }
  if (raw.attentions.length) r.attentions = raw.attentions.map((a) => unpadMaps(a, batch * config.numAttentionHeads, bucket, seqLen));
  return r;
}

function unpadRows(data: Float32Array, batch: number, bucket: number, seqLen: number, width: number): Float32Array {
  if (bucket === seqLen) return data;
  const out = new Float32Array(batch * seqLen * width);
  for (let b = 0; b < batch; b++) out.set(data.subarray(b * bucket * width, (b * bucket + seqLen) * width), b * seqLen * width);
  return out;
}

/** [maps, bucket, bucket] attention maps cut to [maps, seqLen, seqLen]. */
export function unpadMaps(data: Float32Array, maps: number, bucket: number, seqLen: number): Float32Array {
  if (bucket === seqLen) return data;
  const out = new Float32Array(maps * seqLen * seqLen);
  for (let m = 0; m < maps; m++) {
    for (let i = 0; i < seqLen; i++) {
      const src = (m * bucket + i) * bucket;
      out.set(data.subarray(src, src + seqLen), (m * seqLen + i) * seqLen);
    }
  }
  return out;
}
