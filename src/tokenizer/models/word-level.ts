// WordLevel: each word is one token of the vocabulary, or the unk token.
import { TokenizerError } from '../errors.ts';
import { optional, type Json } from '../json.ts';
import type { Token } from '../pre-tokenizers.ts';
import { reverse, vocabFromJson, type Model } from './model.ts';
import { wrap } from './wordpiece.ts';

export class WordLevel implements Model {
  private readonly ids: Map<number, string>;

  constructor(private readonly vocab: Map<string, number>, readonly unkToken: string) {
    this.ids = reverse(vocab);
  }

  static fromJson(j: Json): WordLevel {
    return new WordLevel(wrap(() => vocabFromJson(j.vocab, 'tokenizer.json WordLevel')), optional(j, 'unk_token', 'string', 'WordLevel', '<unk>'));
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  get maxId(): number {
    let max = -1;
    for (const id of this.vocab.values()) max = Math.max(max, id);
    return max;
  }

  tokenToId(t: string): number | undefined {
    return this.vocab.get(t);
  }

  idToToken(id: number): string | undefined {
    return this.ids.get(id);
  }

  tokenize(chars: readonly string[]): Token[] {
    const word = chars.join('');
    const id = this.vocab.get(word) ?? this.vocab.get(this.unkToken);
    if (id === undefined) throw new TokenizerError(`WordLevel: ${JSON.stringify(word)} is not in the vocabulary, nor is the unk token ${JSON.stringify(this.unkToken)}`);
    return [{ id, value: this.vocab.has(word) ? word : this.unkToken, start: 0, end: chars.length }];
  }
}
