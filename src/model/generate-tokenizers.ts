// The tokenizer files of generated checkpoints, one kind per family as the hub has them: BERT's WordPiece
// (vocab.txt + tokenizer.json), RoBERTa's byte-level BPE (vocab.json + merges.txt + tokenizer.json) and
// XLM-R's SentencePiece Unigram (tokenizer.json). The BPE and Unigram vocabularies are built from the words
// of the WordPiece one, so every family tokenizes ordinary English without unknowns. Platform-neutral.
import { BYTES_CHAR } from '../tokenizer/byte-level.ts';

export type TokenizerKind = 'wordpiece' | 'bpe' | 'unigram';

/** The special tokens of a kind, by role. */
export const KIND_SPECIALS: Record<TokenizerKind, { cls: string; sep: string; pad: string; unk: string; mask: string }> = {
  wordpiece: { cls: '[CLS]', sep: '[SEP]', pad: '[PAD]', unk: '[UNK]', mask: '[MASK]' },
  bpe: { cls: '<s>', sep: '</s>', pad: '<pad>', unk: '<unk>', mask: '<mask>' },
  unigram: { cls: '<s>', sep: '</s>', pad: '<pad>', unk: '<unk>', mask: '<mask>' },
};

/** Whole words of a WordPiece vocabulary: no specials, no ## pieces, no single chars. */
function wordsOf(wordpiece: readonly string[]): string[] {
  return wordpiece.filter((t) => !/^\[.*\]$/.test(t) && !t.startsWith('##') && [...t].length > 1 && /^\p{L}+$/u.test(t));
}

/**
 * A byte-level BPE over GPT-2's byte alphabet: RoBERTa's four specials, the 256 byte chars, then every
 * word with a leading 'Ġ' grown one char at a time (each step a merge), and <mask> last, as in roberta-base.
 */
export function bpeVocabulary(wordpiece: readonly string[]): { tokens: string[]; merges: [string, string][] } {
  const tokens = ['<s>', '<pad>', '</s>', '<unk>', ...BYTES_CHAR];
  const known = new Set(tokens);
  const merges: [string, string][] = [];
  for (const word of wordsOf(wordpiece)) {
    const chars = ['\u0120', ...new TextEncoder().encode(word)].map((b) => (typeof b === 'string' ? b : BYTES_CHAR[b]));
    let piece = chars[0];
    for (const c of chars.slice(1)) {
      const next = piece + c;
      if (!known.has(next)) {
        known.add(next);
        tokens.push(next);
        merges.push([piece, c]);
      }
      piece = next;
    }
  }
  tokens.push('<mask>');
  return { tokens, merges };
}

/**
 * A Unigram vocabulary: XLM-R's four specials, '▁' + each word, '▁', then every single char of the
 * WordPiece vocabulary (punctuation, digits, CJK) and the capitals of its letters, and <mask> last.
 */
export function unigramVocabulary(wordpiece: readonly string[]): [string, number][] {
  const words = wordsOf(wordpiece);
  const singles = wordpiece.filter((t) => [...t].length === 1 && t !== '\u2581');
  const chars = [...new Set([...words.flatMap((w) => [...w]), ...singles, ...singles.map((c) => c.toUpperCase()).filter((c) => [...c].length === 1)])].sort();
  return [
    ['<s>', 0], ['<pad>', 0], ['</s>', 0], ['<unk>', 0],
    // Longer words score higher per char: whole words win over their letters.
    ...words.map((w, i): [string, number] => [`\u2581${w}`, -2 - i / words.length]),
    ['\u2581', -3], ...chars.map((c): [string, number] => [c, -8]),
    ['<mask>', 0],
  ];
}

const added = (content: string, id: number, lstrip = false) => ({ id, content, single_word: false, lstrip, rstrip: false, normalized: false, special: true });
const special = (id: string, typeId = 0) => ({ SpecialToken: { id, type_id: typeId } });
const sequence = (id: 'A' | 'B', typeId = 0) => ({ Sequence: { id, type_id: typeId } });

/** RoBERTa's tokenizer.json (RobertaConverter) for a bpeVocabulary. */
export function bpeTokenizerJson(v: { tokens: string[]; merges: [string, string][] }): Record<string, unknown> {
  const id = (t: string) => v.tokens.indexOf(t);
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: ['<s>', '<pad>', '</s>', '<unk>', '<mask>'].map((t) => added(t, id(t), t === '<mask>')),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', id('</s>')], cls: ['<s>', id('<s>')], trim_offsets: true, add_prefix_space: false },
    decoder: byteLevel,
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false,
      vocab: Object.fromEntries(v.tokens.map((t, i) => [t, i])), merges: v.merges,
    },
  };
}

/** XLM-R's tokenizer.json (XLMRobertaConverter, with NFKC where the real one has SentencePiece's charsmap). */
export function unigramTokenizerJson(vocab: [string, number][]): Record<string, unknown> {
  const mask = vocab.length - 1;
  const metaspace = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true };
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added('<s>', 0), added('<pad>', 1), added('</s>', 2), added('<unk>', 3), added('<mask>', mask, true)],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    pre_tokenizer: metaspace,
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('<s>'), sequence('A'), special('</s>')],
      pair: [special('<s>'), sequence('A'), special('</s>'), special('</s>'), sequence('B'), special('</s>')],
      special_tokens: { '<s>': { id: '<s>', ids: [0], tokens: ['<s>'] }, '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } },
    },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: 3, vocab, byte_fallback: false },
  };
}
