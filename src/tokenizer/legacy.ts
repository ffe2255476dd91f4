// Checkpoints without tokenizer.json carry the files transformers' slow tokenizers read; each becomes the
// tokenizer.json that transformers' converters (convert_slow_tokenizer.py) would write, so one pipeline
// runs them all: vocab.txt (BertConverter: BertNormalizer, BertPreTokenizer, WordPiece, [CLS] A [SEP]) and
// vocab.json + merges.txt (RobertaConverter / GPT2Converter: byte-level BPE, RoBERTa's specials).
import { TokenizerError } from './errors.ts';

type Json = Record<string, unknown>;

const addedToken = (content: string, id: number, lstrip = false): Json =>
  ({ id, content, single_word: false, lstrip, rstrip: false, normalized: false, special: true });

const special = (id: string, typeId = 0) => ({ SpecialToken: { id, type_id: typeId } });
const sequence = (id: 'A' | 'B', typeId = 0) => ({ Sequence: { id, type_id: typeId } });

/** Parses vocab.txt like transformers' load_vocab: one token per line, id = line index (a repeat keeps the last). */
export function parseVocabTxt(vocabTxt: string): Map<string, number> {
  if (typeof vocabTxt !== 'string') throw new TokenizerError(`vocab.txt must be a string, got ${typeof vocabTxt}`);
  const lines = vocabTxt.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop(); // the final newline ends a line
  if (lines.length === 0) throw new TokenizerError('vocab.txt is empty');
  const vocab = new Map<string, number>();
  lines.forEach((tok, i) => vocab.set(tok, i));
  return vocab;
}

export interface BertVocabOptions {
  doLowerCase: boolean;
  /** null: strip exactly when lowercasing (original BERT). */
  stripAccents: boolean | null;
  tokenizeChineseChars: boolean;
  unkToken: string;
  clsToken: string;
  sepToken: string;
  padToken: string;
  maskToken: string;
}

export const BERT_VOCAB_DEFAULTS: Readonly<BertVocabOptions> = {
  doLowerCase: true, stripAccents: null, tokenizeChineseChars: true,
  unkToken: '[UNK]', clsToken: '[CLS]', sepToken: '[SEP]', padToken: '[PAD]', maskToken: '[MASK]',
};

/** vocab.txt as BertConverter writes it; the special tokens present in the vocabulary become added tokens. */
export function bertTokenizerJson(vocabTxt: string, o: BertVocabOptions): Json {
  const vocab = parseVocabTxt(vocabTxt);
  for (const t of [o.unkToken, o.clsToken, o.sepToken]) if (!vocab.has(t)) throw new TokenizerError(`special token ${t} is not in vocab.txt`);
  const id = (t: string) => vocab.get(t)!;
  const specials = [...new Set([o.padToken, o.unkToken, o.clsToken, o.sepToken, o.maskToken])].filter((t) => vocab.has(t));
  return {
    version: '1.0',
    added_tokens: specials.map((t) => addedToken(t, id(t))),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: o.tokenizeChineseChars, strip_accents: o.stripAccents, lowercase: o.doLowerCase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special(o.clsToken), sequence('A'), special(o.sepToken)],
      pair: [special(o.clsToken), sequence('A'), special(o.sepToken), sequence('B', 1), special(o.sepToken, 1)],
      special_tokens: Object.fromEntries([o.clsToken, o.sepToken].map((t) => [t, { id: t, ids: [id(t)], tokens: [t] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: o.unkToken, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab) },
  };
}

export interface ByteLevelBpeOptions {
  addPrefixSpace: boolean;
  trimOffsets: boolean;
  /** RoBERTa's specials; GPT-2 style files name none (then no post-processor). */
  bos?: string;
  eos?: string;
  unk?: string;
  pad?: string;
  mask?: string;
}

/** vocab.json + merges.txt as RobertaConverter writes them (GPT2Converter when there are no specials). */
export function byteLevelBpeTokenizerJson(vocabJson: unknown, mergesTxt: string, o: ByteLevelBpeOptions): Json {
  if (typeof vocabJson !== 'object' || vocabJson === null || Array.isArray(vocabJson)) throw new TokenizerError('vocab.json must be an object of token -> id');
  const vocab = vocabJson as Record<string, number>;
  const merges = mergesTxt.split(/\r?\n/).filter((l) => l !== '' && !l.startsWith('#version'));
  let next = Math.max(-1, ...Object.values(vocab)) + 1;
  const idOf = (t: string) => vocab[t] ?? next++;
  const specials = [o.bos, o.pad, o.eos, o.unk, o.mask].filter((t): t is string => t !== undefined);
  const added = [...new Set(specials)].map((t) => addedToken(t, idOf(t), t === o.mask));
  const find = (t: string | undefined) => added.find((a) => a.content === t)?.id as number | undefined;
  const [bos, eos] = [find(o.bos), find(o.eos)];
  const byteLevel = { type: 'ByteLevel', add_prefix_space: o.addPrefixSpace, trim_offsets: o.trimOffsets, use_regex: true };
  return {
    version: '1.0',
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: bos !== undefined && eos !== undefined
      ? { type: 'RobertaProcessing', sep: [o.eos, eos], cls: [o.bos, bos], trim_offsets: o.trimOffsets, add_prefix_space: o.addPrefixSpace }
      : byteLevel,
    decoder: byteLevel,
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
  };
}
