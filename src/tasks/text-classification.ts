// Text (and text-pair) classification, after transformers' TextClassificationPipeline: the sequence
// classifier's logits (one fused matmul on the pooler output, read back as [batch, labels]) through a
// softmax (a sigmoid when the model has a single label), labels from the config's id2label, best first.
import { checkTopK, maxInputLength, requireTokenizer, sigmoid, softmax, TaskError, toInputs, topK, type TaskModel } from './common.ts';

/** A text, or a [text, textPair] pair (encoded [CLS] text [SEP] pair [SEP], token types 0 then 1). */
export type ClassifyInput = string | readonly [string, string];

export interface ClassifyOptions {
  /** Labels returned per input, best first (default 1); null returns every label. */
  topK?: number | null;
  /** Inputs per forward in classifyBatch (default 32). */
  batchSize?: number;
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
  const tokenizer = requireTokenizer(model, 'classify');
  if (model.classifier !== 'sequence') {
    throw new TaskError(`classify needs a sequence classification head (BertForSequenceClassification); this checkpoint has ${model.classifier === 'token' ? 'a token classifier' : 'none'}`);
  }
  if (!Array.isArray(inputs) || inputs.length === 0) throw new TaskError('classify: inputs must be a non-empty array');
  const L = model.config.numLabels;
  const k = opts.topK === null ? L : opts.topK ?? 1;
  checkTopK(k, 'classify');
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TaskError(`classify: batchSize must be a positive integer, got ${batchSize}`);
  const results: LabelScore[][] = [];
  for (let i = 0; i < inputs.length; i += batchSize) {
    const chunk = inputs.slice(i, i + batchSize);
    // encodeBatch takes strings and [text, pair] tuples alike (it tells them apart at run time).
    const encodings = tokenizer.encodeBatch(chunk as string[], { maxLength: maxInputLength(model), truncation: true });
    const r = await model.forward(toInputs(encodings), { hidden: false, pooler: false, logits: false, qa: false, classifier: true });
    for (let b = 0; b < chunk.length; b++) {
      const scores = L === 1 ? [sigmoid(r.classifierLogits![b])] : softmax(r.classifierLogits!, b * L, L);
      results.push(topK(scores, k).map((j) => ({ label: model.config.id2label[j], score: scores[j] })));
    }
  }
  return results;
}
