// Text (and text-pair) classification, after transformers' TextClassificationPipeline: the sequence
// classifier's logits (one fused matmul on the pooler output, read back as [batch, labels]) through a
// softmax, or a sigmoid per label when the model has a single label or its config says
// problem_type "multi_label_classification" (transformers' rule; `functionToApply` overrides it), labels
// from the config's id2label, best first.
import type { TruncationStrategy } from '../tokenizer/index.ts';
import { checkTopK, maxInputLength, requireTokenizer, sigmoid, softmax, TaskError, toInputs, topK, type TaskModel } from './common.ts';

/** A text, or a [text, textPair] pair (encoded [CLS] text [SEP] pair [SEP], token types 0 then 1). */
export type ClassifyInput = string | readonly [string, string];

export interface ClassifyOptions {
  /** Labels returned per input, best first (default 1); null returns every label. */
  topK?: number | null;
  /** Inputs per forward in classifyBatch (default 32). */
  batchSize?: number;
  /** How logits become scores (transformers' function_to_apply); default from the config, as above. */
  functionToApply?: 'softmax' | 'sigmoid' | 'none';
}

/** transformers' default: sigmoid for multi-label configs and single-label heads, softmax otherwise. */
function defaultFunction(model: TaskModel): 'softmax' | 'sigmoid' {
  return model.config.problemType === 'multi_label_classification' || model.config.numLabels === 1 ? 'sigmoid' : 'softmax';
}

export interface LabelScore {
  label: string;
  score: number;
}

export async function classify(model: TaskModel, input: ClassifyInput, opts: ClassifyOptions = {}): Promise<LabelScore[]> {
  return (await classifyBatch(model, [input], opts))[0];
}

/** Several inputs, padded into one forward per batchSize; one result per input, in order. */
export async function classifyBatch(model: TaskModel, inputs: readonly ClassifyInput[], opts: ClassifyOptions = {}): Promise<LabelScore[][]> {
  requireTokenizer(model, 'classify');
  if (model.classifier !== 'sequence') {
    throw new TaskError(`classify needs a sequence classification head (a *ForSequenceClassification checkpoint); this checkpoint has ${model.classifier === 'token' ? 'a token classifier' : 'none'}`);
  }
  if (!Array.isArray(inputs) || inputs.length === 0) throw new TaskError('classify: inputs must be a non-empty array');
  const L = model.config.numLabels;
  const k = opts.topK === null ? L : opts.topK ?? 1;
  checkTopK(k, 'classify');
  const apply = opts.functionToApply ?? defaultFunction(model);
  if (apply !== 'softmax' && apply !== 'sigmoid' && apply !== 'none') {
    throw new TaskError(`classify: functionToApply must be 'softmax', 'sigmoid' or 'none', got ${JSON.stringify(apply)}`);
  }
  const results: LabelScore[][] = [];
  for (const logits of await sequenceLogits(model, inputs, { batchSize: opts.batchSize, what: 'classify' })) {
    const scores = apply === 'softmax' ? softmax(logits) : apply === 'sigmoid' ? logits.map(sigmoid) : logits;
    results.push(topK(scores, k).map((j) => ({ label: model.config.id2label[j], score: scores[j] })));
  }
  return results;
}

/**
 * The sequence classifier's logits of each input (a text or a pair), padded into one forward per batchSize
 * (default 32): [inputs][labels]. Pairs are truncated longest-first, or as `truncation` says.
 */
export async function sequenceLogits(
  model: TaskModel, inputs: readonly ClassifyInput[], o: { batchSize?: number; truncation?: TruncationStrategy; what: string },
): Promise<number[][]> {
  const tokenizer = requireTokenizer(model, o.what);
  if (model.classifier !== 'sequence') {
    throw new TaskError(`${o.what} needs a sequence classification head (a *ForSequenceClassification checkpoint); this checkpoint has ${model.classifier === 'token' ? 'a token classifier' : 'none'}`);
  }
  const batchSize = o.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TaskError(`${o.what}: batchSize must be a positive integer, got ${batchSize}`);
  const L = model.config.numLabels;
  const out: number[][] = [];
  for (let i = 0; i < inputs.length; i += batchSize) {
    const chunk = inputs.slice(i, i + batchSize);
    // encodeBatch takes strings and [text, pair] tuples alike (it tells them apart at run time).
    const encodings = tokenizer.encodeBatch(chunk as string[], { maxLength: maxInputLength(model), truncation: o.truncation ?? true });
    const r = await model.forward(toInputs(encodings), { hidden: false, pooler: false, logits: false, qa: false, classifier: true });
    for (let b = 0; b < chunk.length; b++) out.push(Array.from(r.classifierLogits!.subarray(b * L, (b + 1) * L)));
  }
  return out;
}
