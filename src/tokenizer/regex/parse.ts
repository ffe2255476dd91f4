// Oniguruma regex source (tokenizer.json's {"Regex": …}, Ruby syntax as the Rust `onig` crate compiles it)
// → a syntax tree for the linear-time matcher (match.ts). Only constructs whose match can be decided without
// backreferences are taken: literals, classes (nested, ranges, `&&`), \s \d \w \h and their negations,
// \p{…}, `.`, groups, alternation, greedy and lazy quantifiers and intervals, anchors, \b, lookahead and
// fixed-length lookbehind, (?i) / (?m). The rest (backreferences, subexpression calls, atomic groups,
// possessive quantifiers, \G \K \R \X, conditionals) is a TokenizerError naming the pattern and the construct.
import { TokenizerError } from '../errors.ts';
import { CodePointSet, LETTER_SET, NUMBER_SET } from '../unicode.ts';
import { ONIG_DIGIT, ONIG_SPACE, ONIG_WORD } from './onig-classes.ts';

/** Does a code point belong to the set. */
export type CharTest = (cp: number) => boolean;

export type Anchor = 'lineStart' | 'lineEnd' | 'start' | 'end' | 'endOrFinalNewline' | 'wordBoundary' | 'notWordBoundary';

export type Node =
  | { t: 'char'; test: CharTest; caseless?: number } // caseless: a literal's code point under (?i)
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number; greedy: boolean }
  | { t: 'anchor'; kind: Anchor }
  | { t: 'look'; behind: boolean; negate: boolean; node: Node };

/** Oniguruma's ONIG_MAX_REPEAT_NUM: a larger interval bound is a syntax error there too. */
const MAX_REPEAT = 100_000;
/** Nesting of groups and classes; deeper patterns are refused before they can exhaust the stack. */
const MAX_NESTING = 64;

/** A class tested through a one-char JavaScript regex (no quantifier: it cannot backtrack), cached per code point. */
function jsClass(body: string, ignoreCase: boolean, source: string): CharTest {
  let re: RegExp;
  try {
    re = new RegExp(`^[${body}]$`, ignoreCase ? 'iu' : 'u');
  } catch (e) {
    throw new TokenizerError(`tokenizer.json regex ${JSON.stringify(source)} is not supported: ${(e as Error).message}`);
  }
  return cached((cp) => re.test(String.fromCodePoint(cp)));
}

function cached(test: CharTest): CharTest {
  let bmp: Uint8Array | undefined; // 0 unknown, 1 no, 2 yes
  const astral = new Map<number, boolean>();
  return (cp) => {
    if (cp < 0x10000) {
      bmp ??= new Uint8Array(0x10000);
      const v = bmp[cp];
      if (v) return v === 2;
      const r = test(cp);
      bmp[cp] = r ? 2 : 1;
      return r;
    }
    let r = astral.get(cp);
    if (r === undefined) astral.set(cp, (r = test(cp)));
    return r;
  };
}

const isNewline = (cp: number) => cp === 0x0a;
const hexDigit = (cp: number) => (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x46) || (cp >= 0x61 && cp <= 0x66);
// \p{L}, \p{N}, \s, \d and \w from tables read off the Rust library (unicode-tables.ts): Oniguruma's Unicode
// version and its own class definitions (its \w takes ¹ and ½ but not ①), not the runtime's.
const fromSet = (set: CodePointSet): CharTest => cached((cp) => set.has(cp));
const LETTER: CharTest = fromSet(LETTER_SET);
const NUMBER: CharTest = fromSet(NUMBER_SET);
const not = (t: CharTest): CharTest => (cp) => !t(cp);
const SPACE = fromSet(new CodePointSet(ONIG_SPACE));
const DIGIT = fromSet(new CodePointSet(ONIG_DIGIT));
export const WORD = fromSet(new CodePointSet(ONIG_WORD));

interface Flags { i: boolean; dotAll: boolean }

/** A char's full case folding when it is several chars (ß → ss, ﬁ → fi, İ → i̇), else undefined. */
function multiCharFold(cp: number): string | undefined {
  const c = String.fromCodePoint(cp);
  for (const f of [c.toLowerCase(), c.toUpperCase().toLowerCase()]) if ([...f].length > 1) return f;
  return undefined;
}

