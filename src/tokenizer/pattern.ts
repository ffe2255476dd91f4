// Patterns that split and replace text (tokenizers' Pattern trait): a char predicate, where every matching
// char is a match of its own, and regexes. `tokenizer.json` regexes are Oniguruma's (Split, Replace) and
// behave as its find_iter: after an empty match the search resumes one char later, and an empty match right
// where the previous match ended is skipped (JavaScript's matchAll reports it). Oniguruma's \s, \w and \d
// are Unicode classes; they are rewritten into \p{…} sets, and constructs JavaScript lacks are refused.
import type { Char, Matches, Pattern } from './normalized.ts';
import { TokenizerError } from './errors.ts';

/** Each char for which `test` holds is a match; the runs between are non-matches. */
export function charPattern(test: (c: string) => boolean): Pattern {
  return {
    findMatches(chars) {
      const out: Matches = [];
      let runStart = 0;
      chars.forEach((ch, i) => {
        if (!test(ch.c)) return;
        if (runStart < i) out.push([runStart, i, false]);
        out.push([i, i + 1, true]);
        runStart = i + 1;
      });
      if (runStart < chars.length || out.length === 0) out.push([runStart, chars.length, false]);
      return out;
    },
  };
}

/** A regex over the text, matches reported as char ranges. */
export function regexPattern(re: RegExp): Pattern {
  const global = re.flags.includes('g') ? re : new RegExp(re.source, `${re.flags}g`);
  return {
    findMatches(chars, text) {
      if (chars.length === 0) return [[0, 0, false]];
      // UTF-16 index -> char index.
      const at = new Int32Array(text.length + 1);
      let u = 0;
      chars.forEach((ch, i) => {
        for (let k = 0; k < ch.c.length; k++) at[u + k] = i;
        u += ch.c.length;
      });
      at[text.length] = chars.length;
      const out: Matches = [];
      let prev = 0; // char index where the last match (or the start) ended
      let lastEnd = -1; // UTF-16 end of the previous reported match
      global.lastIndex = 0;
      for (let m = global.exec(text); m; m = global.exec(text)) {
        const s = m.index;
        const e = s + m[0].length;
        if (e === s) {
          // Step past the empty match by one code point, as find_iter does.
          global.lastIndex = s + (s < text.length && text.codePointAt(s)! > 0xffff ? 2 : 1);
          if (s === lastEnd || s > text.length) continue;
        }
        lastEnd = e;
        const [cs, ce] = [at[s], at[e]];
        if (prev < cs) out.push([prev, cs, false]);
        out.push([cs, ce, true]);
        prev = ce;
        if (s >= text.length) break;
      }
      if (prev < chars.length) out.push([prev, chars.length, false]);
      return out;
    },
  };
}

/** The matches of `p` as non-matches and the rest as matches (Split's invert). */
export function invertPattern(p: Pattern): Pattern {
  return { findMatches: (chars: readonly Char[], text: string) => p.findMatches(chars, text).map(([s, e, m]) => [s, e, !m]) };
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A literal string (tokenizer.json's {"String": …}), matched as the Rust crate does: an escaped regex. */
export function stringPattern(s: string): Pattern {
  if (s === '') return { findMatches: (chars) => [[0, chars.length, false]] };
  return regexPattern(new RegExp(escapeRegex(s), 'gu'));
}

// Oniguruma classes in Unicode mode. Inside a bracket expression they lose their own brackets.
const CLASSES: Record<string, [inside: string, negated: string]> = {
  s: ['\\p{White_Space}', '\\P{White_Space}'],
  d: ['\\p{Nd}', '\\P{Nd}'],
  w: ['\\p{L}\\p{M}\\p{N}\\p{Pc}', ''],
};

/**
 * An Oniguruma regex (tokenizer.json's {"Regex": …}) as a JavaScript one with the `u` flag. \s \d \w and
 * their negations become Unicode property sets; possessive quantifiers, atomic groups and \A \z \Z \G \h
 * have no JavaScript form and are refused, naming the construct.
 */
export function onigurumaRegex(source: string): RegExp {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\' && i + 1 < source.length) {
      const n = source[++i];
      const cls = CLASSES[n.toLowerCase()];
      if (cls) {
        const negated = n !== n.toLowerCase();
        if (n.toLowerCase() === 'w' && negated) out += inClass ? fail(source, '\\W inside a bracket expression') : '[^\\p{L}\\p{M}\\p{N}\\p{Pc}]';
        else if (negated) out += cls[1];
        else out += inClass || n === 's' || n === 'd' ? cls[0] : `[${cls[0]}]`;
        continue;
      }
      if ('AzZGhH'.includes(n)) fail(source, `\\${n}`);
      // Oniguruma escapes any punctuation; JavaScript's u flag only its syntax characters (and - in a class).
      const keep = /[\p{L}\p{N}]/u.test(n) || '^$\\.*+?()[]{}|/'.includes(n) || (inClass && n === '-');
      out += keep ? c + n : n;
      continue;
    }
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    else if (!inClass && c === '(' && source[i + 1] === '?' && source[i + 2] === '>') fail(source, 'an atomic group (?>…)');
    else if (!inClass && (c === '+' || c === '*' || c === '?' || c === '}') && source[i + 1] === '+' && c !== '?') fail(source, 'a possessive quantifier');
    out += c;
  }
  try {
    return new RegExp(out, 'gu');
  } catch (e) {
    throw new TokenizerError(`tokenizer.json regex ${JSON.stringify(source)} is not supported: ${(e as Error).message}`);
  }
}

function fail(source: string, what: string): never {
  throw new TokenizerError(`tokenizer.json regex ${JSON.stringify(source)} uses ${what}, which JavaScript regexes lack`);
}
