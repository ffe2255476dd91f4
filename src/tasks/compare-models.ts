// How far one model (or one weight storage of it) is from another on the same inputs: cosine similarity of
// mean-pooled embeddings, relative error of the hidden states over attended tokens, and, when both have an
// MLM head, how often their top-1 predictions agree at masked positions (every 4th non-special token
// masked). Both models must share the tokenizer's vocabulary (a model against its quantized or half copy).
import { toInputs, TaskError, type TaskModel } from './common.ts';

export interface ModelComparison {
  texts: number;
  tokens: number;
  pooledCosine: { min: number; mean: number };
  /** max over attended tokens of ||a_t - b_t|| / ||b_t||. */
  hiddenMaxRelError: number;
  /** ||a - b|| / ||b|| over every attended token. */
  hiddenRelL2: number;
  mlmTop1?: { masked: number; agreeing: number; rate: number };
}

/** A few English sentences of ordinary vocabulary, the default inputs. */
export const COMPARE_TEXTS = [
  'The quick brown fox jumps over the lazy dog.', 'A man is playing a guitar on the street.',
  'The weather is cold and the river is frozen.', 'She read the book in one night.',
  'Stock prices fell sharply after the announcement.', 'The children played in the park until dark.',
  'He drove to the city to see his brother.', 'The cat sat on the mat and looked at the door.',
  'Scientists found water on the surface of the moon.', 'The team won the game in the last minute.',
  'We walked along the beach at sunset.', 'The museum is closed on Monday.',
  'Please send me the report by Friday.', 'The old house at the end of the road was empty.',
  'Music filled the room as the guests arrived.', 'The train was late because of the snow.',
];

export async function compareModels(a: TaskModel, b: TaskModel, texts: readonly string[] = COMPARE_TEXTS): Promise<ModelComparison> {
  const tokenizer = a.tokenizer ?? b.tokenizer;
  if (!tokenizer) throw new TaskError('compare needs a tokenizer in one of the two checkpoints');
  if (a.config.vocabSize !== b.config.vocabSize || a.config.hiddenSize !== b.config.hiddenSize) {
    throw new TaskError(`compare needs models of one shape: vocab ${a.config.vocabSize} vs ${b.config.vocabSize}, hidden ${a.config.hiddenSize} vs ${b.config.hiddenSize}`);
  }
  if (texts.length === 0) throw new TaskError('compare needs at least one text');
  const maxLength = Math.min(a.config.maxSequenceLength, b.config.maxSequenceLength, tokenizer.modelMaxLength ?? Infinity);
  const encodings = tokenizer.encodeBatch([...texts], { maxLength, truncation: true });
  const inputs = toInputs(encodings);
  const opts = { pooler: false, logits: false, classifier: false, qa: false } as const;
  const [ra, rb] = [await a.forward(inputs, opts), await b.forward(inputs, opts)];
  const S = encodings[0].inputIds.length;
  const H = a.config.hiddenSize;
  const cos: number[] = [];
  let [worst, diff2, ref2, tokens] = [0, 0, 0, 0];
  encodings.forEach((e, i) => {
    const pa = new Float64Array(H);
    const pb = new Float64Array(H);
    let n = 0;
    e.attentionMask.forEach((m, s) => {
      if (!m) return;
      n++;
      let [d, r] = [0, 0];
      for (let h = 0; h < H; h++) {
        const [x, y] = [ra.lastHiddenState[(i * S + s) * H + h], rb.lastHiddenState[(i * S + s) * H + h]];
        pa[h] += x;
        pb[h] += y;
        d += (x - y) ** 2;
        r += y * y;
      }
      worst = Math.max(worst, Math.sqrt(d / r));
      diff2 += d;
      ref2 += r;
    });
    tokens += n;
    let [dot, na, nb] = [0, 0, 0];
    for (let h = 0; h < H; h++) {
      dot += pa[h] * pb[h];
      na += pa[h] * pa[h];
      nb += pb[h] * pb[h];
    }
    cos.push(dot / Math.sqrt(na * nb));
  });
  const result: ModelComparison = {
    texts: texts.length, tokens,
    pooledCosine: { min: Math.min(...cos), mean: cos.reduce((x, y) => x + y, 0) / cos.length },
    hiddenMaxRelError: worst, hiddenRelL2: Math.sqrt(diff2 / ref2),
  };
  if (a.hasMlmHead && b.hasMlmHead && tokenizer.maskTokenId !== undefined) result.mlmTop1 = await top1(a, b, encodings.map((e) => e), tokenizer.maskTokenId);
  return result;
}

async function top1(a: TaskModel, b: TaskModel, encodings: Parameters<typeof toInputs>[0], mask: number): Promise<ModelComparison['mlmTop1']> {
  const masked = encodings.map((e) => ({ ...e, inputIds: [...e.inputIds] }));
  const at: [number, number][] = [];
  masked.forEach((e, i) => {
    let seen = 0;
    e.inputIds.forEach((_, s) => {
      if (e.specialTokensMask[s] || !e.attentionMask[s]) return;
      if (seen++ % 4 === 1) {
        e.inputIds[s] = mask;
        at.push([i, s]);
      }
    });
  });
  const inputs = toInputs(masked);
  const opts = { hidden: false, pooler: false, classifier: false, qa: false, logits: true, logitsAt: at } as const;
  const [la, lb] = [(await a.forward(inputs, opts)).logitsAt!, (await b.forward(inputs, opts)).logitsAt!];
  const V = a.config.vocabSize;
  const argmax = (rows: Float32Array, r: number) => {
    let best = 0;
    for (let v = 1; v < V; v++) if (rows[r * V + v] > rows[r * V + best]) best = v;
    return best;
  };
  let agreeing = 0;
  for (let r = 0; r < at.length; r++) if (argmax(la, r) === argmax(lb, r)) agreeing++;
  return { masked: at.length, agreeing, rate: at.length ? agreeing / at.length : 1 };
}
