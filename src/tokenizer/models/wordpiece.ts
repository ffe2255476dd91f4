// WordPiece (BERT): greedy longest-match-first over the word's chars, continuation pieces with a prefix
// ('##'); a word with any unmatched remainder, or longer than max_input_chars_per_word, is one unk token.
import { TokenizerError } from '../errors.ts';
import { optional, type Json } from '../json.ts';
import type { Token } from '../pre-tokenizers.ts';
import { VocabModel, vocabFromJson } from './model.ts';

export class WordPiece extends VocabModel {
  private readonly unkId: number;

  constructor(vocab: Map<string, number>, readonly unkToken: string, private readonly prefix: string, private readonly maxChars: number) {
    super(vocab);
    const unk = vocab.get(unkToken);
    if (unk === undefined) throw new TokenizerError(`WordPiece unk token ${JSON.stringify(unkToken)} is not in the vocabulary`);
    this.unkId = unk;
  }

  static fromJson(j: Json): WordPiece {
    const vocab = wrap(() => vocabFromJson(j.vocab, 'tokenizer.json WordPiece'));
    return new WordPiece(vocab, optional(j, 'unk_token', 'string', 'WordPiece', '[UNK]'),
      optional(j, 'continuing_subword_prefix', 'string', 'WordPiece', '##'), optional(j, 'max_input_chars_per_word', 'number', 'WordPiece', 100));
  }

  tokenize(chars: readonly string[]): Token[] {
    const whole: Token[] = [{ id: this.unkId, value: this.unkToken, start: 0, end: chars.length }];
    if (chars.length > this.maxChars) return whole;
    const out: Token[] = [];
    for (let start = 0; start < chars.length; ) {
      let end = chars.length;
      let found: Token | undefined;
      for (; end > start; end--) {
        const piece = (start > 0 ? this.prefix : '') + chars.slice(start, end).join('');
        const id = this.vocab.get(piece);
        if (id !== undefined) {
          found = { id, value: piece, start, end };
          break;
        }
      }
      if (!found) return whole;
      out.push(found);
      start = end;
    }
    return out;
  }
}

export function wrap<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TokenizerError) throw e;
    throw new TokenizerError((e as Error).message);
  }
}
