// tokenizer.json `pre_tokenizer`: how a normalized text becomes words (splits) for the model, as
// `tokenizers` does it. Splits that already hold tokens (added tokens) pass through untouched, and empty
// pieces are dropped. ByteLevel and Metaspace also rewrite their pieces (bytes to chars, spaces to '▁').
import { BYTE_LEVEL_SPLIT } from './byte-level.ts';
import { TokenizerError } from './errors.ts';
import { field, isRecord, optional, type Json } from './json.ts';
import { checkGrowth, SequenceBudget } from './limits.ts';
import type { NormalizedString, SplitBehavior } from './normalized.ts';
import { byteLevelStream, patternFromJson } from './normalizers.ts';
import { charPattern, invertPattern, regexPattern } from './pattern.ts';
import { isNumeric, isPunctuation, isWhitespace, WHITESPACE_CLASS, WORD_SET } from './unicode.ts';

/** A token of a split: [start, end) in chars of the split's normalized text. */
export interface Token { id: number; value: string; start: number; end: number }

export interface Split { n: NormalizedString; tokens?: Token[] }

/** tokenizers' PreTokenizedString: the splits of one sequence, in order. */
export class PreTokenized {
  constructor(public splits: Split[]) {}

  /** Replaces every split without tokens by the non-empty pieces `f` makes of it. */
  split(f: (n: NormalizedString) => NormalizedString[]): void {
    this.splits = this.splits.flatMap((s) => (s.tokens ? [s] : f(s.n).filter((p) => !p.isEmpty).map((n) => ({ n }))));
  }

  /** Edits every split without tokens in place. */
  normalize(f: (n: NormalizedString) => void): void {
    for (const s of this.splits) if (!s.tokens) f(s.n);
  }
}

export type PreTokenizer = (p: PreTokenized) => void;

const BEHAVIORS: readonly SplitBehavior[] = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];

function behaviorOf(j: Json, fallback?: SplitBehavior): SplitBehavior {
  const b = j.behavior ?? fallback;
  if (!BEHAVIORS.includes(b as SplitBehavior)) throw new TokenizerError(`tokenizer.json ${String(j.type)} behavior must be one of ${BEHAVIORS.join(', ')}, got ${JSON.stringify(b)}`);
  return b as SplitBehavior;
}

const whitespace = charPattern(isWhitespace);
const punctuation = charPattern(isPunctuation);
// The Whitespace pre-tokenizer's \w+|[^\w\s]+ with the Rust regex crate's classes.
const WORDS = new RegExp(`[${WORD_SET.classBody}]+|[^${WORD_SET.classBody}${WHITESPACE_CLASS}]+`, 'gu');

export type PrependScheme = 'always' | 'first' | 'never';

export interface MetaspaceOptions { replacement: string; prependScheme: PrependScheme; split: boolean }

/** Metaspace's fields as `tokenizers` reads them (shared by the decoder). */
export function metaspaceOptions(j: Json): MetaspaceOptions {
  const replacement = field(j, 'replacement', 'string', 'Metaspace');
  if ([...replacement].length !== 1) throw new TokenizerError(`tokenizer.json Metaspace replacement must be one char, got ${JSON.stringify(replacement)}`);
  const scheme = (j.prepend_scheme ?? 'always') as PrependScheme;
  if (!['always', 'first', 'never'].includes(scheme)) throw new TokenizerError(`tokenizer.json Metaspace prepend_scheme must be always, first or never, got ${JSON.stringify(j.prepend_scheme)}`);
  // Legacy files: add_prefix_space false means never, and contradicts any other declared scheme.
  if (j.add_prefix_space === false && scheme !== 'never') {
    if (j.prepend_scheme !== undefined) throw new TokenizerError('tokenizer.json Metaspace add_prefix_space false does not match its prepend_scheme');
    return { replacement, prependScheme: 'never', split: optional(j, 'split', 'boolean', 'Metaspace', true) };
  }
  return { replacement, prependScheme: scheme, split: optional(j, 'split', 'boolean', 'Metaspace', true) };
}

function metaspace(o: MetaspaceOptions): PreTokenizer {
  const space = charPattern((c) => c === ' ');
  const mark = charPattern((c) => c === o.replacement);
  return (p) => p.split((n) => {
    n.replace(space, o.replacement);
    const starts = n.chars[0]?.c === o.replacement;
    // first: only the piece that starts the sequence (not one after an added token or a leading split).
    if (!starts && (o.prependScheme === 'always' || (o.prependScheme === 'first' && n.originalStart === 0))) n.prepend(o.replacement);
    return o.split ? n.split(mark, 'MergedWithNext') : [n];
  });
}

