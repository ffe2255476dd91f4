// An encoded sequence (or pair) and the edits `tokenizers` makes to it after the model: truncation (longest
// first, only first, only second; from the right or the left) and padding.
import { TokenizerError } from './errors.ts';

export interface Encoding {
  tokens: string[];
  inputIds: number[];
  tokenTypeIds: number[];
  attentionMask: number[];
  /** [start, end) UTF-16 indices into the text (the pair's text for its tokens); [0, 0] for specials and pads. */
  offsets: [number, number][];
  /** 1 for specials the post-processor added and for pads; 0 for text tokens (added tokens typed in the text too). */
  specialTokensMask: number[];
  /** Index of the word (pre-tokenizer split) each token comes from; null for specials and pads. */
  wordIds: (number | null)[];
  /** 0 first text, 1 pair, null specials and pads. */
  sequenceIds: (number | null)[];
}

const FIELDS = ['tokens', 'inputIds', 'tokenTypeIds', 'attentionMask', 'offsets', 'specialTokensMask', 'wordIds', 'sequenceIds'] as const;

export function emptyEncoding(): Encoding {
  return { tokens: [], inputIds: [], tokenTypeIds: [], attentionMask: [], offsets: [], specialTokensMask: [], wordIds: [], sequenceIds: [] };
}

/** Special tokens a post-processor adds: offsets [0, 0], no word, no sequence, in the special mask. */
export function specialTokens(tokens: readonly string[], ids: readonly number[], typeId: number): Encoding {
  return {
    tokens: [...tokens], inputIds: [...ids], tokenTypeIds: ids.map(() => typeId), attentionMask: ids.map(() => 1),
    offsets: ids.map(() => [0, 0]), specialTokensMask: ids.map(() => 1), wordIds: ids.map(() => null), sequenceIds: ids.map(() => null),
  };
}

/** Concatenation; each sequence keeps offsets relative to its own text. */
export function concat(parts: readonly Encoding[]): Encoding {
  const out = emptyEncoding();
  for (const p of parts) for (const f of FIELDS) (out[f] as unknown[]).push(...p[f]);
  return out;
}

export function withSequence(e: Encoding, sequence: number, typeId: number): Encoding {
  return { ...e, tokenTypeIds: e.tokenTypeIds.map(() => typeId), sequenceIds: e.sequenceIds.map(() => sequence) };
}

export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';
export type Side = 'left' | 'right';

function keep(e: Encoding, n: number, side: Side): Encoding {
  if (n >= e.inputIds.length) return e;
  const [from, to] = side === 'right' ? [0, n] : [e.inputIds.length - n, e.inputIds.length];
  return Object.fromEntries(FIELDS.map((f) => [f, e[f].slice(from, to)])) as unknown as Encoding;
}

/**
 * tokenizers' truncate_encodings with `max` tokens for the sequences (specials already subtracted). Longest
 * first: when the shorter fits, the longer gets the rest; otherwise max / 2 each, the odd one to the second
 * (before swapping back), which differs from transformers' slow one-at-a-time removal by one at ties.
 */
export function truncatePair(a: Encoding, b: Encoding | undefined, max: number, strategy: TruncationStrategy, side: Side): [Encoding, Encoding | undefined] {
  const n1 = a.inputIds.length;
  const n2 = b?.inputIds.length ?? 0;
  if (max === 0) return [keep(a, 0, side), b && keep(b, 0, side)];
  if (n1 + n2 <= max) return [a, b];
  const remove = n1 + n2 - max;
  if (strategy === 'longest_first') {
    if (!b) return [keep(a, max, side), b];
    const swap = n1 > n2;
    let short = swap ? n2 : n1;
    let long = short > max ? short : Math.max(short, max - short);
    if (short + long > max) {
      short = Math.floor(max / 2);
      long = short + (max % 2);
    }
    return swap ? [keep(a, long, side), keep(b, short, side)] : [keep(a, short, side), keep(b, long, side)];
  }
  const target = strategy === 'only_first' ? a : b;
  if (!target) throw new TokenizerError('truncation only_second needs a pair');
  if (target.inputIds.length <= remove) {
    throw new TokenizerError(`truncation ${strategy}: the ${strategy === 'only_first' ? 'first' : 'second'} sequence has ${target.inputIds.length} tokens, too few to remove ${remove}`);
  }
  const cut = keep(target, target.inputIds.length - remove, side);
  return strategy === 'only_first' ? [cut, b] : [a, cut];
}

export interface PadOptions { length: number; id: number; typeId: number; token: string; side: Side }

export function pad(e: Encoding, o: PadOptions): Encoding {
  const n = o.length - e.inputIds.length;
  if (n <= 0) return e;
  const fill: Encoding = {
    tokens: Array(n).fill(o.token), inputIds: Array(n).fill(o.id), tokenTypeIds: Array(n).fill(o.typeId), attentionMask: Array(n).fill(0),
    offsets: Array.from({ length: n }, () => [0, 0]), specialTokensMask: Array(n).fill(1), wordIds: Array(n).fill(null), sequenceIds: Array(n).fill(null),
  };
  return o.side === 'right' ? concat([e, fill]) : concat([fill, e]);
}
