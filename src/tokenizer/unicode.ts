// Character classes and Unicode normalization as Hugging Face `tokenizers` (Rust) sees them. JavaScript's
// own classes differ in ways that change tokens: `\s` has U+FEFF and lacks U+0085, String#toLowerCase
// applies the final-sigma rule, \p{…} follows the runtime's Unicode version (newer than several of the
// Rust crates'), and String#normalize says nothing about which input char an output char came from. So the
// classes are tables read off the Rust library (unicode-tables.ts), and the normalization forms yield
// (char, change) pairs as the `unicode-normalization-alignments` crate does, which the normalized string
// turns into offsets.
import { CCC_RANGES } from './unicode-ccc.ts';
import * as T from './unicode-tables.ts';

/** A set of code points from flat [first, last, …] ranges, looked up by binary search. */
export class CodePointSet {
  constructor(private readonly r: readonly number[]) {}

  has(cp: number): boolean {
    let [lo, hi] = [0, this.r.length / 2 - 1];
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cp < this.r[2 * mid]) hi = mid - 1;
      else if (cp > this.r[2 * mid + 1]) lo = mid + 1;
      else return true;
    }
    return false;
  }

  test(c: string): boolean {
    return this.has(c.codePointAt(0)!);
  }

  /** The set as the body of a regex character class ([…] without brackets), for the `u` flag. */
  get classBody(): string {
    const hex = (cp: number) => `\\u{${cp.toString(16)}}`;
    let out = '';
    for (let i = 0; i < this.r.length; i += 2) out += this.r[i] === this.r[i + 1] ? hex(this.r[i]) : `${hex(this.r[i])}-${hex(this.r[i + 1])}`;
    return out;
  }
}

const WHITESPACE_SET = new CodePointSet(T.WHITESPACE);
const PUNCTUATION_SET = new CodePointSet(T.PUNCTUATION);
const NUMERIC_SET = new CodePointSet(T.NUMERIC);
const BERT_REMOVED_SET = new CodePointSet(T.BERT_REMOVED);
const BERT_SPACE_SET = new CodePointSet(T.BERT_SPACE);
const NONSPACING_SET = new CodePointSet(T.NONSPACING_MARK);
const MARK_SET = new CodePointSet(T.MARK);
/** The regex crate's \w (the Whitespace pre-tokenizer, single_word added tokens). */
export const WORD_SET = new CodePointSet(T.WORD);
/** Oniguruma's \p{L} and \p{N} (the ByteLevel split regex). */
export const LETTER_SET = new CodePointSet(T.LETTER);
export const NUMBER_SET = new CodePointSet(T.NUMBER);
export const WHITESPACE_CLASS = WHITESPACE_SET.classBody;

/** Rust `char::is_whitespace` (White_Space): WhitespaceSplit, Strip, lstrip/rstrip. */
export const isWhitespace = (c: string): boolean => WHITESPACE_SET.test(c);

/** `c.is_ascii_punctuation() || c.is_punctuation()`: ASCII symbols count too ($ + < = > ^ ` | ~). */
export const isPunctuation = (c: string): boolean => PUNCTUATION_SET.test(c);

/** Rust `char::is_numeric` (Nd, Nl, No): the Digits pre-tokenizer. */
export const isNumeric = (c: string): boolean => NUMERIC_SET.test(c);

/** The regex crate's \w. */
export const isWordChar = (c: string): boolean => WORD_SET.test(c);

/** What BertNormalizer's clean_text removes: \0, U+FFFD and controls (\t \n \r excepted). */
export const isBertRemoved = (c: string): boolean => BERT_REMOVED_SET.test(c);

/** What clean_text turns into ' ': \t \n \r and White_Space. */
export const isBertWhitespace = (c: string): boolean => c === ' ' || BERT_SPACE_SET.test(c);

/**
 * The CJK blocks BertNormalizer pads with spaces (normalizers/bert.rs). Extension E starts at 0x2B920 there,
 * not 0x2B820 as in transformers' slow tokenizer: the Rust ranges are the ones that run for tokenizer.json.
 */
const CJK: readonly (readonly [number, number])[] = [
  [0x4e00, 0x9fff], [0x3400, 0x4dbf], [0x20000, 0x2a6df], [0x2a700, 0x2b73f], [0x2b740, 0x2b81f],
  [0x2b920, 0x2ceaf], [0xf900, 0xfaff], [0x2f800, 0x2fa1f],
];

export function isChineseChar(c: string): boolean {
  const cp = c.codePointAt(0)!;
  return CJK.some(([lo, hi]) => cp >= lo && cp <= hi);
}

