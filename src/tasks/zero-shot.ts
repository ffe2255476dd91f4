// Zero-shot classification over an NLI checkpoint, after transformers' ZeroShotClassificationPipeline: each
// text paired with every candidate label put into the hypothesis template ("This example is {}."), the pairs
// through the sequence classifier (truncating the text only), then
//   single-label: a softmax over the labels' entailment logits;
//   multiLabel (and for one candidate): per label, a softmax over its [contradiction, entailment] logits.
// The entailment class is the first label2id name starting with "entail" (case-insensitive); contradiction is
// class 0, or -1 (the last) when entailment is 0, as transformers takes it.
import { softmax, TaskError, type TaskModel } from './common.ts';
import { sequenceLogits } from './text-classification.ts';

export interface ZeroShotOptions {
  /** A template with one `{}` for the label (default "This example is {}."). */
  hypothesisTemplate?: string;
  /** Labels scored independently (default false: they compete). */
  multiLabel?: boolean;
  /** Pairs per forward (default 32). */
  batchSize?: number;
}

export interface ZeroShotResult {
  sequence: string;
  /** Best first. */
  labels: string[];
  scores: number[];
}

export async function zeroShotClassification(model: TaskModel, texts: string | readonly string[], candidateLabels: readonly string[], opts: ZeroShotOptions = {}): Promise<ZeroShotResult[]> {
  const list = typeof texts === 'string' ? [texts] : texts;
  if (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === 'string')) throw new TaskError('zeroShotClassification: texts must be a string or a non-empty array of strings');
  if (!Array.isArray(candidateLabels) || candidateLabels.length === 0 || !candidateLabels.every((l) => typeof l === 'string' && l.length > 0)) {
    throw new TaskError('zeroShotClassification: candidateLabels must be a non-empty array of non-empty strings');
  }
  const template = opts.hypothesisTemplate ?? 'This example is {}.';
  if (!template.includes('{}')) throw new TaskError(`zeroShotClassification: the hypothesis template ${JSON.stringify(template)} has no {} for the label`);
  const entailment = Object.entries(model.config.label2id).find(([name]) => name.toLowerCase().startsWith('entail'))?.[1];
  if (entailment === undefined || entailment < 0 || entailment >= model.config.numLabels) {
    throw new TaskError(`zeroShotClassification needs an NLI model: no label2id name starts with "entail" (labels: ${Object.keys(model.config.label2id).join(', ')})`);
  }
  const contradiction = entailment === 0 ? model.config.numLabels - 1 : 0;
  const hypotheses = candidateLabels.map((l) => template.replace('{}', l));
  const pairs = list.flatMap((t) => hypotheses.map((h) => [t, h] as const));
  const logits = await sequenceLogits(model, pairs, { batchSize: opts.batchSize, truncation: 'only_first', what: 'zeroShotClassification' });
  const multi = Boolean(opts.multiLabel) || candidateLabels.length === 1;
  const C = candidateLabels.length;
  return list.map((sequence, t) => {
    const rows = logits.slice(t * C, (t + 1) * C);
    const scores = multi ? rows.map((r) => softmax([r[contradiction], r[entailment]])[1]) : softmax(rows.map((r) => r[entailment]));
    const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
    return { sequence, labels: order.map((i) => candidateLabels[i]), scores: order.map((i) => scores[i]) };
  });
}
