// GPT-2's byte-level alphabet (bytes_to_unicode): every byte is a printable char, so byte-level BPE works on
// text of 256 symbols. Printable bytes map to themselves; the others (0-32, 127-160, 173) to U+0100
// onwards in byte order: space is 'Ġ' (U+0120), newline 'Ċ' (U+010A).
import { LETTER_SET, NUMBER_SET, WHITESPACE_CLASS } from './unicode.ts';

/** Byte -> its char. */
export const BYTES_CHAR: readonly string[] = (() => {
  const out = new Array<string>(256);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    out[b] = String.fromCodePoint(printable ? b : 256 + n++);
  }
  return out;
})();

/** Char -> its byte. */
export const CHAR_BYTES: ReadonlyMap<string, number> = new Map(BYTES_CHAR.map((c, b) => [c, b]));

/**
 * GPT-2's split regex as the ByteLevel pre-tokenizer runs it, 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+|
 * ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+, in JavaScript with Oniguruma's classes (unicode-tables.ts), not the
 * runtime's: alternatives leftmost-first as in Oniguruma.
 */
export const BYTE_LEVEL_SPLIT = (() => {
  const [L, N, S] = [LETTER_SET.classBody, NUMBER_SET.classBody, WHITESPACE_CLASS];
  return new RegExp(`'s|'t|'re|'ve|'m|'ll|'d| ?[${L}]+| ?[${N}]+| ?[^${S}${L}${N}]+|[${S}]+(?![^${S}])|[${S}]+`, 'gu');
})();
