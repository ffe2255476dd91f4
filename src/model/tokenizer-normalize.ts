// The text side of the WordPiece tokenizer: normalisation, added-token extraction and BERT
// pre-tokenisation, each keeping for every output character the [start, end) UTF-16 span of the
// original text it came from, so token offsets survive accent stripping, length-changing lowercasing
// and removed control characters. Also the readers for the tokenizer.json pieces that configure them
// (normalizer, pre_tokenizer, added_tokens), and TokenizerError, which tokenizer.ts re-exports.
//
// Where the Python "slow" BertTokenizer and the Rust `tokenizers` library disagree, this follows
// `tokenizers` (the code that runs for a tokenizer.json and for transformers' fast tokenizers):
// normalisation is per code point (no final-sigma rule when lowercasing, no NFC pass before
// splitting), control characters are Unicode category C* (Cc, Cf, Cn, Co, Cs — wider than Cc/Cf),
// and accents are stripped before lowercasing (equivalent for every character we know of).
// The one exception is the CJK range, see CJK_RANGES.

/** Bad input or an unusable tokenizer file; the message is one line naming what is wrong. */
export class TokenizerError extends Error {
  override name = 'TokenizerError';
}

/** One normalised code point and the span of the original text it stems from. */
export interface AlignedChar {
  c: string; // exactly one code point (1 or 2 UTF-16 units)
  start: number; // UTF-16 index into the original text
  end: number; // exclusive
}

/**
 * The primitive normalisation steps. A BertNormalizer expands to
 * cleanText, padChineseChars, nfd + dropNonspacingMarks (strip accents), lowercase.
 */
export type NormalizeOp =
  | 'cleanText' // drop NUL, U+FFFD and C* controls; every whitespace char becomes ' '
  | 'padChineseChars' // ' ' before and after each CJK ideograph
  | 'lowercase'
  | 'nfd'
  | 'nfkd'
  | 'nfc'
  | 'nfkc'
  | 'dropNonspacingMarks' // BertNormalizer strip_accents: drop Mn after NFD
  | 'dropMarks'; // StripAccents normalizer: drop every M* (Mn, Mc, Me)

const RE_OTHER = /\p{C}/u;
const RE_WHITE_SPACE = /\p{White_Space}/u;
const RE_PUNCT = /\p{P}/u;
const RE_NONSPACING_MARK = /\p{Mn}/u;
const RE_MARK = /\p{M}/u;
// Rust regex `\w` (Unicode): used by added tokens with single_word = true.
const RE_WORD_CHAR = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;

/** Whitespace as Rust's `char::is_whitespace` (the White_Space property); BertPreTokenizer splits on it. */
export function isWhitespace(c: string): boolean {
  return RE_WHITE_SPACE.test(c);
}

/** BERT's control test: any C* category except \t \n \r, which count as whitespace. */
export function isControl(c: string): boolean {
  return c !== '\t' && c !== '\n' && c !== '\r' && RE_OTHER.test(c);
}

/** BERT punctuation: all ASCII non-alphanumeric printable characters (so also $ + < = > ^ ` | ~) or any P*. */
export function isPunctuation(c: string): boolean {
  const cp = c.codePointAt(0) ?? 0;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
    return true;
  }
  return RE_PUNCT.test(c);
}

// The CJK Unified Ideograph blocks of transformers' `_is_chinese_char`. Note: `tokenizers`
// (normalizers/bert.rs) starts the Extension E range at 0x2B920 instead of 0x2B820, so the 256 code
// points 2B820–2B91F are padded here and by the slow tokenizer but not by the Rust one.
const CJK_RANGES: readonly (readonly [number, number])[] = [
  [0x4e00, 0x9fff],
  [0x3400, 0x4dbf],
  [0x20000, 0x2a6df],
  [0x2a700, 0x2b73f],
  [0x2b740, 0x2b81f],
  [0x2b820, 0x2ceaf],
  [0xf900, 0xfaff],
  [0x2f800, 0x2fa1f],
];

export function isChineseChar(cp: number): boolean {
  for (const [lo, hi] of CJK_RANGES) if (cp >= lo && cp <= hi) return true;
  return false;
}

/** Splits text[from, to) into code points, each aligned to its own span. */
export function alignChars(text: string, from = 0, to = text.length): AlignedChar[] {
  const out: AlignedChar[] = [];
  for (let i = from; i < to; ) {
    const cp = text.codePointAt(i) ?? 0;
    const n = cp > 0xffff && i + 1 < to ? 2 : 1;
    out.push({ c: text.slice(i, i + n), start: i, end: i + n });
    i += n;
  }
  return out;
}

export function joinChars(chars: readonly AlignedChar[]): string {
  let s = '';
  for (const ch of chars) s += ch.c;
  return s;
}

/** Replaces each char by f(char); every produced code point keeps the source char's span. */
function mapChars(chars: readonly AlignedChar[], f: (c: string) => string): AlignedChar[] {
  const out: AlignedChar[] = [];
  for (const ch of chars) {
    const r = f(ch.c);
    if (r === ch.c) {
      out.push(ch);
      continue;
    }
    for (const c of r) out.push({ c, start: ch.start, end: ch.end });
  }
  return out;
}

