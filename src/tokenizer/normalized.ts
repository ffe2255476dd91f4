// The text a tokenizer works on, as `tokenizers`' NormalizedString: the current (normalized) chars, each
// with the span of the original text it came from, so a token's offsets survive lowercasing, accent
// stripping, byte-level mapping and replacements. Every edit goes through `transformRange`, with the
// alignment rules of the Rust crate: a char replacing another takes its span, an inserted char the span of
// the char before it. Spans are UTF-16 indices into the whole input (text.slice(start, end)); the Rust crate
// keeps UTF-8 bytes, which map one to one since a span always covers whole chars.
import { isWhitespace, lowercaseChar, normalizationStream, type Change, type NormalForm } from './unicode.ts';

/** One code point of the normalized text and the original span [start, end) it comes from. */
export interface Char {
  c: string;
  start: number;
  end: number;
}

/** How a split keeps the matched delimiters (tokenizers' SplitDelimiterBehavior). */
export type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

/** Pieces of a text, each [start, end) in chars and whether it is a match, covering the text in order. */
export type Matches = [start: number, end: number, isMatch: boolean][];

/** Something that finds matches in a text: char predicates and regexes (see pattern.ts). */
export interface Pattern {
  findMatches(chars: readonly Char[], text: string): Matches;
}

export class NormalizedString {
  constructor(
    public chars: Char[],
    /** Where this piece starts in the original text (tokenizers' offsets_original().0). */
    readonly originalStart: number,
  ) {}

  static from(text: string, from = 0, to = text.length): NormalizedString {
    const chars: Char[] = [];
    for (let i = from; i < to; ) {
      const n = (text.codePointAt(i)! > 0xffff && i + 1 < to) ? 2 : 1;
      chars.push({ c: text.slice(i, i + n), start: i, end: i + n });
      i += n;
    }
    return new NormalizedString(chars, from);
  }

  get text(): string {
    let s = '';
    for (const ch of this.chars) s += ch.c;
    return s;
  }

  get isEmpty(): boolean {
    return this.chars.length === 0;
  }

  /** The original span of chars [i, j): first start to last end, as the Rust crate expands alignments. */
  span(i: number, j: number): [number, number] {
    if (i >= j) {
      const at = this.chars[i]?.start ?? this.chars[this.chars.length - 1]?.end ?? this.originalStart;
      return [at, at];
    }
    return [this.chars[i].start, this.chars[j - 1].end];
  }

  /**
   * Replaces chars [from, to) by `dest`, tokenizers' transform_range: `initialOffset` chars are removed
   * first; then each (c, change) with change <= 0 replaces the next char (taking its span) and removes
   * -change more, and change > 0 inserts c with the span of the char before it. Chars never consumed go.
   */
  transformRange(from: number, to: number, dest: Iterable<Change>, initialOffset = 0): void {
    const old = this.chars;
    const out: Char[] = [];
    let offset = from + initialOffset;
    for (const [c, change] of dest) {
      const src = change > 0 ? (offset > 0 ? old[offset - 1] : undefined) : old[offset];
      out.push(src ? { c, start: src.start, end: src.end } : { c, start: this.originalStart, end: this.originalStart });
      if (change <= 0) offset += 1 - change;
    }
    this.chars = [...old.slice(0, from), ...out, ...old.slice(to)];
  }

  transform(dest: Iterable<Change>, initialOffset = 0): void {
    this.transformRange(0, this.chars.length, dest, initialOffset);
  }

  /** Each char to f(char) (one code point each). */
  map(f: (c: string) => string): void {
    this.chars = this.chars.map((ch) => ({ ...ch, c: f(ch.c) }));
  }

  /** Keeps the chars `keep` accepts; the others vanish without moving anyone's span. */
  filter(keep: (c: string) => boolean): void {
    this.chars = this.chars.filter((ch) => keep(ch.c));
  }

  /** Per code point, as Rust's char::to_lowercase: no final sigma; 'İ' becomes two chars. */
  lowercase(): void {
    const dest: Change[] = [];
    for (const ch of this.chars) [...lowercaseChar(ch.c)].forEach((l, k) => dest.push([l, k === 0 ? 0 : 1]));
    this.transform(dest);
  }

  normalize(form: NormalForm): void {
    this.transform(normalizationStream(this.chars.map((ch) => ch.c), form));
  }

  /** `s` before the text; every char of it takes the first char's span. Nothing on an empty string. */
  prepend(s: string): void {
    if (this.isEmpty || s === '') return;
    const dest: Change[] = [...s].map((c, k) => [c, k === 0 ? 0 : 1]);
    dest.push([this.chars[0].c, 1]);
    this.transformRange(0, 1, dest);
  }

  /** `s` after the text; every char of it takes the last char's span. */
  append(s: string): void {
    if (this.isEmpty || s === '') return;
    const last = this.chars[this.chars.length - 1];
    for (const c of s) this.chars.push({ c, start: last.start, end: last.end });
  }

  /** Removes leading and/or trailing White_Space chars. */
  strip(left: boolean, right: boolean): void {
    let i = 0;
    let j = this.chars.length;
    if (left) while (i < j && isWhitespace(this.chars[i].c)) i++;
    if (right) while (j > i && isWhitespace(this.chars[j - 1].c)) j--;
    this.chars = this.chars.slice(i, j);
  }

  /** Every match of `pattern` becomes `content`, each of its chars aligned to the match's last char. */
  replace(pattern: Pattern, content: string): void {
    const out: Char[] = [];
    let last = 0;
    for (const [s, e, isMatch] of pattern.findMatches(this.chars, this.text)) {
      if (!isMatch) continue;
      out.push(...this.chars.slice(last, s));
      const src = e > 0 ? this.chars[e - 1] : undefined;
      for (const c of content) out.push(src ? { c, start: src.start, end: src.end } : { c, start: this.originalStart, end: this.originalStart });
      last = e;
    }
    out.push(...this.chars.slice(last));
    this.chars = out;
  }

  /** Chars [i, j) as a piece of their own. */
  slice(i: number, j: number): NormalizedString {
    return new NormalizedString(this.chars.slice(i, j), i < j ? this.chars[i].start : this.originalStart);
  }

  /** tokenizers' NormalizedString::split: the pieces between, around or with the matches, per `behavior`. */
  split(pattern: Pattern, behavior: SplitBehavior): NormalizedString[] {
    const matches = pattern.findMatches(this.chars, this.text);
    let pieces: [number, number][];
    let previous = false;
    switch (behavior) {
      case 'Isolated':
        pieces = matches.map(([s, e]) => [s, e]);
        break;
      case 'Removed':
        pieces = matches.filter((m) => !m[2]).map(([s, e]) => [s, e]);
        break;
      case 'Contiguous':
        pieces = [];
        for (const [s, e, m] of matches) {
          if (pieces.length > 0 && m === previous) pieces[pieces.length - 1][1] = e;
          else pieces.push([s, e]);
          previous = m;
        }
        break;
      case 'MergedWithPrevious':
        pieces = [];
        for (const [s, e, m] of matches) {
          if (m && !previous && pieces.length > 0) pieces[pieces.length - 1][1] = e;
          else pieces.push([s, e]);
          previous = m;
        }
        break;
      case 'MergedWithNext':
        pieces = [];
        for (const [s, e, m] of [...matches].reverse()) {
          if (m && !previous && pieces.length > 0) pieces[pieces.length - 1][0] = s;
          else pieces.push([s, e]);
          previous = m;
        }
        pieces.reverse();
        break;
    }
    return pieces.map(([s, e]) => this.slice(s, e));
  }
}
