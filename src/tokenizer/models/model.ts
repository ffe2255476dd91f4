// What a tokenizer model is to the pipeline: one word (a split's normalized chars) in, tokens out, each
// [start, end) in those chars; and its vocabulary both ways.
import { checkCount, tokenizerLimits } from '../limits.ts';
import type { Token } from '../pre-tokenizers.ts';

export interface Model {
  tokenize(chars: readonly string[]): Token[];
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  /** Entries in the vocabulary (tokenizers' get_vocab_size, not the largest id + 1). */
  readonly vocabSize: number;
  /** The largest id (the vocabulary may have holes). */
  readonly maxId: number;
  readonly unkToken: string | undefined;
}

/** The lookups of a model with a {token: id} vocabulary (WordPiece, BPE, WordLevel). */
export abstract class VocabModel implements Model {
  protected readonly ids: Map<number, string>;
  abstract readonly unkToken: string | undefined;

  constructor(protected readonly vocab: Map<string, number>) {
    this.ids = reverse(vocab);
  }

  abstract tokenize(chars: readonly string[]): Token[];

  get vocabSize(): number {
    return this.vocab.size;
  }

  get maxId(): number {
    let max = -1;
    for (const id of this.vocab.values()) max = Math.max(max, id);
    return max;
  }

  tokenToId(t: string): number | undefined {
    return this.vocab.get(t);
  }

  idToToken(id: number): string | undefined {
    return this.ids.get(id);
  }
}

/** A vocabulary read from tokenizer.json ({token: id}), checked. */
export function vocabFromJson(v: unknown, what: string): Map<string, number> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what} vocab must be an object of token -> id`);
  let count = 0; // counted before anything is built: a huge vocabulary fails in milliseconds
  for (const _ in v) if (++count > tokenizerLimits().maxVocabSize) break;
  checkCount(count, 'maxVocabSize', `${what} vocab`);
  const vocab = new Map<string, number>();
  for (const [tok, id] of Object.entries(v)) {
    if (!Number.isInteger(id) || (id as number) < 0) throw new Error(`${what} vocab id of ${JSON.stringify(tok)} is not a non-negative integer`);
    vocab.set(tok, id as number);
  }
  return vocab;
}

export function reverse(vocab: ReadonlyMap<string, number>): Map<number, string> {
  const r = new Map<number, string>();
  for (const [t, id] of vocab) r.set(id, t);
  return r;
}
