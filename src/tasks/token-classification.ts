// Token classification (NER), after transformers' TokenClassificationPipeline: the token classifier's
// logits ([tokens, labels], one fused matmul on the last hidden state), a softmax per token, special
// tokens dropped, then either one entity per token ('none', transformers' default) or B-/I- runs merged
// ('simple'). Offsets are UTF-16 [start, end) indices into the original text, from the tokenizer, so they
// hold through lowercasing, accent stripping and CJK splitting: text.slice(start, end) is the span.
// One deliberate difference: a 'simple' group's `word` is that original span (transformers joins the
// normalised wordpieces, "café" -> "cafe"), so it always equals text.slice(start, end).
import type { Encoding } from '../tokenizer/index.ts';
import { maxInputLength, requireTokenizer, softmax, TaskError, toInputs, type TaskModel } from './common.ts';

export type Aggregation = 'none' | 'simple';

export interface TokenClassificationOptions {
  /** 'none' (default, as transformers): one entity per token; 'simple': B-/I- runs merged into groups. */
  aggregation?: Aggregation;
  /** Labels (or group labels) left out of the result (default ['O']). */
  ignoreLabels?: readonly string[];
}

/** One token ('none'). `word` is the wordpiece, or the original text of an unknown token. */
export interface TokenEntity {
  entity: string;
  score: number;
  /** Position of the token in the encoded input ([CLS] is 0). */
  index: number;
  word: string;
  start: number;
  end: number;
}

/** A merged run of tokens ('simple'): the label without its B-/I- prefix and the mean of the token scores. */
export interface EntityGroup {
  entity_group: string;
  score: number;
  word: string;
  start: number;
  end: number;
}

export function tokenClassification(model: TaskModel, text: string, opts?: TokenClassificationOptions & { aggregation?: 'none' }): Promise<TokenEntity[]>;
export function tokenClassification(model: TaskModel, text: string, opts: TokenClassificationOptions & { aggregation: 'simple' }): Promise<EntityGroup[]>;
export function tokenClassification(model: TaskModel, text: string, opts?: TokenClassificationOptions): Promise<TokenEntity[] | EntityGroup[]>;
export async function tokenClassification(model: TaskModel, text: string, opts: TokenClassificationOptions = {}): Promise<TokenEntity[] | EntityGroup[]> {
  const tokenizer = requireTokenizer(model, 'tokenClassification');
  if (model.classifier !== 'token') {
    throw new TaskError(`tokenClassification needs a token classification head (a *ForTokenClassification checkpoint); this checkpoint has ${model.classifier === 'sequence' ? 'a sequence classifier' : 'none'}`);
  }
  const aggregation = opts.aggregation ?? 'none';
  if (aggregation !== 'none' && aggregation !== 'simple') throw new TaskError(`tokenClassification: aggregation must be 'none' or 'simple', got ${JSON.stringify(aggregation)}`);
  const enc = tokenizer.encode(text, { maxLength: maxInputLength(model), truncation: true });
  const r = await model.forward(toInputs([enc]), { hidden: false, pooler: false, logits: false, qa: false, classifier: true });
  const tokens = tokenEntities(text, enc, r.classifierLogits!, model.config.id2label, tokenizer.unkTokenId);
  const ignore = new Set(opts.ignoreLabels ?? ['O']);
  if (aggregation === 'none') return tokens.filter((t) => !ignore.has(t.entity));
  return groupEntities(text, tokens).filter((g) => !ignore.has(g.entity_group));
}

/** Every non-special token with its best label and that label's probability (transformers' 'none'), unfiltered. */
export function tokenEntities(text: string, enc: Encoding, logits: ArrayLike<number>, id2label: readonly string[], unkTokenId: number | undefined): TokenEntity[] {
  const L = id2label.length;
  const out: TokenEntity[] = [];
  enc.inputIds.forEach((id, index) => {
    if (enc.sequenceIds[index] === null) return; // [CLS], [SEP], padding
    const probs = softmax(logits, index * L, L);
    let best = 0;
    for (let j = 1; j < L; j++) if (probs[j] > probs[best]) best = j;
    const [start, end] = enc.offsets[index];
    out.push({ entity: id2label[best], score: probs[best], index, word: id === unkTokenId ? text.slice(start, end) : enc.tokens[index], start, end });
  });
  return out;
}

/** transformers' get_tag: B-X and I-X give X; any other label is its own tag, continuing like I-. */
function tagOf(label: string): { begins: boolean; tag: string } {
  if (label.startsWith('B-')) return { begins: true, tag: label.slice(2) };
  if (label.startsWith('I-')) return { begins: false, tag: label.slice(2) };
  return { begins: false, tag: label };
}

/**
 * transformers' group_entities ('simple'): a token joins the open group when its tag equals the previous
 * token's and it is not a B-; otherwise it opens a new group. A group is named after its first label
 * without the prefix (`split("-", 1)[-1]`), scored by the mean of its tokens' scores, and spans from its
 * first token's start to its last token's end.
 */
export function groupEntities(text: string, tokens: readonly TokenEntity[]): EntityGroup[] {
  const groups: EntityGroup[] = [];
  let open: TokenEntity[] = [];
  const close = () => {
    if (open.length === 0) return;
    const first = open[0].entity;
    const dash = first.indexOf('-');
    const start = open[0].start;
    const end = open[open.length - 1].end;
    groups.push({
      entity_group: dash < 0 ? first : first.slice(dash + 1),
      score: open.reduce((s, t) => s + t.score, 0) / open.length,
      word: text.slice(start, end),
      start,
      end,
    });
    open = [];
  };
  for (const t of tokens) {
    const cur = tagOf(t.entity);
    if (open.length > 0 && (cur.begins || cur.tag !== tagOf(open[open.length - 1].entity).tag)) close();
    open.push(t);
  }
  close();
  return groups;
}
