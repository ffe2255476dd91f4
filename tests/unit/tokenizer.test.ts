import { fileURLToPath } from 'node:url';
// The WordPiece pipeline (BERT's vocab.txt and tokenizer.json) vs. Hugging Face behaviour. Expected token
// lists are derived by hand from the HF algorithm (BertNormalizer -> BertPreTokenizer -> greedy
// longest-match-first WordPiece) over the real fixture vocabularies; each case says what it checks. The
// Rust library itself checks every tokenizer type on real text in tokenizer-oracle.test.ts. h64 vocab facts used below: a-z, 0-9, ASCII
// punctuation, é ü ñ ç ø ß, 中 文 字 日 本 語 한 국 어, ##a-##z, ##0-##9, ##ing ##ed ##ly ##tion ##er ##est
// ##ment and ~1500 code words ('the', 'file', 'filename', 'test', 'print', 'ca', 'an', 'abc', 'hi', ...);
// not in it: 'he', 'na', 'sa', 'xa', 'ab', 'wo'. mlm-h32's vocab is the first 536 lines of h64's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { truncatePair, emptyEncoding } from '../../src/tokenizer/encoding.ts';
import { loadTokenizer, Tokenizer, tokenizerConfig, TokenizerError, type Encoding } from '../../src/tokenizer/index.ts';

// Independent PyTorch reference checkpoints (see tests/fixtures/README.md).
const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
const read = (model: string, file: string) => readFileSync(`${FIXTURES}/${model}/${file}`, 'utf8');
const H64 = 'pytorch-bert-h64';
const H32 = 'pytorch-bert-mlm-h32';

const vocabTxt = (model = H64) => read(model, 'vocab.txt');
const tokJson = (model = H64) => JSON.parse(read(model, 'tokenizer.json')) as Record<string, any>;
/** vocab.txt with the fixture's tokenizer_config.json, `config` (snake_case keys) overriding it. */
const fromVocab = (config: Record<string, unknown> = {}, model = H64) =>
  loadTokenizer({ vocabTxt: vocabTxt(model), tokenizerConfig: { ...JSON.parse(read(model, 'tokenizer_config.json')), ...config } })!;
const vocabOnly = (txt: string, config?: Record<string, unknown>) => loadTokenizer({ vocabTxt: txt, tokenizerConfig: config })!;
const tokV = fromVocab();
const tokJ = Tokenizer.fromJson(tokJson());
/** The fixture's tokenizer.json with WordPiece's max_input_chars_per_word set. */
const withMaxChars = (json: Record<string, any>, n: number) => Tokenizer.fromJson({ ...json, model: { ...json.model, max_input_chars_per_word: n } });

