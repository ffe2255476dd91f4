// Tokenizers read from files anyone can edit must not hang and must fail fast: tokenizer.json regexes run on
// the linear-time matcher (src/tokenizer/regex/) and split as Hugging Face's Rust library splits (its
// Oniguruma is the oracle, npm tokenizers 0.23), constructs that matcher cannot run are refused by name,
// WordPiece's longest-match search is bounded by the vocabulary's piece lengths, and vocabularies, Sequences
// and JSON nesting have limits. No timed assertions: work is counted (matcher steps, vocabulary lookups)
// and held to the linear bound the algorithm guarantees.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Tokenizer as RustTokenizer } from 'tokenizers';
import { loadTokenizer, readTokenizerFiles, Tokenizer, TokenizerError } from '../../src/tokenizer/index.ts';
import { jsonNestingProblem, parseJsonText } from '../../src/tokenizer/json-text.ts';
import { DEFAULT_TOKENIZER_LIMITS, setTokenizerLimits } from '../../src/tokenizer/limits.ts';
import { WordPiece } from '../../src/tokenizer/models/wordpiece.ts';
import { NormalizedString } from '../../src/tokenizer/normalized.ts';
import { onigurumaPattern } from '../../src/tokenizer/pattern.ts';
import { Program } from '../../src/tokenizer/regex/match.ts';
import { EDGE_CASES, randomTexts, udhr } from '../tokenizer/corpus.ts';
import { tokenizerConfigs } from '../tokenizer/configs.ts';

/** Split / Replace patterns of tokenizers on the hub, and the pieces the engine's own tokenizers use. */
export const HUB_PATTERNS: Record<string, string> = {
  'GPT-2 / RoBERTa (ByteLevel\'s regex, also as a Split)': "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
  'Llama 3': "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  'Qwen 2': "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  'GPT-4o (o200k)': "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  'DeepSeek': "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  'DeepSeek CJK': '[一-龥\u3040-ゟ゠-ヿ]+',
  'BLOOM (nested class)': ' ?[^(\\s|[.,!?…。，、।۔،])]+',
  'Whitespace': '\\w+|[^\\w\\s]+',
  'Digits / numbers': '\\d+',
  'Replace runs of spaces': ' {2,}',
  'Replace whitespace': '\\s+',
  'Replace leading / trailing space': '^\\s+|\\s+$',
  'contractions': "'s|'t|-",
};

const TEXTS = [...udhr(1).map((p) => p.text).filter((_, i) => i % 8 === 0), ...EDGE_CASES, ...randomTexts(60, 11), 'x\nab\n\nc\n  \n', "DON'T I'LL We'Re"];

/** A tokenizer.json that only splits with `pattern`: each piece becomes one token with its offsets. */
const splitter = (pattern: string, behavior: 'Isolated' | 'Removed') => ({
  version: '1.0', added_tokens: [], normalizer: null, post_processor: null, decoder: null,
  pre_tokenizer: { type: 'Split', pattern: { Regex: pattern }, behavior, invert: false },
  model: { type: 'WordLevel', vocab: { '<unk>': 0 }, unk_token: '<unk>' },
});

/** The pieces the pattern leaves of `text` as code-point [start, end] spans (the Rust binding's unit). */
function ours(pattern: ReturnType<typeof onigurumaPattern>, text: string, behavior: 'Isolated' | 'Removed'): number[][] {
  const n = NormalizedString.from(text);
  return pattern.findMatches(n.chars, text).filter(([s, e, m]) => s < e && (behavior === 'Isolated' || !m)).map(([s, e]) => [s, e]);
}

/** Steps the matcher takes to find every match in `text` (the find_iter loop of pattern.ts), and its size. */
function work(source: string, text: string): { steps: number; states: number } {
  const program = Program.compile(source);
  const cps = Int32Array.from([...text].map((c) => c.codePointAt(0)!));
  const m = program.over(cps);
  for (let from = 0, f = m.find(0); f; f = m.find(from)) from = f[1] > f[0] ? f[1] : f[0] + 1;
  return { steps: m.steps, states: program.op.length * (cps.length + 1) };
}

