// WordPiece (BERT): greedy longest-match-first over the word's chars, continuation pieces with a prefix
// ('##'); a word with any unmatched remainder, or longer than max_input_chars_per_word, is one unk token.
import { TokenizerError } from '../errors.ts';
import { optional, type Json } from '../json.ts';
import type { Token } from '../pre-tokenizers.ts';
import { VocabModel, vocabFromJson } from './model.ts';

export class WordPiece extends VocabModel {
  private readonly unkId: number;
  /** Lengths in chars of the word a vocabulary piece can cover, longest first: at a word's start, and after it (the prefix off). */
  private readonly firstLengths: number[];
  private readonly nextLengths: number[];

  constructor(vocab: Map<string, number>, readonly unkToken: string, private readonly prefix: string, private readonly maxChars: number) {
    super(vocab);
    const unk = vocab.get(unkToken);
    if (unk === undefined) throw new TokenizerError(`WordPiece unk token ${JSON.stringify(unkToken)} is not in the vocabulary`);
    this.unkId = unk;
    // The longest-match search tries only lengths some piece has (BERT's: about 18), not every end in the word:
    // that keeps a word's cost linear in its length where max_input_chars_per_word is large.
    const [first, next] = [new Set<number>(), new Set<number>()];
    const prefixChars = [...prefix].length;
    for (const token of vocab.keys()) {
      const n = charCount(token);
      first.add(n);
      if (token.startsWith(prefix) && n > prefixChars) next.add(n - prefixChars);
    }
    const descending = (s: Set<number>) => [...s].filter((n) => n > 0).sort((a, b) => b - a);
    [this.firstLengths, this.nextLengths] = [descending(first), descending(next)];
  }

  static fromJson(j: Json): WordPiece {
    const vocab = wrap(() => vocabFromJson(j.vocab, 'tokenizer.json WordPiece'));
    return new WordPiece(vocab, optional(j, 'unk_token', 'string', 'WordPiece', '[UNK]'),
      optional(j, 'continuing_subword_prefix', 'string', 'WordPiece', '##'), optional(j, 'max_input_chars_per_word', 'number', 'WordPiece', 100));
  }

  tokenize(chars: readonly string[]): Token[] {
    const whole: Token[] = [{ id: this.unkId, value: this.unkToken, start: 0, end: chars.length }];
    if (chars.length > this.maxChars) return whole;
    const word = chars.join('');
    const at = new Int32Array(chars.length + 1); // char index -> UTF-16 offset in word
    chars.forEach((c, i) => { at[i + 1] = at[i] + c.length; });
    const out: Token[] = [];
    for (let start = 0; start < chars.length; ) {
      let found: Token | undefined;
      for (const n of start > 0 ? this.nextLengths : this.firstLengths) {
        const end = start + n;
        if (end > chars.length) continue;
        const piece = (start > 0 ? this.prefix : '') + word.slice(at[start], at[end]);
        const id = this.vocab.get(piece);
        if (id !== undefined) {
          found = { id, value: piece, start, end };
          break;
        }
      }
      if (!found) return whole;
      out.push(found);
      start = found.end;
    }
    return out;
  }
}

/** Code points, as NormalizedString splits a text into chars (a lone surrogate is one). */
function charCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i += s.codePointAt(i)! > 0xffff ? 2 : 1) n++;
  return n;
}

export function wrap<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TokenizerError) throw e;
    throw new TokenizerError((e as Error).message);
  }
}
