// Sentence embeddings and their cosine similarities. Pooling runs on the GPU (pool.wgsl) inside the same
// submit as the encoder, so a forward reads back [batch, hidden] and not the whole last hidden state.
// Conventions of sentence-transformers: mean pooling over attended tokens (or the CLS token), then
// optional L2 normalisation; transformers' own feature-extraction pipeline returns unpooled states.
import type { PoolingMode } from '../kernels/pool.ts';
import { maxInputLength, requireTokenizer, TaskError, toInputs, type TaskModel } from './common.ts';

export interface FeatureExtractionOptions {
  /** 'mean' over the attended tokens (default) or the 'cls' token's state. */
  pooling?: PoolingMode;
  /** L2-normalise each vector (default false). */
  normalize?: boolean;
  /** Texts per forward (default 32). */
  batchSize?: number;
}

/** One vector of `hidden` numbers per text, in order. Texts longer than the model are truncated. */
export async function featureExtraction(model: TaskModel, texts: string | string[], opts: FeatureExtractionOptions = {}): Promise<number[][]> {
  const tokenizer = requireTokenizer(model, 'featureExtraction');
  const list = typeof texts === 'string' ? [texts] : texts;
  if (!Array.isArray(list) || list.length === 0) throw new TaskError('featureExtraction: texts must be a string or a non-empty array of strings');
  const mode = opts.pooling ?? 'mean';
  if (mode !== 'mean' && mode !== 'cls') throw new TaskError(`featureExtraction: pooling must be 'mean' or 'cls', got ${JSON.stringify(mode)}`);
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TaskError(`featureExtraction: batchSize must be a positive integer, got ${batchSize}`);
  const H = model.config.hiddenSize;
  const out: number[][] = [];
  for (let i = 0; i < list.length; i += batchSize) {
    const encodings = tokenizer.encodeBatch(list.slice(i, i + batchSize), { maxLength: maxInputLength(model), truncation: true });
    const r = await model.forward(toInputs(encodings), {
      hidden: false, pooler: false, logits: false, classifier: false, qa: false,
      pooling: { mode, normalize: Boolean(opts.normalize) },
    });
    for (let b = 0; b < encodings.length; b++) out.push(Array.from(r.embeddings!.subarray(b * H, (b + 1) * H)));
  }
  return out;
}

/** Cosine similarity in float64; 0 when either vector is zero. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

export interface SimilarityResult {
  /** L2-normalised embeddings, one per text. */
  embeddings: number[][];
  /** matrix[i][j]: cosine similarity of texts i and j; symmetric, ones on the diagonal. */
  matrix: number[][];
}

/** Pairwise cosine similarities of the texts' normalised embeddings. */
export async function similarity(model: TaskModel, texts: string[], opts: Omit<FeatureExtractionOptions, 'normalize'> = {}): Promise<SimilarityResult> {
  const embeddings = await featureExtraction(model, texts, { ...opts, normalize: true });
  const n = embeddings.length;
  const matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const c = cosineSimilarity(embeddings[i], embeddings[j]);
      matrix[i][j] = c;
      matrix[j][i] = c;
    }
  }
  return { embeddings, matrix };
}