function assertTokenizerError(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TokenizerError, `expected a TokenizerError, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

describe('tokenizer.json regexes', () => {
  test('real hub patterns split as the Rust library splits', async () => {
    let compared = 0;
    const failures: string[] = [];
    for (const [name, source] of Object.entries(HUB_PATTERNS)) {
      const pattern = onigurumaPattern(source);
      for (const behavior of ['Isolated', 'Removed'] as const) {
        const rust = RustTokenizer.fromString(JSON.stringify(splitter(source, behavior)));
        for (const text of TEXTS) {
          compared++;
          const want = (await rust.encode(text, null, { addSpecialTokens: false })).getOffsets();
          const got = ours(pattern, text, behavior);
          if (JSON.stringify(got) !== JSON.stringify(want) && failures.length < 5) failures.push(`${name} ${behavior} ${JSON.stringify(text.slice(0, 50))}: ${JSON.stringify(got).slice(0, 120)} vs Rust ${JSON.stringify(want).slice(0, 120)}`);
        }
      }
    }
    console.log(`${Object.keys(HUB_PATTERNS).length} patterns, ${compared} texts split and compared with the Rust library`);
    assert.deepEqual(failures, []);
  });

  test('the features around them: anchors, look-around, laziness, intervals, case, classes', async () => {
    const sources = ['(?i)ab|c', '\\b\\w', '(?=\\w)', '\\W+', '$', '^a|b$', '(?<=\\s)\\w+', '(?<!\\w)\\d', '(?<=ab|c)x', 'a+?b?', '(a*)*b', '[\\]a]+', '\\p{^L}+',
      '\\P{L}+', '\\p{Han}+', '.', 'a{,2}', '\\x41\\u0062', '(?<name>a)b(?#comment)', 'a{', '[a-]', '\\Ba', '(?i:[a-c])', '(?i)K', '\\A.|.\\z|\\Z', '[a-z&&[^aeiou]]+', '\\h+', '(a|ab)(c|bcd)', '(?m:.+)'];
    const texts = [...TEXTS.filter((_, i) => i % 3 === 0), 'aab abbcd abcd', 'x\nab\n\nc\n', 'K k \u212a'];
    const failures: string[] = [];
    for (const source of sources) {
      const pattern = onigurumaPattern(source);
      const rust = RustTokenizer.fromString(JSON.stringify(splitter(source, 'Isolated')));
      for (const text of texts) {
        const want = (await rust.encode(text, null, { addSpecialTokens: false })).getOffsets();
        const got = ours(pattern, text, 'Isolated');
        if (JSON.stringify(got) !== JSON.stringify(want) && failures.length < 5) failures.push(`${source} ${JSON.stringify(text.slice(0, 50))}: ${JSON.stringify(got).slice(0, 120)} vs Rust ${JSON.stringify(want).slice(0, 120)}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  test('catastrophic patterns take work linear in the text', () => {
    // (\w+\s?)+$ on 32 chars did not finish in 20 s on JavaScript's RegExp (and makes the Rust library abort
    // with "retry-limit-in-match over"). Every state (instruction, position) is expanded at most once, and each
    // expansion reaches at most two others, so 3 steps per state bound any pattern; doubling the text at
    // most doubles the work (plus the pattern's constant).
    const cases: [string, (n: number) => string][] = [
      ['(\\w+\\s?)+$', (n) => `${'a'.repeat(n)}!`],
      ['(a+)+b', (n) => 'a'.repeat(n)],
      ['(a|a)*c', (n) => 'a'.repeat(n)],
      ['(a|aa)*c', (n) => 'a'.repeat(n)],
      ['(\\s*[\\r\\n]+)+x|\\s+$', (n) => `${' \n'.repeat(n / 2)} y`],
      ['(?:(?=(\\w+))\\w)+!', (n) => 'ab'.repeat(n / 2)],
      ['.*.*.*=.*', (n) => 'x'.repeat(n)],
      [HUB_PATTERNS['Llama 3'], (n) => ' '.repeat(n)],
    ];
    for (const [source, text] of cases) {
      const small = work(source, text(2000));
      const large = work(source, text(4000));
      assert.ok(large.steps <= 3 * large.states, `${source}: ${large.steps} steps for ${large.states} states`);
      assert.ok(large.steps <= 2.2 * small.steps + 1000, `${source}: ${small.steps} steps on 2000 chars, ${large.steps} on 4000`);
    }
    // The issue's own case through a tokenizer: a Split with that pattern tokenizes 32 and 20,000 chars.
    const json = splitter('(\\w+\\s?)+$', 'Isolated');
    const tok = Tokenizer.fromJson(json);
    assert.deepEqual(tok.encode(`${'a'.repeat(31)}!`, { addSpecialTokens: false }).offsets, [[0, 32]], 'no match: one piece');
    assert.deepEqual(tok.encode(`${'ab '.repeat(6666)}!x`, { addSpecialTokens: false }).offsets, [[0, 19999], [19999, 20000]], 'the match is the final x');
  });

  test('constructs the matcher cannot run are refused, naming the pattern', () => {
    const refused: [string, string][] = [
      ['(a)\\1', 'a backreference'], ['(?<x>a)\\k<x>', 'a backreference'], ['(?>a+)b', 'an atomic group (?>…)'], ['a*+', 'a possessive quantifier'],
      ['\\Ga', 'the escape \\G'], ['a\\Kb', 'the escape \\K'], ['\\R', 'the escape \\R'], ['\\X', 'the escape \\X'], ['(a)\\g<1>', 'a subexpression call'],
      ['(?(1)a|b)', 'the group (?('], ['(?x) a', 'extended mode (?x)'], ['[[:alpha:]]', 'a POSIX bracket [:…:]'],
    ];
    for (const [source, what] of refused) {
      assertTokenizerError(() => onigurumaPattern(source), `tokenizer.json regex ${JSON.stringify(source)} uses ${what}, which this tokenizer's linear-time matcher does not run`);
    }
    // Oniguruma folds ß to "ss" and "st" to ﬆ under (?i); this matcher folds one char to one, so those are refused.
    assertTokenizerError(() => onigurumaPattern('(?i:ß)'), 'tokenizer.json regex "(?i:ß)" has case-insensitive ß, which Oniguruma also matches to "ss" (full case folding, not run here)');
    assertTokenizerError(() => onigurumaPattern('(?i)a|st'), 'tokenizer.json regex "(?i)a|st" has case-insensitive "st", which Oniguruma also matches to one char (full case folding, not run here)');
    assertTokenizerError(() => onigurumaPattern('(?<=a+)b'), 'tokenizer.json regex "(?<=a+)b" has a look-behind whose length varies, which Oniguruma refuses too');
    assertTokenizerError(() => onigurumaPattern('(a'), 'tokenizer.json regex "(a" has an unbalanced parenthesis');
    assertTokenizerError(() => onigurumaPattern('[a'), 'tokenizer.json regex "[a" has an unterminated character class');
    assertTokenizerError(() => onigurumaPattern('+a'), 'tokenizer.json regex "+a" has a quantifier with nothing to repeat');
    assertTokenizerError(() => onigurumaPattern('(ab{1000}){1000}'), /^tokenizer\.json regex "\(ab\{1000\}\)\{1000\}" is too large: it compiles to more than 4096 instructions/);
    assertTokenizerError(() => onigurumaPattern(`${'('.repeat(100)}a${')'.repeat(100)}`), /nests groups deeper than 64$/);
    // Through tokenizer.json: the Split pre-tokenizer reports the same error.
    assertTokenizerError(() => Tokenizer.fromJson(splitter('(a)\\1', 'Isolated')), /^tokenizer\.json regex "\(a\)\\\\1" uses a backreference/);
  });
});

