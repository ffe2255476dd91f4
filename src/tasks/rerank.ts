// Cross-encoder reranking, after sentence-transformers' CrossEncoder.rank: each (query, document) pair through
// the sequence classifier in padded batches, the logits through the model's activation, documents returned in
// score order with their index. The activation is the one sentence-transformers saved in config.json
// (sentence_transformers.activation_fn, or sbert_ce_default_activation_function), else its default: sigmoid
// for a one-label model, none otherwise; a model with several labels is scored by the softmax of one label
// (`label`, default the last: the "relevant" class of binary rerankers).
import { sigmoid, softmax, TaskError, type TaskModel } from './common.ts';
import { sequenceLogits } from './text-classification.ts';

export interface RerankOptions {
  /** How many documents to return (default all). */
  topK?: number;
  /** Pairs per forward (default 32). */
  batchSize?: number;
  /** With several labels: the label (name or index) whose probability is the score (default the last). */
  label?: string | number;
}

export interface RankedDocument {
  /** Position of the document in the input. */
  index: number;
  document: string;
  score: number;
}

const ACTIVATIONS: Record<string, (x: number) => number> = {
  'torch.nn.modules.activation.Sigmoid': sigmoid,
  'torch.nn.modules.linear.Identity': (x) => x,
  'torch.nn.modules.activation.Tanh': Math.tanh,
};

export async function rerank(model: TaskModel, query: string, documents: readonly string[], opts: RerankOptions = {}): Promise<RankedDocument[]> {
  if (typeof query !== 'string') throw new TaskError('rerank: the query must be a string');
  if (!Array.isArray(documents) || documents.length === 0 || !documents.every((d) => typeof d === 'string')) throw new TaskError('rerank: documents must be a non-empty array of strings');
  const k = opts.topK ?? documents.length;
  if (!Number.isInteger(k) || k < 1) throw new TaskError(`rerank: topK must be a positive integer, got ${JSON.stringify(opts.topK)}`);
  const logits = await sequenceLogits(model, documents.map((d) => [query, d] as const), { batchSize: opts.batchSize, what: 'rerank' });
  const L = model.config.numLabels;
  let score: (l: number[]) => number;
  if (L === 1) {
    const name = model.config.crossEncoderActivation ?? 'torch.nn.modules.activation.Sigmoid';
    const f = ACTIVATIONS[name];
    if (!f) throw new TaskError(`rerank: the model's activation_fn "${name}" is not supported (supported: ${Object.keys(ACTIVATIONS).join(', ')})`);
    score = (l) => f(l[0]);
  } else {
    const label = opts.label ?? L - 1;
    const j = typeof label === 'number' ? label : model.config.label2id[label];
    if (!Number.isInteger(j) || j < 0 || j >= L) throw new TaskError(`rerank: label ${JSON.stringify(label)} is not one of the model's labels (${model.config.id2label.join(', ')})`);
    score = (l) => softmax(l)[j];
  }
  const ranked = documents.map((document, index) => ({ index, document, score: score(logits[index]) }));
  ranked.sort((a, b) => b.score - a.score || a.index - b.index);
  return ranked.slice(0, k);
}
