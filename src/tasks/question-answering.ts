// Extractive question answering, after transformers' QuestionAnsweringPipeline (fast-tokenizer path):
//  - [CLS] question [SEP] context-window [SEP]; a context longer than the window is split into windows
//    that overlap by `docStride` tokens (the `tokenizers` overflow rule: window w starts at
//    w * (window - docStride), and the last window is the first to reach the end);
//  - per window, start and end logits (one fused [tokens, 2] matmul) get a softmax in which only context
//    tokens and [CLS] take part (others at -10000, as transformers), then [CLS] is zeroed;
//  - a span (s, e) scores p_start(s) * p_end(e) with s <= e < s + maxAnswerLength, context tokens only;
//  - the top k of each window are pooled and the best k overall returned (like transformers, the same span
//    found in two overlapping windows can appear twice);
//  - character offsets come from the tokenizer and are widened to whole words (align_to_words).
import type { Encoding } from '../tokenizer/index.ts';
import { checkTopK, maxInputLength, requireTokenizer, softmax, TaskError, type TaskModel } from './common.ts';

export interface QuestionAnsweringOptions {
  /** Answers returned, best first (default 1). */
  topK?: number;
  /** Longest answer in tokens (default 15). */
  maxAnswerLength?: number;
  /** Tokens per window, specials included (default min(384, the model's limit)). */
  maxSeqLength?: number;
  /** Tokens shared by consecutive windows (default min(maxSeqLength / 2, 128), rounded down). */
  docStride?: number;
  /** Also offer the empty answer, scored p_start([CLS]) * p_end([CLS]) of the window where it is lowest (default false). */
  handleImpossibleAnswer?: boolean;
  /** Windows per forward (default 16). */
  batchSize?: number;
}

export interface Answer {
  answer: string;
  score: number;
  /** UTF-16 [start, end) into the context: context.slice(start, end) === answer. */
  start: number;
  end: number;
}

/** [first, last) context-token ranges of the windows (see the header). */
export function qaWindows(contextTokens: number, window: number, docStride: number): [number, number][] {
  if (contextTokens <= window) return [[0, contextTokens]];
  if (docStride >= window) throw new TaskError(`questionAnswering: docStride ${docStride} must be smaller than the ${window} context tokens a window holds`);
  const out: [number, number][] = [];
  for (let start = 0; ; start += window - docStride) {
    const stop = Math.min(start + window, contextTokens);
    out.push([start, stop]);
    if (stop === contextTokens) return out;
  }
}

export interface Span { start: number; end: number; score: number }

/**
 * transformers' decode_spans over one window: the k best (start, end) token pairs with start <= end <
 * start + maxAnswerLength by p_start * p_end (ties: lower start, then lower end, first), then those whose
 * start and end are both `allowed` kept.
 */
export function decodeSpans(pStart: readonly number[], pEnd: readonly number[], k: number, maxAnswerLength: number, allowed: readonly boolean[]): Span[] {
  const spans: Span[] = [];
  for (let s = 0; s < pStart.length; s++) {
    for (let e = s; e < Math.min(pEnd.length, s + maxAnswerLength); e++) spans.push({ start: s, end: e, score: pStart[s] * pEnd[e] });
  }
  spans.sort((a, b) => b.score - a.score || a.start - b.start || a.end - b.end);
  return spans.slice(0, k).filter((sp) => allowed[sp.start] && allowed[sp.end]);
}

/** Word index of each token: a `##` piece that touches the previous token continues its word. */
function wordIds(enc: Encoding): number[] {
  const ids: number[] = [];
  enc.tokens.forEach((t, i) => {
    const continues = i > 0 && t.startsWith('##') && enc.offsets[i - 1][1] === enc.offsets[i][0];
    ids.push(i === 0 ? 0 : ids[i - 1] + (continues ? 0 : 1));
  });
  return ids;
}