describe('WordPiece', () => {
  /** The textbook search (every end from the word's end down), as the Rust library runs it. */
  function textbook(vocab: Map<string, number>, chars: string[]): string[] | undefined {
    const out: string[] = [];
    for (let start = 0; start < chars.length;) {
      let end = chars.length;
      for (; end > start; end--) if (vocab.has((start > 0 ? '##' : '') + chars.slice(start, end).join(''))) break;
      if (end === start) return undefined;
      out.push((start > 0 ? '##' : '') + chars.slice(start, end).join(''));
      start = end;
    }
    return out;
  }

  test('the longest-match search tries only the vocabulary\'s piece lengths: lookups linear in the word', () => {
    const bert = tokenizerConfigs()[0].json as { model: { vocab: Record<string, number> } };
    let lookups = 0;
    class CountingMap extends Map<string, number> {
      override get(k: string) {
        lookups++;
        return super.get(k);
      }
    }
    const vocab = new CountingMap(Object.entries(bert.model.vocab));
    const wp = new WordPiece(vocab, '[UNK]', '##', 1e9);
    const lengths = new Set([...vocab.keys()].map((t) => [...t].length)).size;
    for (const n of [2000, 20000]) {
      lookups = 0;
      const word = [...'unbelievableness'.repeat(Math.ceil(n / 16))].slice(0, n);
      const tokens = wp.tokenize(word).map((t) => t.value);
      // At most one lookup per piece length per position; the cubic search made ~n²/2 joins of up to n chars.
      assert.ok(lookups <= n * lengths, `${n} chars: ${lookups} lookups, ${lengths} lengths`);
      if (n === 2000) assert.deepEqual(tokens, textbook(vocab, word));
    }
    // Random words agree with the textbook search, astral chars and unknown pieces included.
    const alphabet = [...'abcdeilnorstu##😀é'];
    let seed = 7;
    const rand = (k: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % k);
    for (let k = 0; k < 300; k++) {
      const word = Array.from({ length: 1 + rand(30) }, () => alphabet[rand(alphabet.length)]);
      assert.deepEqual(wp.tokenize(word).map((t) => t.value), textbook(vocab, word) ?? ['[UNK]'], word.join(''));
    }
  });
});

