// tokenizer.json `normalizer`: every piece `tokenizers` defines, each an edit of a NormalizedString that
// keeps offsets. A type not listed here is a TokenizerError naming it, never a silent pass-through.
import { BYTES_CHAR } from './byte-level.ts';
import { TokenizerError } from './errors.ts';
import type { NormalizedString } from './normalized.ts';
import { onigurumaPattern, stringPattern } from './pattern.ts';
import { PrecompiledCharsmap } from './precompiled.ts';
import {
  isBertRemoved, isBertWhitespace, isChineseChar, isMark, isNonspacingMark, type Change,
} from './unicode.ts';
import { field, isRecord, type Json } from './json.ts';
import { checkGrowth, SequenceBudget } from './limits.ts';

export type Normalizer = (n: NormalizedString) => void;

/** Nmt: control chars removed, other white-ish chars to spaces (normalizers/unicode.rs). */
const NMT_REMOVED = (cp: number) => (cp >= 0x01 && cp <= 0x08) || cp === 0x0b || (cp >= 0x0e && cp <= 0x1f) || cp === 0x7f || cp === 0x8f || cp === 0x9f;
const NMT_SPACE = new Set([0x09, 0x0a, 0x0c, 0x0d, 0x1680, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2028, 0x2029, 0x2581, 0xfeff, 0xfffd]);

/** The `pattern` of Replace / Split: {"String": …} (a literal) or {"Regex": …} (Oniguruma syntax). */
export function patternFromJson(p: unknown, where: string) {
  if (isRecord(p) && typeof p.String === 'string') return stringPattern(p.String);
  if (isRecord(p) && typeof p.Regex === 'string') return onigurumaPattern(p.Regex);
  throw new TokenizerError(`tokenizer.json ${where} pattern must be {"String": …} or {"Regex": …}, got ${JSON.stringify(p)}`);
}

function bert(j: Json): Normalizer {
  const lowercase = field(j, 'lowercase', 'boolean', 'BertNormalizer');
  const clean = field(j, 'clean_text', 'boolean', 'BertNormalizer');
  const chinese = field(j, 'handle_chinese_chars', 'boolean', 'BertNormalizer');
  const strip = j.strip_accents === null || j.strip_accents === undefined ? lowercase : field(j, 'strip_accents', 'boolean', 'BertNormalizer');
  return (n) => {
    if (clean) {
      n.filter((c) => !isBertRemoved(c));
      n.map((c) => (isBertWhitespace(c) ? ' ' : c));
    }
    if (chinese) {
      const dest: Change[] = [];
      for (const ch of n.chars) {
        if (isChineseChar(ch.c)) dest.push([' ', 0], [ch.c, 1], [' ', 1]);
        else dest.push([ch.c, 0]);
      }
      n.transform(dest);
    }
    if (strip) {
      n.normalize('NFD');
      n.filter((c) => !isNonspacingMark(c));
    }
    if (lowercase) n.lowercase();
  };
}

export function normalizerFromJson(j: unknown, budget = new SequenceBudget('normalizer'), depth = 0): Normalizer | undefined {
  const step = pieceFromJson(j, budget, depth);
  if (!step || (isRecord(j) && j.type === 'Sequence')) return step;
  return (n) => {
    step(n);
    const chars = n.chars.length;
    checkGrowth('normalizer', (j as Json).type, chars === 0 ? 0 : n.chars[chars - 1].end - n.chars[0].start, chars);
  };
}

function pieceFromJson(j: unknown, budget: SequenceBudget, depth: number): Normalizer | undefined {
  if (j === null || j === undefined) return undefined;
  if (!isRecord(j)) throw new TokenizerError('tokenizer.json normalizer must be an object or null');
  switch (j.type) {
    case 'BertNormalizer':
      return bert(j);
    case 'Lowercase':
      return (n) => n.lowercase();
    case 'NFD': case 'NFKD': case 'NFC': case 'NFKC': {
      const form = j.type;
      return (n) => n.normalize(form);
    }
    case 'StripAccents':
      return (n) => n.filter((c) => !isMark(c));
    case 'Strip': {
      const [left, right] = [field(j, 'strip_left', 'boolean', 'Strip'), field(j, 'strip_right', 'boolean', 'Strip')];
      return (n) => n.strip(left, right);
    }
    case 'Replace': {
      const pattern = patternFromJson(j.pattern, 'Replace normalizer');
      const content = field(j, 'content', 'string', 'Replace');
      return (n) => n.replace(pattern, content);
    }
    case 'Prepend': {
      const prepend = field(j, 'prepend', 'string', 'Prepend');
      return (n) => n.prepend(prepend);
    }
    case 'Precompiled': {
      const charsmap = PrecompiledCharsmap.fromBase64(field(j, 'precompiled_charsmap', 'string', 'Precompiled'));
      return (n) => charsmap.normalize(n);
    }
    case 'Nmt':
      return (n) => {
        n.filter((c) => !NMT_REMOVED(c.codePointAt(0)!));
        n.map((c) => (NMT_SPACE.has(c.codePointAt(0)!) ? ' ' : c));
      };
    case 'ByteLevel':
      return (n) => n.transform(byteLevelStream(n));
    case 'Sequence': {
      if (!Array.isArray(j.normalizers)) throw new TokenizerError('tokenizer.json Sequence normalizer needs a "normalizers" list');
      const steps = budget.take(j.normalizers, depth + 1).map((x) => normalizerFromJson(x, budget, depth + 1)).filter((x): x is Normalizer => x !== undefined);
      return (n) => { for (const s of steps) s(n); };
    }
    default:
      throw new TokenizerError(`tokenizer.json normalizer ${JSON.stringify(j.type)} is not supported (supported: BertNormalizer, Lowercase, NFD, NFKD, NFC, NFKC, StripAccents, Strip, Replace, Prepend, Precompiled, Nmt, ByteLevel, Sequence)`);
  }
}

/** Each char as its UTF-8 bytes, each byte as its byte-level char; all of them keep the char's span. */
export function byteLevelStream(n: NormalizedString): Change[] {
  const dest: Change[] = [];
  const enc = new TextEncoder();
  for (const ch of n.chars) enc.encode(ch.c).forEach((b, k) => dest.push([BYTES_CHAR[b], k === 0 ? 0 : 1]));
  return dest;
}
