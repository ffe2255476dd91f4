// Sentence embeddings and their cosine similarities. Pooling runs on the GPU (pool.wgsl) inside the same
// submit as the encoder, so a forward reads back [batch, width] and not the whole last hidden state.
// A sentence-transformers folder (modules.json) is run as sentence-transformers runs it (src/model/sentence.ts):
// its pooling modes, Dense modules and Normalize, max_seq_length, do_lower_case and prompts; `pooling` or
// `normalize` given explicitly override it. Without one: mean pooling over attended tokens (or the CLS token),
// optionally L2-normalised; transformers' own feature-extraction pipeline returns unpooled states.
import type { PoolingMode } from '../kernels/pool.ts';
import type { SentenceTransformerConfig } from '../model/sentence.ts';
import type { Encoding, Tokenizer } from '../tokenizer/index.ts';
import { maxInputLength, requireTokenizer, TaskError, toInputs, type RowInputs, type TaskModel } from './common.ts';

export interface FeatureExtractionOptions {
  /** 'mean' over the attended tokens or the 'cls' token's state: replaces a sentence-transformers pipeline
   * (default: the folder's pipeline, else 'mean'). */
  pooling?: PoolingMode;
  /** L2-normalise each vector (default: as the folder's pipeline says, else false). */
  normalize?: boolean;
  /** Texts per forward (default 32). */
  batchSize?: number;
  /** A prompt of the folder's config_sentence_transformers.json ('query', 'document'…), put before every text;
   * default its default_prompt_name. */
  promptName?: string;
  /** A prompt string put before every text (instead of promptName). */
  prompt?: string;
}

/** The sentence-transformers pipeline of a task model, when it has one. */
const sentenceOf = (model: TaskModel): SentenceTransformerConfig | undefined => (model as { sentence?: SentenceTransformerConfig }).sentence;

/**
 * Texts as a sentence-transformers pipeline feeds them: the prompt put before each (promptName from the
 * folder's prompts, default its default_prompt_name; or a literal prompt), lower-cased with do_lower_case,
 * stripped, truncated to min(model limit, max_seq_length), and with include_prompt false a pooling mask
 * without the prompt's tokens (the stripped prompt's encoding less a closing special token:
 * sentence-transformers' prompt_length).
 * `st` undefined: the texts as they are, truncated to `maxLength`.
 */
export function sentenceInputs(
  tokenizer: Tokenizer, st: SentenceTransformerConfig | undefined, texts: readonly string[],
  o: { maxLength: number; prompt?: string; promptName?: string; pipeline: boolean; what: string },
): { encodings: Encoding[]; inputs: RowInputs; prompt?: string } {
  let prompt = o.prompt;
  if (prompt === undefined) {
    const prompts = st?.prompts ?? {};
    if (o.promptName !== undefined && !Object.hasOwn(prompts, o.promptName)) {
      throw new TaskError(`${o.what}: no prompt named ${JSON.stringify(o.promptName)} (the model's prompts: ${Object.keys(prompts).map((p) => JSON.stringify(p)).join(', ') || 'none'})`);
    }
    const name = o.promptName ?? (o.pipeline ? st?.defaultPromptName : undefined);
    prompt = name === undefined ? undefined : prompts[name];
  }
  const pipe = o.pipeline ? st : undefined;
  // sentence-transformers' Transformer module strips each text (prompt included) before tokenizing it.
  const prepare = (t: string) => (pipe ? (pipe.doLowerCase ? t.toLowerCase() : t).trim() : t);
  const maxLength = Math.min(o.maxLength, pipe?.maxSeqLength ?? Infinity);
  const encodings = tokenizer.encodeBatch(texts.map((t) => prepare((prompt ?? '') + t)), { maxLength, truncation: true });
  const inputs = toInputs(encodings);
  let promptLength = 0;
  if (pipe && prompt && !pipe.pooling.includePrompt) {
    const p = tokenizer.encode(prepare(prompt), { maxLength, truncation: true });
    promptLength = p.inputIds.length - (p.specialTokensMask.at(-1) === 1 ? 1 : 0);
  }
  if (promptLength > 0) inputs.poolingMask = inputs.attentionMask!.map((row) => row.map((m, s) => (s < promptLength ? 0 : m)));
  return { encodings, inputs, prompt };
}

/** One vector per text, in order. Texts longer than the model (or max_seq_length) are truncated. */
export async function featureExtraction(model: TaskModel, texts: string | string[], opts: FeatureExtractionOptions = {}): Promise<number[][]> {
  const list = typeof texts === 'string' ? [texts] : texts;
  if (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === 'string')) throw new TaskError('featureExtraction: texts must be a string or a non-empty array of strings');
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TaskError(`featureExtraction: batchSize must be a positive integer, got ${batchSize}`);
  const out: number[][] = [];
  for (let i = 0; i < list.length; i += batchSize) {
    const { vectors, width } = await embedBatch(model, list.slice(i, i + batchSize), opts, 'featureExtraction');
    for (let b = 0; b < vectors.length / width; b++) out.push(Array.from(vectors.subarray(b * width, (b + 1) * width)));
  }
  return out;
}

/**
 * One padded forward of `texts` that reads back only their vectors ([texts * width]) and the count of real
 * tokens: the folder's sentence-transformers pipeline, or the pooling asked for.
 */
export async function embedBatch(model: TaskModel, texts: readonly string[], opts: FeatureExtractionOptions, what: string): Promise<{ vectors: Float32Array; width: number; tokens: number }> {
  const tokenizer = requireTokenizer(model, what);
  if (opts.pooling !== undefined && opts.pooling !== 'mean' && opts.pooling !== 'cls') throw new TaskError(`${what}: pooling must be 'mean' or 'cls', got ${JSON.stringify(opts.pooling)}`);
  const st = sentenceOf(model);
  const pipeline = Boolean(st) && opts.pooling === undefined;
  const { inputs } = sentenceInputs(tokenizer, st, texts, { maxLength: maxInputLength(model), prompt: opts.prompt, promptName: opts.promptName, pipeline, what });
  const r = await model.forward(inputs, {
    hidden: false, pooler: false, logits: false, classifier: false, qa: false,
    ...(pipeline ? { sentence: opts.normalize === undefined ? true : { normalize: opts.normalize } } : { pooling: { mode: opts.pooling ?? 'mean', normalize: Boolean(opts.normalize) } }),
  });
  const tokens = inputs.attentionMask!.reduce((n, row) => n + row.reduce((a, m) => a + m, 0), 0);
  return { vectors: r.embeddings!, width: r.embeddingSize!, tokens };
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
