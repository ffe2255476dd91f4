// A model family is one module: how its config.json reads (fields and defaults as `transformers` has them),
// its Hugging Face tensor names (backbone and every head), how it makes position ids, and which ops in
// which order its forward is. Everything below it (ops, planner, kernels, reference) is shared. Adding a
// family is one file plus its tests, and one line in index.ts.
import type { Graph } from '../graph/graph.ts';
import type { FeatureName } from '../kernels/attention-common.ts';
import type { Activation } from '../kernels/matmul.ts';
import type { PoolingMode, SentencePoolingMode } from '../kernels/pool.ts';
import type { ConfigReader, EncoderConfig } from './config.ts';
import type { Linear, TensorTable } from './weights.ts';

/** What a loaded checkpoint can compute besides the last hidden state. */
export interface Heads {
  pooler: boolean;
  /** Masked-language-model logits over the vocabulary. */
  mlm: boolean;
  /** A classifier of the whole sequence (first token) or of each token. */
  classifier?: 'sequence' | 'token';
  /** Extractive question answering: start and end logits per token. */
  qa: boolean;
  /** ELECTRA's discriminator: one replaced-token logit per token. */
  discriminator: boolean;
}

/** The outputs one forward asks for; a family adds the heads asked for that its weights have. */
export interface HeadRequest {
  pooler: boolean;
  logits: boolean;
  classifier: boolean;
  qa: boolean;
  discriminator: boolean;
  pooling?: { mode: PoolingMode; normalize: boolean };
  /** A sentence-transformers pipeline after the encoder (src/model/sentence.ts). */
  sentence?: { modes: SentencePoolingMode[]; dense: { linear: Linear; activation: Activation }[]; normalize: boolean };
}

export interface Family<C extends EncoderConfig = EncoderConfig, W = unknown> {
  name: string;
  /** config.json model_type values this family runs. */
  modelTypes: readonly string[];
  /** A family that shares another's model_type (Jina-BERT's "bert") takes the configs this says are its own. */
  claims?(c: ConfigReader): boolean;
  /** The architectures (head classes) it knows, for inferring the family and for messages. */
  architectures: readonly string[];
  parseConfig(c: ConfigReader, modelType: string): C;
  /** Takes the tensors of the backbone and of the heads out of the table (then the caller checks nothing is left). */
  loadWeights(config: C, t: TensorTable): W;
  heads(config: C, w: W): Heads;
  /** Position id of every token of a [batch, seqLen] batch of ids. */
  positionIds(config: C, ids: Uint32Array, batch: number, seqLen: number): Uint32Array;
  /** The attention position features its layers use (rotary, window, relative bias), so the model picks a
   * variant that takes them all; none when absent. */
  attentionFeatures?(config: C): FeatureName[];
  /** Adds the forward's ops to the graph and sets its outputs (hidden, and the heads asked for). */
  build(g: Graph, config: C, w: W, req: HeadRequest): void;
}

/** A family whose config and weight types are no longer visible: what the registry and the model hold. */
export type AnyFamily = Family<EncoderConfig, unknown>;

export function defineFamily<C extends EncoderConfig, W>(f: Family<C, W>): AnyFamily {
  return f as unknown as AnyFamily;
}

/** 0, 1, …, seqLen - 1 for every sequence: BERT's default position_ids. */
export function arangePositions(_config: EncoderConfig, _ids: Uint32Array, batch: number, seqLen: number): Uint32Array {
  const out = new Uint32Array(batch * seqLen);
  for (let b = 0; b < batch; b++) for (let s = 0; s < seqLen; s++) out[b * seqLen + s] = s;
  return out;
}