// A char that NFC/NFKC may merge into the preceding one: any mark, or a Hangul medial/final jamo.
function continuesCluster(c: string): boolean {
  const cp = c.codePointAt(0) ?? 0;
  return RE_MARK.test(c) || (cp >= 0x1160 && cp <= 0x11ff) || (cp >= 0xd7b0 && cp <= 0xd7ff);
}

// Composition spans characters, so it runs per cluster (a base plus what may merge into it); a
// cluster that changes is aligned as a whole, an unchanged one keeps its per-char alignment.
function composeClusters(chars: readonly AlignedChar[], form: 'NFC' | 'NFKC'): AlignedChar[] {
  const out: AlignedChar[] = [];
  for (let i = 0; i < chars.length; ) {
    let j = i + 1;
    while (j < chars.length && continuesCluster(chars[j].c)) j++;
    const cluster = chars.slice(i, j);
    const src = joinChars(cluster);
    const dst = src.normalize(form);
    if (dst === src) {
      out.push(...cluster);
    } else {
      const start = Math.min(...cluster.map((x) => x.start));
      const end = Math.max(...cluster.map((x) => x.end));
      for (const c of dst) out.push({ c, start, end });
    }
    i = j;
  }
  return out;
}

function applyOp(chars: readonly AlignedChar[], op: NormalizeOp): AlignedChar[] {
  switch (op) {
    case 'cleanText': {
      const out: AlignedChar[] = [];
      for (const ch of chars) {
        if (ch.c === '\u0000' || ch.c === '\ufffd' || isControl(ch.c)) continue;
        out.push(isWhitespace(ch.c) && ch.c !== ' ' ? { ...ch, c: ' ' } : ch);
      }
      return out;
    }
    case 'padChineseChars': {
      const out: AlignedChar[] = [];
      for (const ch of chars) {
        if (isChineseChar(ch.c.codePointAt(0) ?? 0)) out.push({ ...ch, c: ' ' }, ch, { ...ch, c: ' ' });
        else out.push(ch);
      }
      return out;
    }
    // Per code point, like `tokenizers`: 'Σ' always becomes 'σ' (String#toLowerCase on a whole
    // word would apply the final-sigma rule, as Python's str.lower() in the slow tokenizer does).
    case 'lowercase':
      return mapChars(chars, (c) => c.toLowerCase());
    case 'nfd':
      return mapChars(chars, (c) => c.normalize('NFD'));
    case 'nfkd':
      return mapChars(chars, (c) => c.normalize('NFKD'));
    case 'nfc':
      return composeClusters(chars, 'NFC');
    case 'nfkc':
      return composeClusters(chars, 'NFKC');
    case 'dropNonspacingMarks':
      return chars.filter((ch) => !RE_NONSPACING_MARK.test(ch.c));
    case 'dropMarks':
      return chars.filter((ch) => !RE_MARK.test(ch.c));
  }
}

export function normalizeChars(chars: readonly AlignedChar[], ops: readonly NormalizeOp[]): AlignedChar[] {
  let cur = chars as AlignedChar[];
  for (const op of ops) cur = applyOp(cur, op);
  return cur;
}

/** Normalises a plain string (used to normalise the content of `normalized` added tokens). */
export function normalizeString(text: string, ops: readonly NormalizeOp[]): string {
  return joinChars(normalizeChars(alignChars(text), ops));
}

/** BertPreTokenizer: split on whitespace (dropped), then isolate every punctuation char. */
export function splitWords(chars: readonly AlignedChar[]): AlignedChar[][] {
  const words: AlignedChar[][] = [];
  let cur: AlignedChar[] = [];
  for (const ch of chars) {
    const space = isWhitespace(ch.c);
    if (space || isPunctuation(ch.c)) {
      if (cur.length > 0) words.push(cur);
      cur = [];
      if (!space) words.push([ch]);
    } else {
      cur.push(ch);
    }
  }
  if (cur.length > 0) words.push(cur);
  return words;
}

/** A token extracted from the text before WordPiece runs (special tokens and tokenizer.json added_tokens). */
export interface AddedToken {
  content: string;
  id: number;
  special: boolean; // skipped by decode({ skipSpecialTokens: true })
  normalized: boolean; // matched against the normalised text instead of the raw text
  lstrip: boolean; // swallows whitespace on its left
  rstrip: boolean; // swallows whitespace on its right
  singleWord: boolean; // only matches when not inside a word
}

export interface AddedTokenMatch {
  token: AddedToken;
  start: number; // UTF-16 index into the searched string
  end: number;
}

/**
 * Finds added tokens like `tokenizers`' AddedVocabulary::find_matches: leftmost-longest,
 * non-overlapping matches, then single_word matches inside words are dropped (without re-scanning),
 * then lstrip/rstrip widen the match over adjacent whitespace.
 */
