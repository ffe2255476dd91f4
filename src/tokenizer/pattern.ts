// Patterns that split and replace text (tokenizers' Pattern trait): a char predicate, where every matching
// char is a match of its own, and regexes. `tokenizer.json` regexes are Oniguruma's (Split, Replace) and
// behave as its find_iter: after an empty match the search resumes one char later, and an empty match right
// where the previous match ended is skipped (JavaScript's matchAll reports it). They run on the linear-time
// matcher of regex/; JavaScript RegExps here are the engine's own, fixed patterns (ByteLevel's, Whitespace's,
// escaped literals), none of which can backtrack more than linearly.
import type { Char, Matches, Pattern } from './normalized.ts';
import { Program } from './regex/match.ts';

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

/**
 * An Oniguruma regex (tokenizer.json's {"Regex": …}) run by the linear-time matcher of regex/match.ts:
 * anyone can edit a tokenizer.json, and JavaScript's backtracking RegExp takes exponential time on
 * patterns like (\w+\s?)+$. Constructs that matcher cannot run are refused by parse.ts, naming the pattern.
 */
export function onigurumaPattern(source: string): Pattern {
  const program = Program.compile(source);
  return {
    findMatches(chars) {
      const n = chars.length;
      if (n === 0) return [[0, 0, false]];
      const cps = new Int32Array(n);
      for (let i = 0; i < n; i++) cps[i] = chars[i].c.codePointAt(0)!;
      const matcher = program.over(cps);
      const out: Matches = [];
      let prev = 0; // where the last match (or the start) ended
      let lastEnd = -1; // end of the previous reported match
      for (let from = 0, found = matcher.find(0); found; found = matcher.find(from)) {
        const [s, e] = found;
        // find_iter: after an empty match the search resumes one char later, and an empty match right
        // where the previous match ended is skipped.
        from = e === s ? s + 1 : e;
        if (e === s && s === lastEnd) continue;
        lastEnd = e;
        if (prev < s) out.push([prev, s, false]);
        out.push([s, e, true]);
        prev = e;
        if (s >= n) break;
      }
      if (prev < n) out.push([prev, n, false]);
      return out;
    },
  };
}