function assertTokenizerError(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TokenizerError, `expected TokenizerError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.ok(!e.message.includes('\n'), 'message must be one line');
    return true;
  });
}

/** The slices of the original text each token claims. */
const slices = (text: string, e: Encoding) => e.offsets.map(([s, t]) => text.slice(s, t));

describe('loading', () => {
  test('vocab.txt and tokenizer.json agree on the vocabulary and special ids', () => {
    for (const t of [tokV, tokJ]) {
      assert.equal(t.vocabSize, 1636);
      assert.deepEqual([t.unkTokenId, t.clsTokenId, t.sepTokenId, t.padTokenId, t.maskTokenId], [6, 7, 8, 0, 9]);
      assert.equal(t.tokenToId('the'), 137);
      assert.equal(t.tokenToId('##ing'), 129);
      assert.equal(t.idToToken(1634), 'descriptors');
      assert.equal(t.tokenToId('not-a-token'), undefined);
      assert.equal(t.idToToken(1636), undefined);
    }
    assert.equal(vocabOnly(vocabTxt(H32)).vocabSize, 536);
    assert.equal(tokV.modelMaxLength, 64); // from tokenizer_config.json model_max_length
  });

  test('vocab.txt lines: CRLF endings and a missing final newline give the same ids', () => {
    const lf = '[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\n##s\n';
    for (const txt of [lf, lf.replaceAll('\n', '\r\n'), lf.slice(0, -1)]) {
      const t = vocabOnly(txt);
      assert.equal(t.vocabSize, 6);
      assert.deepEqual(t.encode('thes').inputIds, [2, 4, 5, 3]);
    }
  });

  test('tokenizerConfig maps snake_case keys, AddedToken objects and ignores the 1e30 placeholder; the config wins over special_tokens_map.json', () => {
    assert.deepEqual(
      tokenizerConfig({
        do_lower_case: false,
        strip_accents: null,
        tokenize_chinese_chars: false,
        model_max_length: 1e30,
        unk_token: { __type: 'AddedToken', content: '<unk>' },
        mask_token: '<mask>',
        padding_side: 'left',
        clean_up_tokenization_spaces: false,
      }, { mask_token: '[MASK]', bos_token: '<s>' }),
      { doLowerCase: false, stripAccents: null, tokenizeChineseChars: false, unkToken: '<unk>', maskToken: '<mask>', bosToken: '<s>', paddingSide: 'left', cleanUpTokenizationSpaces: false },
    );
  });
});

// [text, expected wordpieces] for the default uncased tokenizer (lowercase, strip accents, CJK padding).
const UNCASED_CASES: [string, string[], string][] = [
  ['the file is open', ['the', 'file', 'is', 'open'], 'whole words'],
  ['Hello, World!', ['h', '##e', '##l', '##l', '##o', ',', 'w', '##o', '##r', '##l', '##d', '!'], 'lowercase, punctuation isolated, unknown words letter by letter'],
  ['valueerrors testing printer', ['valueerror', '##s', 'test', '##ing', 'print', '##er'], 'greedy longest match first ("valueerror" before "value")'],
  ['café naïve Ångström', ['ca', '##f', '##e', 'n', '##a', '##i', '##v', '##e', 'an', '##g', '##s', '##t', '##r', '##o', '##m'], 'accents stripped (NFD, drop Mn) after lowercasing'],
  ['cafe\u0301', ['ca', '##f', '##e'], 'a decomposed accent (U+0301) is dropped too'],
  ['\u1e9e', ['ß'], 'U+1E9E capital sharp s lowercases to ß, which is in the vocab'],
  ['İs', ['is'], 'İ (U+0130) -> I + U+0307 -> i: length-changing normalisation'],
  ['中文abc字', ['中', '文', 'abc', '字'], 'CJK ideographs padded with spaces, latin run kept whole'],
  ['日本語テスト', ['日', '本', '語', '[UNK]'], 'kana are not CJK ideographs: テスト stays one (unknown) word'],
  ['a\u{20000}b', ['a', '[UNK]', 'b'], 'astral CJK Extension B ideograph is isolated'],
  ['a\u{2B820}b', ['[UNK]'], 'U+2B820 is not padded: tokenizers starts Extension E at 2B920 (transformers\' slow tokenizer at 2B820)'],
  ['...!?', ['.', '.', '.', '!', '?'], 'a punctuation run splits into single characters'],
  ['$5+3=8 a--b', ['$', '5', '+', '3', '=', '8', 'a', '-', '-', 'b'], 'ASCII symbols ($ + =) count as punctuation'],
  ['«hi» a\u2014b €5', ['[UNK]', 'hi', '[UNK]', 'a', '[UNK]', 'b', '[UNK]'], 'Unicode P* split (« » —); € is Sc so "€5" stays one word'],
  ['the [MASK] sat', ['the', '[MASK]', 's', '##a', '##t'], 'special token in text kept whole'],
  ['the [mask] sat', ['the', '[', 'mask', ']', 's', '##a', '##t'], 'lowercase [mask] is not the special token'],
  ['x[SEP]y[CLS][CLS]', ['x', '[SEP]', 'y', '[CLS]', '[CLS]'], 'special tokens split words without spaces'],
  ['a\u0000b\u200bc', ['abc'], 'NUL and ZERO WIDTH SPACE (Cf) removed, joining the word'],
  ['a\u00a0b\tc\nd\r\ne\u2028f\u3000g', ['a', 'b', 'c', 'd', 'e', 'f', 'g'], 'NBSP, tab, newlines, LINE SEPARATOR, ideographic space split words'],
  ['\ufffdhi\u0085\u{E000}', ['hi'], 'U+FFFD, NEL (Cc) and private use (Co) removed'],
  ['hi 😀!', ['hi', '[UNK]', '!'], 'emoji (So) is a word of its own here, unknown'],
  ['hi😀', ['[UNK]'], 'no full segmentation (##😀 missing) -> one [UNK] for the whole word'],
  ['한국어', ['[UNK]'], 'stripping accents NFD-decomposes Hangul into jamo, which are not in the vocab (as HF does)'],
  ['', [], 'empty text'],
  [' \t\n', [], 'whitespace only'],
];

describe('tokenize (uncased defaults)', () => {
  for (const [text, want, what] of UNCASED_CASES) {
    test(`${JSON.stringify(text)}: ${what}`, () => {
      assert.deepEqual(tokV.tokenize(text), want);
      assert.deepEqual(tokJ.tokenize(text), want);
    });
  }

  test('a 100-char word is split, a 101-char word becomes [UNK]', () => {
    assert.deepEqual(tokV.tokenize('a'.repeat(100)), ['a', ...Array<string>(99).fill('##a')]);
    assert.deepEqual(tokV.tokenize('a'.repeat(101)), ['[UNK]']);
    assert.deepEqual(tokV.encode(`x ${'a'.repeat(101)} y`).offsets.slice(1, 4), [[0, 1], [2, 103], [104, 105]]);
  });

  test('the word-length limit counts code points, not UTF-16 units', () => {
    const t = withMaxChars(tokJson(), 3);
    assert.deepEqual(t.tokenize('abc abcd'), ['abc', '[UNK]']);
    // Two astral code points are 4 UTF-16 units but only 2 chars: within a limit of 2.
    const json = tokJson();
    json.model.vocab = { '[UNK]': 0, '[CLS]': 1, '[SEP]': 2, '😀': 3, '##😀': 4 };
    json.added_tokens = [];
    json.post_processor = null;
    assert.deepEqual(withMaxChars(json, 2).tokenize('😀😀 😀😀😀'), ['😀', '##😀', '[UNK]']);
  });

  test('mlm-h32 vocab (a prefix of h64) segments words it lacks into smaller pieces', () => {
    const t = vocabOnly(vocabTxt(H32));
    // 'descriptors' is id 1634 in h64 only; h32 has no 'de'/'des', so it falls back to single letters.
    assert.deepEqual(tokV.tokenize('descriptors'), ['descriptors']);
    assert.deepEqual(t.tokenize('descriptors'), ['d', '##e', '##s', '##c', '##r', '##i', '##p', '##t', '##o', '##r', '##s']);
  });
});

describe('options', () => {
  test('lowercase without stripping accents keeps é and turns İ into i + U+0307', () => {
    const t = fromVocab({ do_lower_case: true, strip_accents: false });
    assert.deepEqual(t.tokenize('É ñ Ü ç Ø ß'), ['é', 'ñ', 'ü', 'ç', 'ø', 'ß']);
    assert.deepEqual(t.tokenize('café naïve Ångström'), ['[UNK]', '[UNK]', '[UNK]']); // ##é, ï, å not in vocab
    const e = t.encode('İ');
    assert.deepEqual(e.tokens, ['[CLS]', '[UNK]', '[SEP]']); // 'i' + '##\u0307' fails
    assert.deepEqual(e.offsets[1], [0, 1]);
  });

  test('cased (do_lower_case false): no lowercasing and, by default, no stripping', () => {
    const t = fromVocab({ do_lower_case: false, strip_accents: null });
    assert.deepEqual(t.tokenize('the The é É'), ['the', '[UNK]', 'é', '[UNK]']);
    const s = fromVocab({ do_lower_case: false, strip_accents: true });
    assert.deepEqual(s.tokenize('café Café'), ['ca', '##f', '##e', '[UNK]']);
  });

  test('tokenizeChineseChars false leaves ideographs inside words', () => {
    const t = fromVocab({ tokenize_chinese_chars: false });
    assert.deepEqual(t.tokenize('中 中文'), ['中', '[UNK]']); // '##文' is not in the vocab
  });

  test('non-default special token names come from the config', () => {
    const txt = '<pad>\n<unk>\n<s>\n</s>\nthe\n';
    const t = vocabOnly(txt, { unk_token: '<unk>', cls_token: '<s>', sep_token: '</s>', pad_token: '<pad>' });
    assert.deepEqual(t.encode('the x</s>').tokens, ['<s>', 'the', '<unk>', '</s>', '</s>']);
    assert.equal(t.maskTokenId, undefined);
  });
});

describe('offsets', () => {
  // The original slice, put through the same normalisation (drop controls, NFD, drop Mn, lowercase).
  const norm = (s: string) => s.replace(/\p{C}/gu, '').normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase();
  const TEXTS = [
    'Hello, World!',
    'café naïve Ångström',
    'cafe\u0301 İstanbul ẞtraße',
    '中文abc字 a\u{20000}b',
    'the [MASK] sat on\u00a0the mat',
    'a\u0000b\u200bc\td',
    'hi 😀! 👍🏽 ok',
    'valueerrors, testing; printer...',
  ];

  test('every wordpiece maps back to the original text it came from', () => {
    for (const text of TEXTS) {
      const e = tokV.encode(text);
      e.tokens.forEach((tok, i) => {
        const [s, t] = e.offsets[i];
        if (e.sequenceIds[i] === null) return assert.deepEqual([s, t], [0, 0]);
        assert.ok(s < t && t <= text.length, `${JSON.stringify(text)} token ${tok}: offsets ${s},${t}`);
        if (tok === '[MASK]') return assert.equal(text.slice(s, t), tok); // special tokens are matched raw
        if (tok === '[UNK]') return;
        assert.equal(norm(text.slice(s, t)), tok.replace(/^##/, ''), `${JSON.stringify(text)} token ${tok}`);
      });
    }
  });

  test('exact offsets across stripped accents, removed controls and astral characters', () => {
    let text = 'café a\u0000b\u200bc';
    let e = tokV.encode(text);
    assert.deepEqual(e.tokens.slice(1, -1), ['ca', '##f', '##e', 'abc']);
    assert.deepEqual(e.offsets.slice(1, -1), [[0, 2], [2, 3], [3, 4], [5, 10]]); // '##e' covers é; abc spans the removed chars
    assert.deepEqual(slices(text, e).slice(1, -1), ['ca', 'f', 'é', 'a\u0000b\u200bc']);

    text = 'cafe\u0301!';
    e = tokV.encode(text);
    assert.deepEqual(e.offsets.slice(1, -1), [[0, 2], [2, 3], [3, 4], [5, 6]]); // the dropped U+0301 belongs to no token

    text = 'a\u{20000}b hi 😀!';
    e = tokV.encode(text);
    assert.deepEqual(e.offsets.slice(1, -1), [[0, 1], [1, 3], [3, 4], [5, 7], [8, 10], [10, 11]]);
    assert.deepEqual(slices(text, e).slice(1, -1), ['a', '\u{20000}', 'b', 'hi', '😀', '!']);

    text = '\u{10400}x'; // DESERET CAPITAL LONG I lowercases to the astral U+10428: the span stays 2 units
    e = tokV.encode(text);
    assert.deepEqual([e.tokens[1], e.offsets[1]], ['[UNK]', [0, 3]]);
    assert.deepEqual(tokV.encode('\u{10400}.').offsets[1], [0, 2]);

    text = 'İs the [MASK]';
    e = tokV.encode(text);
    assert.deepEqual(e.offsets.slice(1, -1), [[0, 2], [3, 6], [7, 13]]);
    assert.deepEqual(e.sequenceIds, [null, 0, 0, 0, null]); // a special token from the text belongs to its sequence
  });
});

describe('encode', () => {
  test('single text: [CLS] A [SEP] with ids, masks and type ids', () => {
    const e = tokV.encode('The file.');
    assert.deepEqual(e, {
      tokens: ['[CLS]', 'the', 'file', '.', '[SEP]'],
      inputIds: [7, 137, 151, 59, 8],
      tokenTypeIds: [0, 0, 0, 0, 0],
      attentionMask: [1, 1, 1, 1, 1],
      offsets: [[0, 0], [0, 3], [4, 8], [8, 9], [0, 0]],
      specialTokensMask: [1, 0, 0, 0, 1],
      wordIds: [null, 0, 1, 2, null],
      sequenceIds: [null, 0, 0, 0, null],
    });
    assert.deepEqual(tokV.encode('The file.', { addSpecialTokens: false }).inputIds, [137, 151, 59]);
  });

  test('pair: [CLS] A [SEP] B [SEP], B and its [SEP] have type 1, B offsets index the pair text', () => {
    const e = tokV.encode('The file', { pair: 'is open.' });
    assert.deepEqual(e, {
      tokens: ['[CLS]', 'the', 'file', '[SEP]', 'is', 'open', '.', '[SEP]'],
      inputIds: [7, 137, 151, 8, 139, 246, 59, 8],
      tokenTypeIds: [0, 0, 0, 0, 1, 1, 1, 1],
      attentionMask: [1, 1, 1, 1, 1, 1, 1, 1],
      offsets: [[0, 0], [0, 3], [4, 8], [0, 0], [0, 2], [3, 7], [7, 8], [0, 0]],
      specialTokensMask: [1, 0, 0, 1, 0, 0, 0, 1],
      wordIds: [null, 0, 1, null, 0, 1, 2, null],
      sequenceIds: [null, 0, 0, null, 1, 1, 1, null],
    });
    const raw = tokV.encode('The file', { pair: 'is open.', addSpecialTokens: false });
    assert.deepEqual(raw.tokenTypeIds, [0, 0, 1, 1, 1]);
  });

  test('single truncation keeps the specials', () => {
    assert.deepEqual(tokV.encode('a b c d e', { maxLength: 4 }).tokens, ['[CLS]', 'a', 'b', '[SEP]']);
    assert.deepEqual(tokV.encode('a b c d e', { maxLength: 2 }).tokens, ['[CLS]', '[SEP]']);
    assert.equal(tokV.encode('a b c d e', { maxLength: 4, truncation: false }).tokens.length, 7);
    assert.deepEqual(tokV.encode('a b c d e', { maxLength: 2, addSpecialTokens: false }).tokens, ['a', 'b']);
    // truncation without maxLength falls back to model_max_length (64)
    assert.equal(tokV.encode('a '.repeat(100), { truncation: true }).tokens.length, 64);
    assert.equal(tokV.encode('a '.repeat(100)).tokens.length, 102);
  });

  test('pair truncation follows tokenizers LongestFirst (7 tokens left after 3 specials)', () => {
    const four = 'a b c d';
    const eight = 'a b c d e f g h';
    const lens = (a: string, b: string) => {
      const e = tokV.encode(a, { pair: b, maxLength: 10 });
      assert.equal(e.inputIds.length, Math.min(10, 3 + a.split(' ').length + b.split(' ').length));
      return [e.sequenceIds.filter((s) => s === 0).length, e.sequenceIds.filter((s) => s === 1).length];
    };
    assert.deepEqual(lens(four, four), [3, 4]); // equal: the first gets floor(7/2) (slow transformers would keep 4+3)
    assert.deepEqual(lens(eight, 'x y'), [5, 2]); // the shorter fits: the longer gets the rest
    assert.deepEqual(lens('x y', eight), [2, 5]);
    assert.deepEqual(lens(eight, four), [4, 3]); // both too long: the longer gets ceil(7/2)
    assert.deepEqual(lens(eight, eight), [3, 4]);
    assert.deepEqual(lens('x y', 'z'), [2, 1]); // no truncation needed
    const e = tokV.encode(eight, { pair: 'x y', maxLength: 10 });
    assert.deepEqual(e.tokens, ['[CLS]', 'a', 'b', 'c', 'd', 'e', '[SEP]', 'x', 'y', '[SEP]']); // cut from the right
  });

  test('longest-first lengths reproduce the tokenizers unit-test table (max 7)', () => {
    const enc = (n: number): Encoding => {
      const e = emptyEncoding();
      for (let i = 0; i < n; i++) Object.values(e).forEach((a) => a.push(i === -1 ? null : 0));
      return e;
    };
    const longestFirstLengths = (a: number, b: number, max: number) => truncatePair(enc(a), enc(b), max, 'longest_first', 'right').map((e) => e!.inputIds.length);
    const sizes = [0, 2, 4, 8];
    const want: Record<string, [number, number]> = {
      '0,0': [0, 0], '0,2': [0, 2], '0,4': [0, 4], '0,8': [0, 7],
      '2,0': [2, 0], '2,2': [2, 2], '2,4': [2, 4], '2,8': [2, 5],
      '4,0': [4, 0], '4,2': [4, 2], '4,4': [3, 4], '4,8': [3, 4],
      '8,0': [7, 0], '8,2': [5, 2], '8,4': [4, 3], '8,8': [3, 4],
    };
    for (const a of sizes) for (const b of sizes) assert.deepEqual(longestFirstLengths(a, b, 7), want[`${a},${b}`], `${a},${b}`);
    assert.deepEqual(longestFirstLengths(4, 4, 0), [0, 0]);
  });
});

describe('encodeBatch', () => {
  test("padding 'longest' pads with [PAD] id 0, mask 0, type 0, offsets [0,0], sequence null", () => {
    const [a, b] = tokV.encodeBatch(['the file', 'a']);
    assert.deepEqual(a.inputIds, [7, 137, 151, 8]);
    assert.deepEqual(b, {
      tokens: ['[CLS]', 'a', '[SEP]', '[PAD]'],
      inputIds: [7, 10, 8, 0],
      tokenTypeIds: [0, 0, 0, 0],
      attentionMask: [1, 1, 1, 0],
      offsets: [[0, 0], [0, 1], [0, 0], [0, 0]],
      specialTokensMask: [1, 0, 1, 1],
      wordIds: [null, 0, null, null],
      sequenceIds: [null, 0, null, null],
    });
  });

  test("pairs with padding 'max_length', with and without truncation", () => {
    const pairs: [string, string][] = [['a', 'b c'], ['the file is open', 'x']];
    const [p, q] = tokV.encodeBatch(pairs, { padding: 'max_length', maxLength: 8 });
    assert.deepEqual(p.tokens, ['[CLS]', 'a', '[SEP]', 'b', 'c', '[SEP]', '[PAD]', '[PAD]']);
    assert.deepEqual(p.tokenTypeIds, [0, 0, 0, 1, 1, 1, 0, 0]);
    assert.deepEqual(p.attentionMask, [1, 1, 1, 1, 1, 1, 0, 0]);
    assert.deepEqual(q.tokens, ['[CLS]', 'the', 'file', 'is', 'open', '[SEP]', 'x', '[SEP]']);
    const [r, s] = tokV.encodeBatch(pairs, { padding: 'max_length', maxLength: 5 });
    assert.deepEqual(r.tokens, ['[CLS]', 'a', '[SEP]', 'b', '[SEP]']); // 1+2 -> 1+1
    assert.deepEqual(s.tokens, ['[CLS]', 'the', '[SEP]', 'x', '[SEP]']); // 4+1 -> 1+1
  });
});

describe('decode', () => {
  test('glues ## pieces and cleans spaces before punctuation and in contractions', () => {
    const ids = tokV.encode("Hello, world! It's the ValueErrors.").inputIds;
    assert.equal(tokV.decode(ids), "[CLS] hello, world! it's the valueerrors. [SEP]");
    assert.equal(tokV.decode(ids, { skipSpecialTokens: true }), "hello, world! it's the valueerrors.");
    assert.equal(tokV.decode(ids, { skipSpecialTokens: true, cleanUpTokenizationSpaces: false }), "hello, world! it ' s the valueerrors.");
    assert.equal(tokJ.decode(ids, { skipSpecialTokens: true }), "hello, world! it's the valueerrors.");
  });

  test('a leading continuation piece keeps its ##; [UNK] and [MASK] are special', () => {
    assert.equal(tokV.decode([111, 137]), '##s the'); // ##s the
    assert.equal(tokV.decode([137, 6, 9, 1], { skipSpecialTokens: true }), 'the [unused0]'); // [unused0] is not special
  });
});

describe('tokenizer.json variants', () => {
  test('WordPiece model with another continuing_subword_prefix', () => {
    const j = tokJson();
    j.model.vocab = Object.fromEntries(Object.entries(j.model.vocab as Record<string, number>).map(([k, v]) => [k.replace(/^##/, '@@'), v]));
    j.model.continuing_subword_prefix = '@@';
    j.decoder.prefix = '@@';
    const t = Tokenizer.fromJson(j);
    assert.deepEqual(t.tokenize('valueerrors testing'), ['valueerror', '@@s', 'test', '@@ing']);
    assert.equal(t.decode(t.encode('valueerrors testing').inputIds, { skipSpecialTokens: true }), 'valueerrors testing');
  });

  test('a Sequence [NFD, Lowercase, StripAccents] normalizer drops every mark (M*), BertNormalizer only Mn', () => {
    const j = tokJson();
    j.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'Lowercase' }, { type: 'StripAccents' }] };
    const t = Tokenizer.fromJson(j);
    assert.deepEqual(t.tokenize('Café'), ['ca', '##f', '##e']);
    assert.deepEqual(t.tokenize('a\u0903'), ['a']); // U+0903 DEVANAGARI SIGN VISARGA is Mc
    assert.deepEqual(tokJ.tokenize('a\u0903'), ['[UNK]']); // kept by BertNormalizer: a + ##\u0903 fails
    assert.deepEqual(t.tokenize('中文'), ['[UNK]']); // no CJK padding in this sequence
  });

  test('no normalizer and no post_processor: raw text, no special tokens, pair type ids 0/1', () => {
    const j = tokJson();
    j.normalizer = null;
    j.post_processor = null;
    const t = Tokenizer.fromJson(j);
    const e = t.encode('the THE', { pair: 'x' });
    assert.deepEqual(e.tokens, ['the', '[UNK]', 'x']);
    assert.deepEqual(e.tokenTypeIds, [0, 0, 1]);
  });

  test('BertProcessing post_processor gives the same encodings as TemplateProcessing', () => {
    const j = tokJson();
    j.post_processor = { type: 'BertProcessing', sep: ['[SEP]', 8], cls: ['[CLS]', 7] };
    const t = Tokenizer.fromJson(j);
    assert.deepEqual(t.encode('the file', { pair: 'is open' }), tokJ.encode('the file', { pair: 'is open' }));
  });

  test('added tokens: normalized (matched after lowercasing), single_word, lstrip', () => {
    const j = tokJson();
    const flags = { single_word: false, lstrip: false, rstrip: false, normalized: false, special: false };
    j.added_tokens.push({ ...flags, id: 1636, content: 'Hello', normalized: true });
    j.added_tokens.push({ ...flags, id: 1637, content: 'ab', single_word: true });
    const mask = j.added_tokens.find((a: { content: string }) => a.content === '[MASK]');
    mask.lstrip = true;
    const t = Tokenizer.fromJson(j);
    assert.equal(t.vocabSize, 1638);
    let text = 'HELLO world';
    let e = t.encode(text, { addSpecialTokens: false });
    assert.deepEqual(e.tokens.slice(0, 2), ['hello', 'w']); // the token's text is what matched, normalized
    assert.deepEqual(e.inputIds[0], 1636);
    assert.deepEqual(e.offsets[0], [0, 5]);
    // 'ab' matches alone, not inside 'abc' (followed by c) or 'xab' (preceded by x)
    assert.deepEqual(t.tokenize('ab abc xab'), ['ab', 'abc', 'x', '##a', '##b']);
    assert.equal(t.encode('ab', { addSpecialTokens: false }).inputIds[0], 1637);
    text = 'the [MASK] sat';
    e = t.encode(text, { addSpecialTokens: false });
    assert.deepEqual([e.tokens[1], e.offsets[1]], [' [MASK]', [3, 10]]); // lstrip swallows the space before [MASK]
    assert.equal(t.decode(t.encode('hello [MASK]').inputIds, { skipSpecialTokens: true }), 'hello'); // not special: kept, in its normalized form
  });
});

describe('vocab.txt and tokenizer.json give identical encodings', () => {
  const TEXTS = [
    ...UNCASED_CASES.map(([text]) => text),
    'The quick brown fox jumps over the lazy dog.',
    'def filename(self): return os.path.join(dir, name)',
    "ValueError: can't open file 'data.txt' [Errno 2]",
    '[CLS] already [SEP] here [PAD] [UNK] [unused0]',
    'naïve façade coöperate résumé Ωmega',
    'Größe Straße STRASSE',
    '北京欢迎你 Tokyo 東京',
    '\u{1F468}\u200D\u{1F469}\u200D\u{1F467} family',
    'tab\there\r\nnewline\u000bvtab\u000cff',
    'x'.repeat(150),
    '12,345.67 + 3^2 = 9 | ~x & y',
  ];
  for (const model of [H64, H32]) {
    test(model, () => {
      const v = fromVocab({}, model);
      const j = Tokenizer.fromJson(tokJson(model));
      for (const text of TEXTS) {
        assert.deepEqual(j.encode(text), v.encode(text), JSON.stringify(text));
        assert.deepEqual(j.encode(text, { pair: 'the file', maxLength: 12 }), v.encode(text, { pair: 'the file', maxLength: 12 }));
      }
      assert.deepEqual(j.encodeBatch(TEXTS), v.encodeBatch(TEXTS));
    });
  }
});

describe('errors', () => {
  test('bad vocab.txt', () => {
    assertTokenizerError(() => vocabOnly(''), 'vocab.txt is empty');
    assertTokenizerError(() => vocabOnly('[PAD]\n[CLS]\n[SEP]\n'), 'special token [UNK] is not in vocab.txt');
    assertTokenizerError(() => vocabOnly('[PAD]\n[UNK]\n[SEP]\na\n'), 'special token [CLS] is not in vocab.txt');
    assertTokenizerError(() => vocabOnly('[UNK]\n[CLS]\n'), 'special token [SEP] is not in vocab.txt');
    assertTokenizerError(() => vocabOnly(42 as unknown as string), 'vocab.txt must be a string, got number');
  });

  test('bad tokenizer.json', () => {
    const model = tokJson();
    model.model = { type: 'Charred', vocab: {} };
    assertTokenizerError(() => Tokenizer.fromJson(model), 'tokenizer.json model "Charred" is not supported (supported: WordPiece, BPE, Unigram, WordLevel)');
    assertTokenizerError(() => Tokenizer.fromJson([]), 'tokenizer.json must be a JSON object');
    const noUnk = tokJson();
    delete noUnk.model.vocab['[UNK]'];
    assertTokenizerError(() => Tokenizer.fromJson(noUnk), 'WordPiece unk token "[UNK]" is not in the vocabulary');
    const normalizer = tokJson();
    normalizer.normalizer = { type: 'Unidecode' };
    assertTokenizerError(() => Tokenizer.fromJson(normalizer), 'tokenizer.json normalizer "Unidecode" is not supported (supported: BertNormalizer, Lowercase, NFD, NFKD, NFC, NFKC, StripAccents, Strip, Replace, Prepend, Precompiled, Nmt, ByteLevel, Sequence)');
    const pre = tokJson();
    pre.pre_tokenizer = { type: 'UnicodeScripts' };
    assertTokenizerError(() => Tokenizer.fromJson(pre), 'tokenizer.json pre_tokenizer "UnicodeScripts" is not supported (supported: BertPreTokenizer, Whitespace, WhitespaceSplit, Punctuation, Digits, CharDelimiterSplit, Split, Metaspace, ByteLevel, Sequence)');
    const bert = tokJson();
    bert.normalizer = { type: 'BertNormalizer', lowercase: true };
    assertTokenizerError(() => Tokenizer.fromJson(bert), 'tokenizer.json BertNormalizer needs "clean_text" as a boolean, got nothing');
    const regex = tokJson();
    regex.pre_tokenizer = { type: 'Split', pattern: { Regex: '\\p{L}++' }, behavior: 'Isolated', invert: false };
    assertTokenizerError(() => Tokenizer.fromJson(regex), 'tokenizer.json regex "\\\\p{L}++" uses a possessive quantifier, which this tokenizer\'s linear-time matcher does not run');
    const bpe = tokJson();
    bpe.model = { type: 'BPE', vocab: { a: 0 }, merges: [['a', 'b']] };
    assertTokenizerError(() => Tokenizer.fromJson(bpe), 'tokenizer.json BPE merge 1 ("a b"): token "b" is not in the vocabulary');
    const charsmap = tokJson();
    charsmap.normalizer = { type: 'Precompiled', precompiled_charsmap: '' };
    assertTokenizerError(() => Tokenizer.fromJson(charsmap), 'tokenizer.json precompiled_charsmap is empty or shorter than its 4-byte header');
  });

  test('bad encode / decode arguments', () => {
    assertTokenizerError(() => tokV.encode(42 as unknown as string), 'text must be a string, got number');
    assertTokenizerError(() => tokV.encode('a', { pair: null as unknown as string }), 'pair must be a string, got null');
    assertTokenizerError(() => tokV.tokenize(undefined as unknown as string), 'text must be a string, got undefined');
    assertTokenizerError(() => tokV.encode('a b c', { maxLength: 1 }), 'maxLength 1 is too small for the 2 special tokens');
    assertTokenizerError(() => tokV.encode('a', { pair: 'b', maxLength: 2 }), 'maxLength 2 is too small for the 3 special tokens');
    assertTokenizerError(() => tokV.encode('a', { maxLength: -1 }), 'maxLength must be a non-negative integer, got -1');
    assertTokenizerError(() => tokV.encodeBatch(['a'], { padding: 'max_length' }), "padding 'max_length' needs maxLength");
    assertTokenizerError(() => tokV.encodeBatch([['a'] as unknown as [string, string]]), 'texts[0] must be a string or a [text, pair] tuple');
    assertTokenizerError(() => tokV.decode([7, 1636]), 'id 1636 is not in the vocabulary');
    const noPad = vocabOnly('[UNK]\n[CLS]\n[SEP]\na\n');
    assertTokenizerError(() => noPad.encodeBatch(['a', 'a a']), 'cannot pad: the pad token [PAD] is not in the vocabulary');
  });
});