export class AddedTokenMatcher {
  // First UTF-16 unit -> candidate tokens with their (possibly normalised) pattern, longest first.
  private readonly byFirstUnit = new Map<string, { pattern: string; token: AddedToken }[]>();

  constructor(entries: readonly { pattern: string; token: AddedToken }[]) {
    for (const e of entries) {
      if (e.pattern.length === 0) continue;
      const list = this.byFirstUnit.get(e.pattern[0]) ?? [];
      list.push(e);
      this.byFirstUnit.set(e.pattern[0], list);
    }
    for (const list of this.byFirstUnit.values()) list.sort((a, b) => b.pattern.length - a.pattern.length);
  }

  get isEmpty(): boolean {
    return this.byFirstUnit.size === 0;
  }

  find(s: string): AddedTokenMatch[] {
    const out: AddedTokenMatch[] = [];
    if (this.isEmpty) return out;
    let prevEnd = 0;
    for (let i = 0; i < s.length; ) {
      const hit = this.byFirstUnit.get(s[i])?.find((e) => s.startsWith(e.pattern, i));
      if (hit === undefined) {
        i++;
        continue;
      }
      let start = i;
      let end = i + hit.pattern.length;
      i = end;
      const t = hit.token;
      if (t.singleWord) {
        const before = start > 0 && RE_WORD_CHAR.test(lastCodePoint(s, start));
        const after = end < s.length && RE_WORD_CHAR.test(String.fromCodePoint(s.codePointAt(end) ?? 0));
        if (before || after) continue;
      }
      if (t.lstrip) {
        let k = start;
        while (k > 0 && isWhitespace(s[k - 1])) k--;
        start = Math.max(k, prevEnd);
      }
      if (t.rstrip) {
        while (end < s.length && isWhitespace(s[end])) end++;
        i = end;
      }
      out.push({ token: t, start, end });
      prevEnd = end;
    }
    return out;
  }
}

function lastCodePoint(s: string, end: number): string {
  const lo = s.charCodeAt(end - 1);
  if (end >= 2 && lo >= 0xdc00 && lo <= 0xdfff) return s.slice(end - 2, end);
  return s.slice(end - 1, end);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function flag(v: unknown, fallback: boolean): boolean {
  return typeof v === 'boolean' ? v : fallback;
}

/** The steps of a tokenizer.json `normalizer` (BertNormalizer, or a Sequence of supported ones). */
export function normalizeOpsFromJson(n: unknown): NormalizeOp[] {
  if (n === null || n === undefined) return [];
  if (!isRecord(n)) throw new TokenizerError('tokenizer.json normalizer must be an object or null');
  switch (n.type) {
    case 'BertNormalizer': {
      const lowercase = flag(n.lowercase, true);
      const ops: NormalizeOp[] = [];
      if (flag(n.clean_text, true)) ops.push('cleanText');
      if (flag(n.handle_chinese_chars, true)) ops.push('padChineseChars');
      if (flag(n.strip_accents, lowercase)) ops.push('nfd', 'dropNonspacingMarks');
      if (lowercase) ops.push('lowercase');
      return ops;
    }
    case 'Lowercase':
      return ['lowercase'];
    case 'NFD':
      return ['nfd'];
    case 'NFKD':
      return ['nfkd'];
    case 'NFC':
      return ['nfc'];
    case 'NFKC':
      return ['nfkc'];
    case 'StripAccents':
      return ['dropMarks'];
    case 'Sequence':
      if (!Array.isArray(n.normalizers)) {
        throw new TokenizerError('tokenizer.json Sequence normalizer has no normalizers list');
      }
      return n.normalizers.flatMap(normalizeOpsFromJson);
    default:
      throw new TokenizerError(`unsupported normalizer ${JSON.stringify(n.type)} in tokenizer.json`);
  }
}

/** One entry of tokenizer.json `added_tokens` (serde defaults: normalized = !special, flags false). */
export function addedTokenFromJson(t: unknown): AddedToken {
  if (!isRecord(t) || typeof t.content !== 'string' || typeof t.id !== 'number') {
    throw new TokenizerError(`tokenizer.json added_tokens entry needs content and id, got ${JSON.stringify(t)}`);
  }
  const special = t.special === true;
  return {
    content: t.content,
    id: t.id,
    special,
    normalized: typeof t.normalized === 'boolean' ? t.normalized : !special,
    lstrip: t.lstrip === true,
    rstrip: t.rstrip === true,
    singleWord: t.single_word === true,
  };
}

/** Only BertPreTokenizer (alone or as the single step of a Sequence) is implemented. */
export function checkPreTokenizerJson(p: unknown): void {
  if (isRecord(p) && p.type === 'BertPreTokenizer') return;
  if (isRecord(p) && p.type === 'Sequence' && Array.isArray(p.pretokenizers) && p.pretokenizers.length === 1) {
    checkPreTokenizerJson(p.pretokenizers[0]);
    return;
  }
  const type = isRecord(p) ? JSON.stringify(p.type) : String(p);
  throw new TokenizerError(`unsupported pre_tokenizer ${type} in tokenizer.json (only BertPreTokenizer)`);
}