export async function questionAnswering(model: TaskModel, question: string, context: string, opts: QuestionAnsweringOptions = {}): Promise<Answer[]> {
  const tokenizer = requireTokenizer(model, 'questionAnswering');
  if (!model.hasQaHead) throw new TaskError('questionAnswering needs a question answering head (a *ForQuestionAnswering checkpoint)');
  if (typeof question !== 'string' || question.trim() === '') throw new TaskError('questionAnswering: the question cannot be empty');
  if (typeof context !== 'string' || context.trim() === '') throw new TaskError('questionAnswering: the context cannot be empty');
  const { clsTokenId: cls, sepTokenId: sep } = tokenizer;
  if (cls === undefined || sep === undefined) throw new TaskError('questionAnswering: the tokenizer has no [CLS] or [SEP] token');
  const k = opts.topK ?? 1;
  checkTopK(k, 'questionAnswering');
  const maxAnswerLength = opts.maxAnswerLength ?? 15;
  checkTopK(maxAnswerLength, 'questionAnswering (maxAnswerLength)');
  const maxSeqLength = opts.maxSeqLength ?? Math.min(384, maxInputLength(model));
  if (!Number.isInteger(maxSeqLength) || maxSeqLength < 4 || maxSeqLength > maxInputLength(model)) {
    throw new TaskError(`questionAnswering: maxSeqLength must be an integer in [4, ${maxInputLength(model)}], got ${maxSeqLength}`);
  }
  const docStride = opts.docStride ?? Math.min(Math.floor(maxSeqLength / 2), 128);
  if (!Number.isInteger(docStride) || docStride < 0) throw new TaskError(`questionAnswering: docStride must be a non-negative integer, got ${docStride}`);
  const batchSize = opts.batchSize ?? 16;
  checkTopK(batchSize, 'questionAnswering (batchSize)');

  const q = tokenizer.encode(question, { addSpecialTokens: false });
  const c = tokenizer.encode(context, { addSpecialTokens: false });
  const window = maxSeqLength - q.inputIds.length - 3;
  if (window < 1) throw new TaskError(`questionAnswering: the question (${q.inputIds.length} tokens) leaves no room for context in ${maxSeqLength} tokens`);
  const windows = qaWindows(c.inputIds.length, window, docStride);
  const words = wordIds(c);
  const head = [cls, ...q.inputIds, sep];
  const seqLen = head.length + Math.max(...windows.map(([a, b]) => b - a)) + 1;

  const answers: Answer[] = [];
  let nullScore = Infinity;
  for (let w0 = 0; w0 < windows.length; w0 += batchSize) {
    const chunk = windows.slice(w0, w0 + batchSize);
    const pad = (row: number[], fill: number) => [...row, ...new Array<number>(seqLen - row.length).fill(fill)];
    const inputs = {
      inputIds: chunk.map(([a, b]) => pad([...head, ...c.inputIds.slice(a, b), sep], tokenizer.padTokenId ?? 0)),
      tokenTypeIds: chunk.map(([a, b]) => pad([...head.map(() => 0), ...new Array<number>(b - a + 1).fill(1)], 0)),
      attentionMask: chunk.map(([a, b]) => pad(new Array<number>(head.length + b - a + 1).fill(1), 0)),
    };
    const r = await model.forward(inputs, { hidden: false, pooler: false, logits: false, classifier: false, qa: true });
    chunk.forEach(([a, b], i) => {
      // Token t of the window is context token a + t - head.length when head.length <= t < head.length + b - a.
      const allowed = Array.from({ length: seqLen }, (_, t) => t === 0 || (t >= head.length && t < head.length + b - a));
      const masked = (x: Float32Array) => Array.from({ length: seqLen }, (_, t) => (allowed[t] ? x[i * seqLen + t] : -10000));
      const pStart = softmax(masked(r.startLogits!));
      const pEnd = softmax(masked(r.endLogits!));
      nullScore = Math.min(nullScore, pStart[0] * pEnd[0]);
      pStart[0] = 0;
      pEnd[0] = 0;
      for (const sp of decodeSpans(pStart, pEnd, k, maxAnswerLength, allowed)) {
        const [first, last] = [a + sp.start - head.length, a + sp.end - head.length];
        if (first < a || last < a) continue; // [CLS]: only reachable with a zero score
        // Widen to whole words, within this window's tokens (tokenizers' word_to_chars on the window).
        let lo = first;
        while (lo > a && words[lo - 1] === words[first]) lo--;
        let hi = last;
        while (hi + 1 < b && words[hi + 1] === words[last]) hi++;
        const start = c.offsets[lo][0];
        const end = c.offsets[hi][1];
        answers.push({ answer: context.slice(start, end), score: sp.score, start, end });
      }
    });
  }
  if (opts.handleImpossibleAnswer) answers.push({ answer: '', score: nullScore, start: 0, end: 0 });
  answers.sort((x, y) => y.score - x.score);
  return answers.slice(0, k);
}
