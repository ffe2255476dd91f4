// WordLevel: each word is one token of the vocabulary, or the unk token.
import { TokenizerError } from '../errors.ts';
import { optional, type Json } from '../json.ts';
import type { Token } from '../pre-tokenizers.ts';
import { VocabModel, vocabFromJson } from './model.ts';
import { wrap } from './wordpiece.ts';

export class WordLevel extends VocabModel {
  constructor(vocab: Map<string, number>, readonly unkToken: string) {
    super(vocab);
  }

  static fromJson(j: Json): WordLevel {
    return new WordLevel(wrap(() => vocabFromJson(j.vocab, 'tokenizer.json WordLevel')), optional(j, 'unk_token', 'string', 'WordLevel', '<unk>'));
  }

  tokenize(chars: readonly string[]): Token[] {
    const word = chars.join('');
    const id = this.vocab.get(word) ?? this.vocab.get(this.unkToken);
    if (id === undefined) throw new TokenizerError(`WordLevel: ${JSON.stringify(word)} is not in the vocabulary, nor is the unk token ${JSON.stringify(this.unkToken)}`);
    return [{ id, value: this.vocab.has(word) ? word : this.unkToken, start: 0, end: chars.length }];
  }
}
