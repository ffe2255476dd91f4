// Writes src/tokenizer/unicode-tables.ts (and regex/onig-classes.ts): the Unicode classes Hugging Face's Rust `tokenizers` applies, read
// off the library itself (npm tokenizers, a devDependency) one code point at a time. Its tables come from
// several Unicode versions (Rust's std, the unicode_categories crate, Oniguruma, a Unicode 9 normalization
// crate), JavaScript's from the runtime's ICU, which differs between Node, Chrome, Firefox and Safari: with
// the tables taken from the Rust library, every runtime tokenizes alike and as the Rust library does.
//
//   node --import tsx scripts/reference/unicode_tables.ts
import { writeFileSync } from 'node:fs';
import * as rust from 'tokenizers';

const MAX = 0x10ffff;
const chars = function* () {
  for (let cp = 0; cp <= MAX; cp++) if (cp < 0xd800 || cp > 0xdfff) yield [cp, String.fromCodePoint(cp)] as const;
};

/** Sorted [start, end] runs of the code points for which `test` holds. */
function ranges(test: (c: string, cp: number) => boolean): number[][] {
  const out: number[][] = [];
  for (const [cp, c] of chars()) {
    if (!test(c, cp)) continue;
    const last = out[out.length - 1];
    if (last && last[1] === cp - 1) last[1] = cp;
    else out.push([cp, cp]);
  }
  return out;
}

const pieces = (p: rust.PreTokenizer, s: string) => p.preTokenizeString(s).length;
const punctuation = rust.punctuationPreTokenizer('isolated');
const whitespace = rust.whitespaceSplitPreTokenizer();
const digits = rust.digitsPreTokenizer(true);
const words = rust.whitespacePreTokenizer();
const byteLevel = rust.byteLevelPreTokenizer(false, true);
const clean = rust.bertNormalizer({ cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false });
const stripNonspacing = rust.bertNormalizer({ cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false });
const stripMarks = rust.stripAccentsNormalizer();
const nfd = rust.nfdNormalizer();

const tables: Record<string, [string, number[][]]> = {
  PUNCTUATION: ['BertPreTokenizer / Punctuation: is_ascii_punctuation or the unicode_categories crate\'s is_punctuation', ranges((c) => pieces(punctuation, `a${c}a`) === 3)],
  WHITESPACE: ['char::is_whitespace (White_Space): WhitespaceSplit, Strip, added tokens\' lstrip/rstrip', ranges((c) => pieces(whitespace, `a${c}a`) === 2)],
  NUMERIC: ['char::is_numeric (Nd, Nl, No): Digits', ranges((c) => pieces(digits, `a${c}a`) === 3)],
  WORD: ['the regex crate\'s \\w (Alphabetic, M, Nd, Pc, Join_Control): Whitespace, single_word', ranges((c) => pieces(words, `a${c}a`) === 1)],
  // BertNormalizer clean_text drops \0, U+FFFD and controls, and turns whitespace into ' '.
  BERT_REMOVED: ['BertNormalizer clean_text: removed (\\0, U+FFFD, Cc/Cf/Co but \\t \\n \\r)', ranges((c) => clean.normalizeString(`a${c}a`) === 'aa')],
  BERT_SPACE: ['BertNormalizer clean_text: made a space (\\t \\n \\r and White_Space)', ranges((c) => c !== ' ' && clean.normalizeString(`a${c}a`) === 'a a')],
  // Strip accents runs after NFD: only what survives NFD matters, and a char NFD leaves alone is tested alone.
  NONSPACING_MARK: ['BertNormalizer strip_accents: Mn in the unicode_categories crate', ranges((c) => nfd.normalizeString(c) === c && stripNonspacing.normalizeString(`a${c}`) === 'a')],
  MARK: ['StripAccents: M* (is_combining_mark, Unicode 9)', ranges((c) => stripMarks.normalizeString(`a${c}`) === 'a')],
  // Oniguruma's \p{L} and \p{N} in the ByteLevel split regex: a letter joins "a…a" into one piece, a number "1…1".
  LETTER: ['Oniguruma \\p{L}: the ByteLevel split regex', ranges((c) => pieces(byteLevel, `a${c}a`) === 1)],
  NUMBER: ['Oniguruma \\p{N}: the ByteLevel split regex', ranges((c) => pieces(byteLevel, `1${c}1`) === 1)],
};

/**
 * Oniguruma's own \\w, \\s and \\d, as tokenizer.json Split/Replace regexes see them (src/tokenizer/regex/):
 * a Split that removes every match, over all code points in chunks; what survives is outside the class.
 */