function byteLevel(j: Json): PreTokenizer {
  const prefix = field(j, 'add_prefix_space', 'boolean', 'ByteLevel');
  field(j, 'trim_offsets', 'boolean', 'ByteLevel');
  const useRegex = optional(j, 'use_regex', 'boolean', 'ByteLevel', true);
  const pattern = regexPattern(BYTE_LEVEL_SPLIT);
  return (p) => {
    p.split((n) => {
      // Every piece that reaches it, not only the first: pieces between added tokens get a space too.
      if (prefix && n.chars[0]?.c !== ' ') n.prepend(' ');
      return useRegex ? n.split(pattern, 'Isolated') : [n];
    });
    p.normalize((n) => n.transform(byteLevelStream(n)));
  };
}

export function preTokenizerFromJson(j: unknown, budget = new SequenceBudget('pre_tokenizer'), depth = 0): PreTokenizer | undefined {
  const step = pieceFromJson(j, budget, depth);
  if (!step || (isRecord(j) && j.type === 'Sequence')) return step;
  return (p) => {
    step(p);
    let [chars, original] = [0, 0];
    for (const { n } of p.splits) {
      chars += n.chars.length;
      if (n.chars.length > 0) original += n.chars[n.chars.length - 1].end - n.chars[0].start;
    }
    checkGrowth('pre_tokenizer', (j as Json).type, original, chars);
  };
}

function pieceFromJson(j: unknown, budget: SequenceBudget, depth: number): PreTokenizer | undefined {
  if (j === null || j === undefined) return undefined;
  if (!isRecord(j)) throw new TokenizerError('tokenizer.json pre_tokenizer must be an object or null');
  switch (j.type) {
    case 'BertPreTokenizer':
      return (p) => {
        p.split((n) => n.split(whitespace, 'Removed'));
        p.split((n) => n.split(punctuation, 'Isolated'));
      };
    case 'Whitespace': {
      const words = invertPattern(regexPattern(WORDS));
      return (p) => p.split((n) => n.split(words, 'Removed'));
    }
    case 'WhitespaceSplit':
      return (p) => p.split((n) => n.split(whitespace, 'Removed'));
    case 'Punctuation': {
      const behavior = behaviorOf(j, 'Isolated');
      return (p) => p.split((n) => n.split(punctuation, behavior));
    }
    case 'Digits': {
      const behavior = field(j, 'individual_digits', 'boolean', 'Digits') ? 'Isolated' : 'Contiguous';
      const digits = charPattern(isNumeric);
      return (p) => p.split((n) => n.split(digits, behavior));
    }
    case 'CharDelimiterSplit': {
      const d = field(j, 'delimiter', 'string', 'CharDelimiterSplit');
      const delimiter = charPattern((c) => c === d);
      return (p) => p.split((n) => n.split(delimiter, 'Removed'));
    }
    case 'Split': {
      const pattern = patternFromJson(j.pattern, 'Split pre_tokenizer');
      const behavior = behaviorOf(j);
      const matches = field(j, 'invert', 'boolean', 'Split') ? invertPattern(pattern) : pattern;
      return (p) => p.split((n) => n.split(matches, behavior));
    }
    case 'Metaspace':
      return metaspace(metaspaceOptions(j));
    case 'ByteLevel':
      return byteLevel(j);
    case 'Sequence': {
      if (!Array.isArray(j.pretokenizers)) throw new TokenizerError('tokenizer.json Sequence pre_tokenizer needs a "pretokenizers" list');
      const steps = budget.take(j.pretokenizers, depth + 1).map((x) => preTokenizerFromJson(x, budget, depth + 1)).filter((x): x is PreTokenizer => x !== undefined);
      return (p) => { for (const s of steps) s(p); };
    }
    default:
      throw new TokenizerError(`tokenizer.json pre_tokenizer ${JSON.stringify(j.type)} is not supported (supported: BertPreTokenizer, Whitespace, WhitespaceSplit, Punctuation, Digits, CharDelimiterSplit, Split, Metaspace, ByteLevel, Sequence)`);
  }
}
