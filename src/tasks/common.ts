// What every task shares: the model contract a task needs (EncoderModel and the float64 ReferenceModel both
// meet it, so the tests run each task on both), tokenizer batches as forward inputs, and the float64
// softmax / top-k the tasks' post-processing uses (transformers does it in numpy on the CPU too).
import type { ForwardInputs, ForwardOptions, ForwardResult } from '../runtime/model.ts';
import type { EncoderConfig } from '../families/config.ts';
import type { Encoding } from '../tokenizer/index.ts';
import type { Tokenizer } from '../tokenizer/index.ts';

/** The part of EncoderModel a task uses. */
export interface TaskModel {
  readonly config: EncoderConfig;
  readonly tokenizer: Tokenizer | undefined;
  /** 'sequence' or 'token' when the checkpoint has a classifier. */
  readonly classifier: 'sequence' | 'token' | undefined;
  readonly hasMlmHead: boolean;
  readonly hasQaHead: boolean;
  forward(inputs: ForwardInputs, opts?: ForwardOptions): Promise<ForwardResult>;
}

/** A task that this model or these arguments cannot run; the message says why in one line. */
export class TaskError extends Error {
  override name = 'TaskError';
}

export function requireTokenizer(model: TaskModel, task: string): Tokenizer {
  if (!model.tokenizer) throw new TaskError(`${task} needs a tokenizer, and this checkpoint has neither vocab.txt nor tokenizer.json`);
  return model.tokenizer;
}

/** Longest input the model takes: its position table, or less when the tokenizer says so. */
export function maxInputLength(model: TaskModel): number {
  return Math.min(model.config.maxSequenceLength, model.tokenizer?.modelMaxLength ?? Infinity);
}

/** Padded encodings (same length) as forward inputs. */
/** Inputs as tasks build them: rows of numbers. */
export interface RowInputs extends ForwardInputs {
  inputIds: number[][];
  attentionMask: number[][];
  tokenTypeIds: number[][];
  poolingMask?: number[][];
}

export function toInputs(encodings: readonly Encoding[]): RowInputs {
  return {
    inputIds: encodings.map((e) => e.inputIds),
    attentionMask: encodings.map((e) => e.attentionMask),
    tokenTypeIds: encodings.map((e) => e.tokenTypeIds),
  };
}

/** Softmax of x[offset .. offset + n) in float64, max-subtracted. */
export function softmax(x: ArrayLike<number>, offset = 0, n = x.length - offset): number[] {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, x[offset + i]);
  const e = Array.from({ length: n }, (_, i) => Math.exp(x[offset + i] - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Indices of the k largest scores, best first; ties keep the lower index first (as a stable sort). */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, Math.max(0, k));
}

/** k must be a positive integer (or, where allowed, null for "all"). */
export function checkTopK(k: unknown, task: string): void {
  if (!Number.isInteger(k) || (k as number) < 1) throw new TaskError(`${task}: topK must be a positive integer, got ${String(k)}`);
}