let folds: string[] | undefined;
/** Every multi-char fold, from the blocks that have them (Latin, Greek, Armenian, their extensions, ligatures). */
function multiCharFolds(): string[] {
  if (folds) return folds;
  const found = new Set<string>();
  for (const [lo, hi] of [[0x80, 0x58f], [0x1e00, 0x1fff], [0xfb00, 0xfb17]]) {
    for (let cp = lo; cp <= hi; cp++) {
      const f = multiCharFold(cp);
      if (f) found.add(f);
    }
  }
  return (folds = [...found]);
}

/** Parses `source`; every refusal is a one-line TokenizerError naming the pattern. */
export function parseOniguruma(source: string): Node {
  let i = 0;
  let depth = 0;
  const fail = (what: string): never => {
    throw new TokenizerError(`tokenizer.json regex ${JSON.stringify(source)} ${what}`);
  };
  const unsupported = (what: string): never => fail(`uses ${what}, which this tokenizer's linear-time matcher does not run`);
  const peek = (k = 0) => source[i + k];
  const codePointAt = () => {
    const cp = source.codePointAt(i)!;
    i += cp > 0xffff ? 2 : 1;
    return cp;
  };

  /** An escape's code point (\t, \x41, \u{…}), or undefined when it is not a single char. */
  function escapedChar(n: string): number | undefined {
    const simple: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, v: 11, a: 7, e: 27 };
    if (n in simple) return simple[n];
    if (n === 'x' || n === 'u') {
      const m = n === 'x' ? /^\{([0-9a-fA-F]{1,8})\}|^([0-9a-fA-F]{1,2})/.exec(source.slice(i)) : /^([0-9a-fA-F]{4})/.exec(source.slice(i));
      if (!m) fail(`has a malformed \\${n} escape`);
      i += m![0].length;
      const cp = parseInt(m![1] ?? m![2], 16);
      if (cp > 0x10ffff) fail('has a code point escape beyond U+10FFFF');
      return cp;
    }
    if (n === '0') {
      const m = /^[0-7]{0,2}/.exec(source.slice(i))!;
      i += m[0].length;
      return parseInt(`0${m[0]}`, 8);
    }
    return undefined;
  }

  /** A class escape (\s \d \w \h \p{…} and negations), or undefined. `i` is past the escaped letter. */
  function classEscape(n: string, flags: Flags): CharTest | undefined {
    switch (n) {
      case 's': return SPACE;
      case 'S': return not(SPACE);
      case 'd': return DIGIT;
      case 'D': return not(DIGIT);
      case 'w': return WORD;
      case 'W': return not(WORD);
      case 'h': return hexDigit;
      case 'H': return not(hexDigit);
      case 'p': case 'P': {
        const m = /^\{(\^?)([A-Za-z0-9_ =-]+)\}/.exec(source.slice(i));
        if (!m) fail(`has a malformed \\${n} property`);
        i += m![0].length;
        const name = m![2];
        const t = name === 'L' ? LETTER : name === 'N' ? NUMBER : property(name, flags.i);
        return (n === 'P') !== (m![1] === '^') ? not(t) : t;
      }
      default: return undefined;
    }
  }

  /** A property as JavaScript names it: Oniguruma also takes a bare script name (\p{Han}). */
  function property(name: string, ignoreCase: boolean): CharTest {
    try {
      return jsClass(`\\p{${name}}`, ignoreCase, source);
    } catch (e) {
      if (/[=]/.test(name)) throw e;
      return jsClass(`\\p{Script=${name}}`, ignoreCase, source);
    }
  }

  const literal = (cp: number, flags: Flags): CharTest => {
    if (!flags.i) return (c) => c === cp;
    const s = String.fromCodePoint(cp);
    return jsClass(/[\p{L}\p{N}]/u.test(s) ? s : `\\u{${cp.toString(16)}}`, true, source);
  };

  /** A bracket expression; `i` is past '['. Items union, `&&` intersects, a leading '^' negates. */
  function bracket(flags: Flags): CharTest {
    if (++depth > MAX_NESTING) fail(`nests classes deeper than ${MAX_NESTING}`);
    const negate = peek() === '^';
    if (negate) i++;
    const parts: CharTest[][] = [[]];
    let first = true;
    for (;;) {
      if (i >= source.length) fail('has an unterminated character class');
      const c = peek();
      if (c === ']' && !first) {
        i++;
        break;
      }
      first = false;
      if (c === '&' && peek(1) === '&') {
        i += 2;
        parts.push([]);
        continue;
      }
      if (c === '[') {
        if (peek(1) === ':') unsupported('a POSIX bracket [:…:]');
        i++;
        parts[parts.length - 1].push(bracket(flags));
        continue;
      }
      const lo = classAtom(flags);
      if (typeof lo === 'number' && peek() === '-' && peek(1) !== ']' && peek(1) !== undefined) {
        const save = i;
        i++;
        const hi = peek() === '[' ? undefined : classAtom(flags);
        if (typeof hi === 'number') {
          if (hi < lo) fail('has a character class range out of order');
          parts[parts.length - 1].push(flags.i ? jsClass(`\\u{${lo.toString(16)}}-\\u{${hi.toString(16)}}`, true, source) : (cp) => cp >= lo && cp <= hi);
          continue;
        }
        i = save;
      }
      parts[parts.length - 1].push(typeof lo === 'number' ? literal(lo, flags) : lo);
    }
    depth--;
    const unions = parts.map((p): CharTest => (cp) => p.some((t) => t(cp)));
    const all: CharTest = unions.length === 1 ? unions[0] : (cp) => unions.every((t) => t(cp));
    return cached(negate ? not(all) : all);
  }

  /** One char or class escape inside brackets: a code point, or a test. */
  function classAtom(flags: Flags): number | CharTest {
    if (peek() !== '\\') return codePointAt();
    i++;
    if (i >= source.length) fail('ends with a backslash');
    const n = source[i++];
    const cls = classEscape(n, flags);
    if (cls) return cls;
    const ch = escapedChar(n);
    if (ch !== undefined) return ch;
    if (n === 'b') return 8; // backspace inside a class
    if (/[A-Za-z0-9]/.test(n)) unsupported(`the escape \\${n} inside a class`);
    i--;
    return codePointAt(); // an escaped punctuation char stands for itself
  }

  function alternation(outer: Flags): Node {
    const flags = { ...outer }; // (?i) alone switches the rest of this group, later alternatives included
    const alts: Node[] = [sequence(flags)];
    while (peek() === '|') {
      i++;
      alts.push(sequence(flags));
    }
    return alts.length === 1 ? alts[0] : { t: 'alt', alts };
  }

  function sequence(flags: Flags): Node {
    const items: Node[] = [];
    while (i < source.length && peek() !== '|' && peek() !== ')') {
      const atom = parseAtom(flags);
      if (atom === undefined) continue;
      items.push(quantified(atom));
    }
    // Oniguruma's (?i) also matches "ss" to ß and "fi" to ﬁ (full case folding); this matcher folds one char to
    // one, so a caseless run of literals that spells such a fold is refused rather than matched differently.
    let run = '';
    for (const item of [...items, undefined]) {
      if (item?.t === 'char' && item.caseless !== undefined) {
        run += String.fromCodePoint(item.caseless).toLowerCase();
        continue;
      }
      const fold = run.length > 1 ? multiCharFolds().find((f) => run.includes(f)) : undefined;
      if (fold) fail(`has case-insensitive "${fold}", which Oniguruma also matches to one char (full case folding, not run here)`);
      run = '';
    }
    return items.length === 1 ? items[0] : { t: 'seq', items };
  }

  function literalNode(cp: number, flags: Flags): Node {
    if (flags.i && multiCharFold(cp)) fail(`has case-insensitive ${String.fromCodePoint(cp)}, which Oniguruma also matches to "${multiCharFold(cp)}" (full case folding, not run here)`);
    return { t: 'char', test: literal(cp, flags), ...(flags.i && { caseless: cp }) };
  }

  function quantified(atom: Node): Node {
    let node = atom;
    for (;;) {
      const c = peek();
      let min: number;
      let max: number;
      if (c === '*' || c === '+' || c === '?') {
        [min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
        i++;
      } else if (c === '{') {
        const m = /^\{(\d*)(,?)(\d*)\}/.exec(source.slice(i));
        if (!m || (m[1] === '' && m[3] === '') || (m[2] === '' && m[1] === '')) return node; // not an interval: a literal '{'
        [min, max] = [m[1] === '' ? 0 : Number(m[1]), m[2] === '' ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3])];
        if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) fail(`has a repeat count above ${MAX_REPEAT}`);
        if (max < min) fail('has an interval whose upper bound is below its lower bound');
        i += m[0].length;
        if (peek() === '+') unsupported('a quantifier right after an interval');
      } else return node;
      if (node.t === 'anchor' || node.t === 'look') fail('repeats an anchor or a look-around');
      let greedy = true;
      if (peek() === '?') {
        greedy = false;
        i++;
      } else if (peek() === '+' && c !== '{') unsupported('a possessive quantifier');
      node = { t: 'rep', node, min, max, greedy };
    }
  }

  function parseAtom(flags: Flags): Node | undefined {
    const c = peek();
    if (c === '(') return group(flags);
    if (c === '*' || c === '+' || c === '?') fail('has a quantifier with nothing to repeat');
    i++;
    switch (c) {
      case '[': return { t: 'char', test: bracket(flags) };
      case '.': return { t: 'char', test: flags.dotAll ? () => true : not(isNewline) };
      case '^': return { t: 'anchor', kind: 'lineStart' };
      case '$': return { t: 'anchor', kind: 'lineEnd' };
      case '\\': return escape(flags);
      default:
        i--;
        return literalNode(codePointAt(), flags);
    }
  }

  function escape(flags: Flags): Node {
    if (i >= source.length) fail('ends with a backslash');
    const n = source[i++];
    const anchors: Record<string, Anchor> = { A: 'start', z: 'end', Z: 'endOrFinalNewline', b: 'wordBoundary', B: 'notWordBoundary' };
    if (n in anchors) return { t: 'anchor', kind: anchors[n] };
    const cls = classEscape(n, flags);
    if (cls) return { t: 'char', test: cls };
    const ch = escapedChar(n);
    if (ch !== undefined) return literalNode(ch, flags);
    if (/[1-9k]/.test(n)) unsupported('a backreference');
    if (n === 'g') unsupported('a subexpression call');
    if (/[A-Za-z0-9]/.test(n)) unsupported(`the escape \\${n}`);
    i--;
    return literalNode(codePointAt(), flags);
  }

  function group(flags: Flags): Node | undefined {
    if (++depth > MAX_NESTING) fail(`nests groups deeper than ${MAX_NESTING}`);
    i++; // '('
    let inner = flags;
    let look: { behind: boolean; negate: boolean } | undefined;
    if (peek() === '?') {
      i++;
      const k = peek();
      if (k === ':') i++;
      else if (k === '=' || k === '!') {
        look = { behind: false, negate: k === '!' };
        i++;
      } else if (k === '<' && (peek(1) === '=' || peek(1) === '!')) {
        look = { behind: true, negate: peek(1) === '!' };
        i += 2;
      } else if (k === '<' || k === "'") {
        const close = source.indexOf(k === '<' ? '>' : "'", i + 1);
        if (close < 0) fail('has an unterminated group name');
        i = close + 1; // a named group: captures are not needed to find matches
      } else if (k === '#') {
        const close = source.indexOf(')', i);
        if (close < 0) fail('has an unterminated comment');
        i = close + 1;
        depth--;
        return undefined;
      } else if (k === '>') unsupported('an atomic group (?>…)');
      else {
        const m = /^([imx]*)(?:-([imx]*))?([:)])/.exec(source.slice(i));
        if (!m) unsupported(`the group (?${k}`);
        if (`${m![1]}${m![2] ?? ''}`.includes('x')) unsupported('extended mode (?x)');
        const set = { ...flags };
        for (const f of m![1]) (f === 'i' ? (set.i = true) : (set.dotAll = true));
        for (const f of m![2] ?? '') (f === 'i' ? (set.i = false) : (set.dotAll = false));
        i += m![0].length;
        if (m![3] === ')') {
          Object.assign(flags, set); // (?i) alone: the rest of the enclosing group
          depth--;
          return undefined;
        }
        inner = set;
      }
    }
    const node = alternation(inner);
    if (peek() !== ')') fail('has an unbalanced parenthesis');
    i++;
    depth--;
    return look ? { t: 'look', ...look, node } : node;
  }

  const tree = alternation({ i: false, dotAll: false });
  if (i < source.length) fail('has an unbalanced parenthesis');
  return tree;
}