/** StripAccents: is_combining_mark (M*, Unicode 9). */
export const isMark = (c: string): boolean => MARK_SET.test(c);
/** BertNormalizer strip_accents: Mn as the unicode_categories crate has it. */
export const isNonspacingMark = (c: string): boolean => NONSPACING_SET.test(c);

let cccTable: Map<number, number> | undefined;

/**
 * Canonical combining class; 0 for starters. The Rust crate's tables are Unicode 9's: a mark assigned since
 * (not a mark there) counts as a starter, as it does for the crate.
 */
export function combiningClass(c: string): number {
  if (!cccTable) {
    cccTable = new Map();
    for (let i = 0; i < CCC_RANGES.length; i += 3) {
      for (let cp = CCC_RANGES[i]; cp <= CCC_RANGES[i] + CCC_RANGES[i + 1]; cp++) cccTable.set(cp, CCC_RANGES[i + 2]);
    }
  }
  const cp = c.codePointAt(0)!;
  return MARK_SET.has(cp) ? cccTable.get(cp) ?? 0 : 0;
}

const differences = (list: readonly (number | string)[]) => {
  const m = new Map<number, string>();
  for (let i = 0; i < list.length; i += 2) m.set(list[i] as number, list[i + 1] as string);
  return m;
};
const DECOMPOSE_DIFFERENCES = { NFD: differences(T.NFD_DIFFERENCES), NFKD: differences(T.NFKD_DIFFERENCES) };
const LOWERCASE_DIFFERENCES = differences(T.LOWERCASE_DIFFERENCES);

/** One char's full decomposition as the Rust crate (Unicode 9) has it. */
function decomposition(c: string, form: 'NFD' | 'NFKD'): string {
  return DECOMPOSE_DIFFERENCES[form].get(c.codePointAt(0)!) ?? c.normalize(form);
}

/** Rust's char::to_lowercase of one char. */
export function lowercaseChar(c: string): string {
  return LOWERCASE_DIFFERENCES.get(c.codePointAt(0)!) ?? c.toLowerCase();
}

/** A char of a transform stream: `change` 0 replaces the next input char, 1 is inserted, -n also removes n more. */
export type Change = [c: string, change: number];

export type NormalForm = 'NFD' | 'NFKD' | 'NFC' | 'NFKC';

/**
 * The (char, change) stream of a normalization form over `chars`: each input char is fully decomposed (its
 * first char change 0, the rest 1), runs of marks are stably sorted by combining class with their changes,
 * and for NFC/NFKC composed as UAX #15 says, a composite taking change a + b - 1 of the pair it replaces.
 */
export function normalizationStream(chars: readonly string[], form: NormalForm): Change[] {
  const kind = form === 'NFD' || form === 'NFC' ? 'NFD' : 'NFKD';
  const out: Change[] = [];
  let pending: Change[] = []; // non-starters waiting for their canonical order
  const flush = () => {
    pending.sort((a, b) => combiningClass(a[0]) - combiningClass(b[0])); // Array#sort is stable
    out.push(...pending);
    pending = [];
  };
  for (const ch of chars) {
    let first = true;
    for (const d of decomposition(ch, kind)) {
      if (combiningClass(d) === 0) flush();
      pending.push([d, first ? 0 : 1]);
      first = false;
    }
  }
  flush();
  return form === 'NFC' || form === 'NFKC' ? compose(out) : out;
}

/** The primary composite of two chars, or undefined (NFC of the pair, when it is one char). */
function composePair(a: string, b: string): string | undefined {
  const r = (a + b).normalize('NFC');
  return r !== a + b && [...r].length === 1 ? r : undefined;
}

function compose(stream: readonly Change[]): Change[] {
  const out: Change[] = [];
  let starter: Change | undefined;
  let held: Change[] = []; // marks after the starter that did not compose with it
  let lastClass = -1; // class of the last held char; -1 when none
  const emit = () => {
    if (starter) out.push(starter);
    out.push(...held);
    held = [];
  };
  for (const item of stream) {
    const cls = combiningClass(item[0]);
    // Not blocked: nothing held since the starter, or the held marks (canonically ordered) all have a lower class.
    if (starter && (held.length === 0 || lastClass < cls)) {
      const composite = composePair(starter[0], item[0]);
      if (composite) {
        starter = [composite, starter[1] + item[1] - 1];
        continue;
      }
    }
    if (cls === 0) {
      emit();
      starter = item;
      lastClass = -1;
    } else {
      if (starter) held.push(item);
      else out.push(item);
      lastClass = cls;
    }
  }
  emit();
  return out;
}