describe('limits', () => {
  const base = () => structuredClone(tokenizerConfigs()[1].json) as Record<string, any>;
  const withLimits = <T>(limits: Parameters<typeof setTokenizerLimits>[0], f: () => T): T => {
    const previous = setTokenizerLimits(limits);
    try {
      return f();
    } finally {
      setTokenizerLimits(previous);
    }
  };

  test('vocabularies, merges and added tokens over their limits fail before anything is built', async () => {
    const json = base();
    const size = Object.keys(json.model.vocab).length;
    withLimits({ maxVocabSize: 1000 }, () => assertTokenizerError(() => Tokenizer.fromJson(json), 'tokenizer.json WordPiece vocab has more than 1000 entries; at most 1000 are read (setTokenizerLimits({ maxVocabSize }) raises it)'));
    withLimits({ maxVocabSize: size }, () => assert.ok(Tokenizer.fromJson(json)));
    const unigram = structuredClone(tokenizerConfigs()[3].json) as Record<string, any>;
    withLimits({ maxVocabSize: 10 }, () => assertTokenizerError(() => Tokenizer.fromJson(unigram), /^tokenizer\.json Unigram vocab has \d+ entries; at most 10 are read/));
    const bpe = structuredClone(tokenizerConfigs()[4].json) as Record<string, any>;
    withLimits({ maxMerges: 5 }, () => assertTokenizerError(() => Tokenizer.fromJson(bpe), /^tokenizer\.json BPE merges has \d+ entries; at most 5 are read/));
    withLimits({ maxAddedTokens: 2 }, () => assertTokenizerError(() => Tokenizer.fromJson(json), /^tokenizer\.json added_tokens has \d+ entries; at most 2 are read/));
    // From the file, the counts are taken on the text: an oversized vocabulary fails before JSON.parse, which
    // takes ~14 s for 3M keys (tokenizer.json's largest container may hold the largest of the three limits).
    const text = new TextEncoder().encode(JSON.stringify(json));
    const previous = setTokenizerLimits({ maxVocabSize: 1000, maxMerges: 1000, maxAddedTokens: 1000 });
    try {
      await assert.rejects(readTokenizerFiles(async (f) => (f === 'tokenizer.json' ? text : undefined)), (e: Error) => e.name === 'CheckpointError' && /^tokenizer\.json: has an array or object of more than 1000 entries \(at character \d+\) \(setTokenizerLimits raises the tokenizer limits\)$/.test(e.message));
    } finally {
      setTokenizerLimits(previous);
    }
    assertTokenizerError(() => setTokenizerLimits({ maxVocabSize: 0 }), 'tokenizer limit maxVocabSize must be a positive integer, got 0');
    assert.equal(DEFAULT_TOKENIZER_LIMITS.maxVocabSize, 2_097_152);
  });

  test('Sequences nest at most maxSequenceDepth deep and hold maxSequenceSteps steps in all, in every stage', () => {
    const nest = (key: string, list: string, leaf: object, depth: number): object => {
      let piece = leaf;
      for (let d = 0; d < depth; d++) piece = { type: 'Sequence', [list]: [piece] };
      return piece;
    };
    const stages: [string, string, object][] = [
      ['normalizer', 'normalizers', { type: 'Lowercase' }],
      ['pre_tokenizer', 'pretokenizers', { type: 'WhitespaceSplit' }],
      ['decoder', 'decoders', { type: 'Fuse' }],
      ['post_processor', 'processors', { type: 'ByteLevel', trim_offsets: false, add_prefix_space: false }],
    ];
    for (const [key, list, leaf] of stages) {
      const ok = { ...base(), [key]: nest(key, list, leaf, 8) };
      assert.ok(Tokenizer.fromJson(ok), `${key} 8 deep`);
      assertTokenizerError(() => Tokenizer.fromJson({ ...base(), [key]: nest(key, list, leaf, 9) }), `tokenizer.json ${key} nests Sequences more than 8 deep (setTokenizerLimits({ maxSequenceDepth }) raises it)`);
      assertTokenizerError(() => Tokenizer.fromJson({ ...base(), [key]: { type: 'Sequence', [list]: Array(257).fill(leaf) } }), `tokenizer.json ${key} Sequences have more than 256 steps in all (setTokenizerLimits({ maxSequenceSteps }) raises it)`);
      // 10,000 levels in memory (no JSON text to check first) is still one line, not a stack overflow.
      assertTokenizerError(() => Tokenizer.fromJson({ ...base(), [key]: nest(key, list, leaf, 10_000) }), /nests Sequences more than 8 deep/);
    }
  });

  test('no step may make a text more than 256 times longer: Sequences of doubling steps fail where they pass it', () => {
    // 30 steps that each double the text would make 2^30 chars of one: the check after each step stops it.
    const doubling = { type: 'Replace', pattern: { String: 'a' }, content: 'aa' };
    const json = (over: object) => ({ version: '1.0', added_tokens: [], normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, model: { type: 'WordLevel', vocab: { '<unk>': 0, a: 1 }, unk_token: '<unk>' }, ...over });
    const normalizer = Tokenizer.fromJson(json({ normalizer: { type: 'Sequence', normalizers: Array(30).fill(doubling) } }));
    assertTokenizerError(() => normalizer.tokenize('a'), 'tokenizer.json normalizer Replace makes a text of 1 chars 8192 chars long, more than 256 times its length');
    const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
    const pre = Tokenizer.fromJson(json({ pre_tokenizer: { type: 'Sequence', pretokenizers: Array(30).fill(byteLevel) } }));
    assertTokenizerError(() => pre.tokenize('\u0101'), /^tokenizer\.json pre_tokenizer ByteLevel makes a text of 1 chars \d+ chars long, more than 256 times its length$/);
    const decoder = Tokenizer.fromJson(json({ decoder: { type: 'Sequence', decoders: Array(30).fill(doubling) } }));
    assertTokenizerError(() => decoder.decode([1]), 'tokenizer.json decoder Sequence makes a text of 1 chars 8192 chars long, more than 256 times its length');
    assert.equal(Tokenizer.fromJson(json({ normalizer: { type: 'Sequence', normalizers: Array(8).fill(doubling) } })).tokenize('a').length, 1, '256 times is allowed');
  });

  test('deep or malformed JSON files are one-line errors naming the file, before any recursive walk', async () => {
    const deep = `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    assert.equal(jsonNestingProblem(deep), 'nests deeper than 64 levels of arrays and objects (at character 68)');
    assert.equal(jsonNestingProblem('{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\""}'), undefined, 'brackets in strings do not count');
    assert.throws(() => parseJsonText(deep, (d) => new TokenizerError(`x.json: ${d}`)), /^TokenizerError: x\.json: nests deeper than 64 levels/);
    const files = new Map([['tokenizer.json', new TextEncoder().encode(deep)]]);
    await assert.rejects(readTokenizerFiles(async (f) => files.get(f)), { name: 'CheckpointError', message: 'tokenizer.json: nests deeper than 64 levels of arrays and objects (at character 68)' });
    files.set('tokenizer.json', new TextEncoder().encode('{"model": '));
    await assert.rejects(readTokenizerFiles(async (f) => files.get(f)), (e: Error) => e.name === 'CheckpointError' && /^tokenizer\.json: not valid JSON: /.test(e.message) && !e.message.includes('\n'));
    assert.equal(loadTokenizer({}), undefined);
  });
});
