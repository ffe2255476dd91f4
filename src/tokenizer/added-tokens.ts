// tokenizer.json `added_tokens` (special tokens and user additions) as `tokenizers`' AddedVocabulary: their
// ids (the model's id when the model has the token, else the next free id in file order: the JSON ids are
// not read), and how they are cut out of the text before the model sees it: leftmost-longest matches,
// tokens with normalized=false on the raw text, the others on each piece's normalized text; single_word
// matches inside a word are dropped (not retried shorter); lstrip/rstrip take the adjacent whitespace.
import { TokenizerError } from './errors.ts';
import { field, isRecord } from './json.ts';
import { checkCount } from './limits.ts';
import type { Model } from './models/model.ts';
import { NormalizedString } from './normalized.ts';
import type { Normalizer } from './normalizers.ts';
import { isWhitespace, isWordChar } from './unicode.ts';

export interface AddedToken {
  content: string;
  id: number;
  special: boolean;
  normalized: boolean;
  lstrip: boolean;
  rstrip: boolean;
  singleWord: boolean;
}

export function addedTokensFromJson(list: unknown, model: Model): AddedToken[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new TokenizerError('tokenizer.json added_tokens must be a list');
  checkCount(list.length, 'maxAddedTokens', 'tokenizer.json added_tokens');
  const out: AddedToken[] = [];
  const byContent = new Map<string, AddedToken>();
  let next = model.vocabSize;
  for (const t of list) {
    if (!isRecord(t)) throw new TokenizerError(`tokenizer.json added_tokens entry must be an object, got ${JSON.stringify(t)}`);
    const flag = (k: string) => field(t, k, 'boolean', 'added_tokens entry');
    const content = field(t, 'content', 'string', 'added_tokens entry');
    if (content === '') continue;
    const token = { content, special: flag('special'), normalized: flag('normalized'), lstrip: flag('lstrip'), rstrip: flag('rstrip'), singleWord: flag('single_word') };
    const id = byContent.get(content)?.id ?? model.tokenToId(content) ?? next++;
    const added = { ...token, id };
    byContent.set(content, added);
    out.push(added);
  }
  return [...new Map(out.map((t) => [t.content, t])).values()];
}

/** A match of an added token: [start, end) in chars of the piece searched. */
export interface AddedMatch { token: AddedToken; start: number; end: number }

interface TrieNode { next: Map<string, TrieNode>; token?: AddedToken; length: number }

export class AddedTokenMatcher {
  /** The patterns by char: the longest match at a position is one walk, however many tokens share a start. */
  private readonly root: TrieNode = { next: new Map(), length: 0 };

  constructor(entries: readonly { pattern: string; token: AddedToken }[]) {
    for (const { pattern, token } of entries) {
      const chars = [...pattern];
      if (chars.length === 0) continue;
      let node = this.root;
      for (const c of chars) {
        let child = node.next.get(c);
        if (!child) node.next.set(c, (child = { next: new Map(), length: node.length + 1 }));
        node = child;
      }
      node.token ??= token; // the same pattern twice: the first token keeps it
    }
  }

  get isEmpty(): boolean {
    return this.root.next.size === 0;
  }

  /** The longest pattern that starts at chars[i]. */
  private longestAt(chars: readonly string[], i: number): TrieNode | undefined {
    let best: TrieNode | undefined;
    for (let node = this.root.next.get(chars[i]), k = i + 1; node; node = k < chars.length ? node.next.get(chars[k++]) : undefined) {
      if (node.token) best = node;
    }
    return best;
  }

  /** Leftmost-longest, non-overlapping matches, then single_word / lstrip / rstrip as find_matches applies them. */
  find(chars: readonly string[]): AddedMatch[] {
    const out: AddedMatch[] = [];
    let done = 0; // end of the last kept match
    for (let i = 0; i < chars.length;) {
      const hit = this.longestAt(chars, i);
      if (!hit) {
        i++;
        continue;
      }
      let start = i;
      let end = i + hit.length;
      i = end;
      const t = hit.token!;
      if (t.singleWord) {
        const before = start > 0 && isWordChar(chars[start - 1]);
        const after = end < chars.length && isWordChar(chars[end]);
        if (before || after) continue;
      }
      if (t.lstrip) {
        while (start > done && isWhitespace(chars[start - 1])) start--;
      }
      if (t.rstrip) {
        while (end < chars.length && isWhitespace(chars[end])) end++;
        i = end;
      }
      out.push({ token: t, start, end });
      done = end;
    }
    return out;
  }
}

/** The two matchers: raw-text tokens, and normalized tokens by their normalized content. */
export function addedTokenMatchers(tokens: readonly AddedToken[], normalizer: Normalizer | undefined): { raw: AddedTokenMatcher; normalized: AddedTokenMatcher } {
  const normalizedForm = (s: string) => {
    if (!normalizer) return s;
    const n = NormalizedString.from(s);
    normalizer(n);
    return n.text;
  };
  return {
    raw: new AddedTokenMatcher(tokens.filter((t) => !t.normalized).map((token) => ({ pattern: token.content, token }))),
    normalized: new AddedTokenMatcher(tokens.filter((t) => t.normalized).map((token) => ({ pattern: normalizedForm(token.content), token }))),
  };
}