async function onigClass(escape: string): Promise<number[][]> {
  const json = {
    version: '1.0', added_tokens: [], normalizer: null, post_processor: null, decoder: null,
    pre_tokenizer: { type: 'Split', pattern: { Regex: escape }, behavior: 'Removed', invert: false },
    model: { type: 'WordLevel', vocab: { '<unk>': 0 }, unk_token: '<unk>' },
  };
  const tok = rust.Tokenizer.fromString(JSON.stringify(json));
  const all = [...chars()].map(([cp]) => cp);
  const outside = new Set<number>();
  for (let k = 0; k < all.length; k += 4096) {
    const chunk = all.slice(k, k + 4096);
    const enc = await tok.encode(String.fromCodePoint(...chunk), null, { addSpecialTokens: false });
    for (const [s, e] of enc.getOffsets()) for (let i = s; i < e; i++) outside.add(chunk[i]);
  }
  return ranges((_, cp) => !outside.has(cp));
}
// Oniguruma's classes go to a file of their own (src/tokenizer/regex/onig-classes.ts), next to the matcher.
const onigTables: typeof tables = {
  ONIG_WORD: ['Oniguruma \\w: tokenizer.json regexes', await onigClass('\\w')],
  ONIG_SPACE: ['Oniguruma \\s: tokenizer.json regexes', await onigClass('\\s')],
  ONIG_DIGIT: ['Oniguruma \\d: tokenizer.json regexes', await onigClass('\\d')],
};

// Single-char mappings where the Rust library and this Node differ: lowercase and the four normal forms.
const mappings: Record<string, [string, (c: string) => string, (c: string) => string]> = {
  LOWERCASE: ['char::to_lowercase', (c) => rust.lowercase().normalizeString(c), (c) => c.toLowerCase()],
  NFD: ['NFD (Unicode 9)', (c) => nfd.normalizeString(c), (c) => c.normalize('NFD')],
  NFKD: ['NFKD (Unicode 9)', (c) => rust.nfkdNormalizer().normalizeString(c), (c) => c.normalize('NFKD')],
  NFC: ['NFC (Unicode 9)', (c) => rust.nfcNormalizer().normalizeString(c), (c) => c.normalize('NFC')],
  NFKC: ['NFKC (Unicode 9)', (c) => rust.nfkcNormalizer().normalizeString(c), (c) => c.normalize('NFKC')],
};

const lines: string[] = [
  '// Unicode classes as Hugging Face\'s Rust `tokenizers` has them, read off the library (npm tokenizers 0.23) one',
  '// code point at a time by scripts/reference/unicode_tables.ts, so every JavaScript runtime tokenizes alike.',
  '// Ranges are flat [first, last, first, last, ...] lists, sorted. Generated: do not edit.',
  '',
];
const wrap = (items: string[]) => {
  const out: string[] = [];
  let line = ' ';
  for (const it of items) {
    if (line.length + it.length + 2 > 112) {
      out.push(line);
      line = ' ';
    }
    line += ` ${it},`;
  }
  if (line.trim()) out.push(line);
  return out.join('\n');
};
const tableLines = (record: typeof tables) => Object.entries(record).flatMap(([name, [doc, rs]]) => {
  console.error(`${name}: ${rs.length} ranges`);
  return [`/** ${doc}. */`, `export const ${name}: readonly number[] = [`, wrap(rs.flatMap(([a, b]) => [`0x${a.toString(16)}`, `0x${b.toString(16)}`])), '];', ''];
});
lines.push(...tableLines(tables));
for (const [name, [doc, r, js]] of Object.entries(mappings)) {
  const diff: string[] = [];
  for (const [cp, c] of chars()) {
    const [a, b] = [r(c), js(c)];
    if (a !== b) diff.push(`0x${cp.toString(16)}, ${JSON.stringify(a)}`);
  }
  lines.push(`/** ${doc} where it differs from JavaScript's of the runtime that wrote this file: code point, Rust's result. */`,
    `export const ${name}_DIFFERENCES: readonly (number | string)[] = [`, wrap(diff), '];', '');
  console.error(`${name}: ${diff.length} differences`);
}
writeFileSync(new URL('../../src/tokenizer/unicode-tables.ts', import.meta.url), lines.join('\n'));
const onigLines = [
  '// Oniguruma\'s \\w, \\s and \\d as the Rust `tokenizers` library\'s regexes match them, read off the library (npm',
  '// tokenizers 0.23) one code point at a time by scripts/reference/unicode_tables.ts: the classes tokenizer.json',
  '// regexes use (regex/parse.ts). Ranges are flat [first, last, first, last, ...] lists, sorted. Generated: do not edit.',
  '',
  ...tableLines(onigTables),
];
writeFileSync(new URL('../../src/tokenizer/regex/onig-classes.ts', import.meta.url), `${onigLines.join('\n').trimEnd()}\n`);
