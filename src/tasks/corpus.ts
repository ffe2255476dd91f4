// Embedding a corpus of any size: texts are read a window at a time, sorted by token length within the
// window, cut into batches of about `batchTokens` padded tokens (batch x longest in the batch), padded only to
// the longest of their batch, embedded (featureExtraction's pipeline: a sentence-transformers folder's own, or
// the pooling asked for), and yielded back in input order. Memory holds one window of texts and vectors,
// whatever the corpus size; the model's plan cache (a few (batch, length) shapes) is bounded too.
import { embedBatch, type FeatureExtractionOptions } from './feature-extraction.ts';
import { maxInputLength, requireTokenizer, TaskError, type TaskModel } from './common.ts';

export interface CorpusOptions extends Omit<FeatureExtractionOptions, 'batchSize'> {
  /** Padded tokens per forward (texts x the batch's longest), default 8192. */
  batchTokens?: number;
  /** Texts read ahead and sorted together (default 4096): what bounds memory. */
  window?: number;
  /** false: batches of consecutive texts, each padded to its longest (what bucketing saves, for comparison). */
  bucketing?: boolean;
  /** After each batch: texts and real tokens embedded so far, and the time since the start. */
  onProgress?: (p: CorpusProgress) => void;
}

export interface CorpusProgress { texts: number; tokens: number; elapsedMs: number }

export interface CorpusVector {
  /** Position of the text in the input. */
  index: number;
  embedding: Float32Array;
}

/** The most texts one forward takes (bounds the plan shapes and the readback). */
const MAX_BATCH = 256;

export async function* embedCorpus(model: TaskModel, texts: Iterable<string> | AsyncIterable<string>, opts: CorpusOptions = {}): AsyncGenerator<CorpusVector> {
  const tokenizer = requireTokenizer(model, 'embedCorpus');
  const batchTokens = opts.batchTokens ?? 8192;
  const window = opts.window ?? 4096;
  if (!Number.isInteger(batchTokens) || batchTokens < 1) throw new TaskError(`embedCorpus: batchTokens must be a positive integer, got ${batchTokens}`);
  if (!Number.isInteger(window) || window < 1) throw new TaskError(`embedCorpus: window must be a positive integer, got ${window}`);
  const maxLength = maxInputLength(model);
  const started = performance.now();
  const done = { texts: 0, tokens: 0 };
  let base = 0;
  let pending: string[] = [];

  async function* flush(): AsyncGenerator<CorpusVector> {
    // Token counts as the batch will see them (no prompt: it adds the same to every text of a window).
    const lengths = pending.map((t) => Math.min(tokenizer.encode(t).inputIds.length, maxLength));
    const order = pending.map((_, i) => i);
    if (opts.bucketing !== false) order.sort((a, b) => lengths[a] - lengths[b] || a - b);
    const vectors: (Float32Array | undefined)[] = new Array(pending.length);
    for (let i = 0; i < order.length;) {
      // Grow the batch while its padded size (texts x longest, in the model's buckets of 8) stays in budget.
      let j = i + 1;
      let longest = lengths[order[i]];
      while (j < order.length && j - i < MAX_BATCH) {
        const next = Math.max(longest, lengths[order[j]]);
        if ((j - i + 1) * Math.ceil(next / 8) * 8 > batchTokens) break;
        longest = next;
        j++;
      }
      const ids = order.slice(i, j);
      const r = await embedBatch(model, ids.map((k) => pending[k]), opts, 'embedCorpus');
      ids.forEach((k, b) => { vectors[k] = r.vectors.slice(b * r.width, (b + 1) * r.width); });
      done.texts += ids.length;
      done.tokens += r.tokens;
      opts.onProgress?.({ ...done, elapsedMs: performance.now() - started });
      i = j;
    }
    for (let k = 0; k < pending.length; k++) yield { index: base + k, embedding: vectors[k]! };
    base += pending.length;
    pending = [];
  }

  for await (const t of texts as AsyncIterable<string>) {
    if (typeof t !== 'string') throw new TaskError(`embedCorpus: text ${base + pending.length} is not a string`);
    pending.push(t);
    if (pending.length === window) yield* flush();
  }
  if (pending.length) yield* flush();
}
