// How large a tokenizer.json may be before it is refused: anyone can edit one, and a file with millions of
// vocabulary entries or Sequences nested without end costs gigabytes and minutes before anything fails. The
// defaults sit well above real tokenizers (XLM-V: 901,629 pieces; Gemma: 262,144; Sequences nest 1-2 deep
// with a handful of steps) and are settable for the unusual file.
import { TokenizerError } from './errors.ts';

export interface TokenizerLimits {
  /** Entries of a model's vocabulary (WordPiece, BPE, WordLevel, Unigram). */
  maxVocabSize: number;
  /** BPE merges. */
  maxMerges: number;
  /** Entries of added_tokens. */
  maxAddedTokens: number;
  /** Sequence pieces inside Sequence pieces (normalizer, pre_tokenizer, post_processor, decoder). */
  maxSequenceDepth: number;
  /** Steps of all the Sequences of one stage together. */
  maxSequenceSteps: number;
}

export const DEFAULT_TOKENIZER_LIMITS: Readonly<TokenizerLimits> = Object.freeze({
  maxVocabSize: 2_097_152,
  maxMerges: 2_097_152,
  maxAddedTokens: 131_072,
  maxSequenceDepth: 8,
  maxSequenceSteps: 256,
});

let current: Readonly<TokenizerLimits> = DEFAULT_TOKENIZER_LIMITS;

/** The limits tokenizers are read with now. */
export function tokenizerLimits(): Readonly<TokenizerLimits> {
  return current;
}

/** Changes some limits for every tokenizer read from now on (undefined fields keep theirs); returns the previous ones. */
export function setTokenizerLimits(limits: Partial<TokenizerLimits>): Readonly<TokenizerLimits> {
  const previous = current;
  const next = { ...current };
  for (const [key, value] of Object.entries(limits) as [keyof TokenizerLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_TOKENIZER_LIMITS)) throw new TokenizerError(`unknown tokenizer limit ${JSON.stringify(key)} (known: ${Object.keys(DEFAULT_TOKENIZER_LIMITS).join(', ')})`);
    if (!Number.isInteger(value) || value < 1) throw new TokenizerError(`tokenizer limit ${key} must be a positive integer, got ${String(value)}`);
    next[key] = value;
  }
  current = Object.freeze(next);
  return previous;
}

/** Refuses a count over its limit, naming what was counted and how to raise the limit. */
export function checkCount(count: number, limit: keyof TokenizerLimits, what: string): void {
  const max = current[limit];
  if (count > max) throw new TokenizerError(`${what} has ${count > max + 1 ? count : `more than ${max}`} entries; at most ${max} are read (setTokenizerLimits({ ${limit} }) raises it)`);
}

/** Counts the Sequence steps of one stage of a tokenizer.json and refuses nesting or totals over the limits. */
export class SequenceBudget {
  private steps = 0;

  constructor(private readonly stage: string) {}

  /** The steps of a Sequence at `depth` (1 for a top-level Sequence). */
  take(items: readonly unknown[], depth: number): readonly unknown[] {
    if (depth > current.maxSequenceDepth) throw new TokenizerError(`tokenizer.json ${this.stage} nests Sequences more than ${current.maxSequenceDepth} deep (setTokenizerLimits({ maxSequenceDepth }) raises it)`);
    this.steps += items.length;
    if (this.steps > current.maxSequenceSteps) throw new TokenizerError(`tokenizer.json ${this.stage} Sequences have more than ${current.maxSequenceSteps} steps in all (setTokenizerLimits({ maxSequenceSteps }) raises it)`);
    return items;
  }
}

/**
 * How much longer than its original text a piece may make it. Real pipelines stay far below (NFKD's longest
 * expansion, U+FDFA to 18 chars, then ByteLevel's 3 bytes a char: 54 times); a Sequence of Replace "a" → "aa"
 * (or of ByteLevel steps) doubles the text at each step and would reach 2^30 chars from one.
 */
export const MAX_GROWTH = 256;

/** Refuses a step of `stage` that made `original` chars into `now` (checked after every step, Sequences' too). */
export function checkGrowth(stage: string, type: unknown, original: number, now: number): void {
  if (now > MAX_GROWTH * original + 4096) {
    throw new TokenizerError(`tokenizer.json ${stage} ${String(type)} makes a text of ${original} chars ${now} chars long, more than ${MAX_GROWTH} times its length`);
  }
}
