// A tokenizer.json pipeline, as Hugging Face `tokenizers` runs it: added tokens cut out of the raw text,
// each remaining piece normalized on its own (then normalized added tokens cut out), pre-tokenized into
// words, each word through the model; then truncation, the post-processor's specials and padding. Offsets
// are UTF-16 indices into the text (text.slice(start, end)); `tokenizers` reports the same spans in
// code points. What transformers adds on top (which token is the mask, model_max_length, clean-up after
// decoding) comes from tokenizer_config.json as TokenizerOptions.
import { addedTokenMatchers, addedTokensFromJson, type AddedToken, type AddedTokenMatcher } from './added-tokens.ts';
import { decoderFromJson, type Decoder } from './decoders.ts';
import { concat, emptyEncoding, pad, truncatePair, withSequence, type Encoding, type Side, type TruncationStrategy } from './encoding.ts';
import { TokenizerError } from './errors.ts';
import { isRecord } from './json.ts';
import { Bpe } from './models/bpe.ts';
import type { Model } from './models/model.ts';
import { Unigram } from './models/unigram.ts';
import { WordLevel } from './models/word-level.ts';
import { WordPiece } from './models/wordpiece.ts';
import { NormalizedString } from './normalized.ts';
import { normalizerFromJson, type Normalizer } from './normalizers.ts';
import { postProcessorFromJson, type PostProcessor } from './post-processors.ts';
import { PreTokenized, preTokenizerFromJson, type PreTokenizer, type Split } from './pre-tokenizers.ts';

/** What transformers' tokenizer_config.json adds to tokenizer.json. */
export interface TokenizerOptions {
  modelMaxLength?: number;
  unkToken?: string;
  clsToken?: string;
  sepToken?: string;
  padToken?: string;
  maskToken?: string;
  bosToken?: string;
  eosToken?: string;
  /** transformers' clean_up_tokenization after decoding (default true). */
  cleanUpTokenizationSpaces?: boolean;
  paddingSide?: Side;
  truncationSide?: Side;
}

export interface EncodeOptions {
  pair?: string;
  maxLength?: number;
  /** true (longest first) or a strategy; default: truncate when maxLength is given, as transformers does. */
  truncation?: boolean | TruncationStrategy;
  /** Which end truncation removes tokens from (default tokenizer_config.json's truncation_side, else right). */
  truncationSide?: Side;
  addSpecialTokens?: boolean;
}

export interface EncodeBatchOptions {
  maxLength?: number;
  /** 'longest' (default) pads to the batch's longest, 'max_length' to maxLength, false not at all. */
  padding?: 'longest' | 'max_length' | false;
  truncation?: boolean | TruncationStrategy;
  padToMultipleOf?: number;
  truncationSide?: Side;
  /** Which end pads go (default tokenizer_config.json's padding_side, else right). */
  paddingSide?: Side;
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  skipSpecialTokens?: boolean;
  cleanUpTokenizationSpaces?: boolean;
}

/** transformers' clean_up_tokenization. */
function cleanUp(s: string): string {
  return s.replaceAll(' .', '.').replaceAll(' ?', '?').replaceAll(' !', '!').replaceAll(' ,', ',').replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't").replaceAll(" 'm", "'m").replaceAll(" 's", "'s").replaceAll(" 've", "'ve").replaceAll(" 're", "'re");
}

// transformers writes int(1e30) (VERY_LARGE_INTEGER) as model_max_length when a model has none.
const NO_MODEL_MAX_LENGTH = 1e12;

function modelFromJson(m: unknown): Model {
  if (!isRecord(m)) throw new TokenizerError('tokenizer.json has no model');
  switch (m.type) {
    case 'WordPiece': return WordPiece.fromJson(m);
    case 'BPE': return Bpe.fromJson(m);
    case 'Unigram': return Unigram.fromJson(m);
    case 'WordLevel': return WordLevel.fromJson(m);
    default: throw new TokenizerError(`tokenizer.json model ${JSON.stringify(m.type)} is not supported (supported: WordPiece, BPE, Unigram, WordLevel)`);
  }
}

export class Tokenizer {
  /** 1 + the largest id (model and added tokens): the rows an embedding table needs. */
  readonly vocabSize: number;
  readonly unkTokenId: number | undefined;
  readonly clsTokenId: number | undefined;
  readonly sepTokenId: number | undefined;
  readonly padTokenId: number | undefined;
  readonly maskTokenId: number | undefined;
  readonly modelMaxLength: number | undefined;
  /** The special tokens by role, as strings. */
  readonly specials: { unk?: string; cls?: string; sep?: string; pad?: string; mask?: string };

  private readonly added: AddedToken[];
  private readonly addedById = new Map<number, AddedToken>();
  private readonly addedByContent = new Map<string, AddedToken>();
  private readonly matchers: { raw: AddedTokenMatcher; normalized: AddedTokenMatcher };
  private readonly padSpec: { id?: number; typeId: number; token?: string };

  private constructor(
    private readonly model: Model,
    private readonly normalizer: Normalizer | undefined,
    private readonly preTokenizer: PreTokenizer | undefined,
    private readonly processor: PostProcessor | undefined,
    private readonly decoder: Decoder | undefined,
    json: Record<string, unknown>,
    private readonly options: TokenizerOptions,
  ) {
    this.added = addedTokensFromJson(json.added_tokens, model);
    for (const t of this.added) {
      this.addedById.set(t.id, t);
      this.addedByContent.set(t.content, t);
    }
    this.matchers = addedTokenMatchers(this.added, normalizer);
    this.vocabSize = this.added.reduce((max, t) => Math.max(max, t.id), model.maxId) + 1;

    const padding = isRecord(json.padding) ? json.padding : undefined;
    const truncation = isRecord(json.truncation) ? json.truncation : undefined;
    const specialsOf = this.processor?.specials.single ?? [];
    const mask = options.maskToken ?? this.added.find((t) => t.special && /^[[<]mask[\]>]$/i.test(t.content))?.content;
    this.specials = {
      unk: options.unkToken ?? model.unkToken,
      cls: options.clsToken ?? specialsOf[0],
      sep: options.sepToken ?? specialsOf[specialsOf.length - 1],
      pad: options.padToken ?? (typeof padding?.pad_token === 'string' ? padding.pad_token : undefined) ?? this.added.find((t) => /^[[<]pad[\]>]$/i.test(t.content))?.content,
      mask,
    };
    const id = (t: string | undefined) => (t === undefined ? undefined : this.tokenToId(t));
    this.unkTokenId = id(this.specials.unk);
    this.clsTokenId = id(this.specials.cls);
    this.sepTokenId = id(this.specials.sep);
    this.padTokenId = id(this.specials.pad);
    this.maskTokenId = id(this.specials.mask);
    this.padSpec = { id: this.padTokenId, typeId: typeof padding?.pad_type_id === 'number' ? padding.pad_type_id : 0, token: this.specials.pad };
    const jsonMax = typeof truncation?.max_length === 'number' ? truncation.max_length : undefined;
    const configMax = options.modelMaxLength !== undefined && options.modelMaxLength < NO_MODEL_MAX_LENGTH ? options.modelMaxLength : undefined;
    this.modelMaxLength = configMax ?? jsonMax;
  }

  /** From a parsed tokenizer.json; options from tokenizer_config.json (see tokenizerOptions). */
  static fromJson(json: unknown, options: TokenizerOptions = {}): Tokenizer {
    if (!isRecord(json)) throw new TokenizerError('tokenizer.json must be a JSON object');
    if (json.version !== undefined && json.version !== '1.0') throw new TokenizerError(`tokenizer.json version ${JSON.stringify(json.version)} is not 1.0`);
    const model = modelFromJson(json.model);
    return new Tokenizer(model, normalizerFromJson(json.normalizer), preTokenizerFromJson(json.pre_tokenizer), postProcessorFromJson(json.post_processor), decoderFromJson(json.decoder), json, options);
  }

  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.model.tokenToId(token);
  }

  idToToken(id: number): string | undefined {
    return this.addedById.get(id)?.content ?? this.model.idToToken(id);
  }

  /** The tokens of one text, without specials or truncation. */
  tokenize(text: string): string[] {
    return this.encode(text, { addSpecialTokens: false }).tokens;
  }

  encode(text: string, opts: EncodeOptions = {}): Encoding {
    assertText(text, 'text');
    if (opts.pair !== undefined) assertText(opts.pair, 'pair');
    const addSpecial = opts.addSpecialTokens ?? true;
    const strategy = truncationStrategy(opts.truncation ?? opts.maxLength !== undefined);
    const max = opts.maxLength ?? this.modelMaxLength;
    if (opts.maxLength !== undefined && (!Number.isInteger(opts.maxLength) || opts.maxLength < 0)) {
      throw new TokenizerError(`maxLength must be a non-negative integer, got ${String(opts.maxLength)}`);
    }
    const truncating = strategy !== undefined && max !== undefined;
    const side = opts.truncationSide ?? this.options.truncationSide ?? 'right';
    // tokenizers stops tokenizing a sequence once it has max_length tokens (a pair's first, under only_second, excepted).
    const limit = (typeId: number) => (truncating && !(strategy === 'only_second' && typeId === 0) ? max : undefined);
    let a = this.encodeSequence(text, 0, limit(0), side);
    let b = opts.pair === undefined ? undefined : this.encodeSequence(opts.pair, 1, limit(1), side);
    if (truncating) {
      const specials = addSpecial ? this.processor?.added(b !== undefined) ?? 0 : 0;
      if (max < specials) throw new TokenizerError(`maxLength ${max} is too small for the ${specials} special tokens`);
      [a, b] = truncatePair(a, b, max - specials, strategy, side);
    }
    const encodings = [withSequence(a, 0, 0), ...(b ? [withSequence(b, 1, 1)] : [])];
    const texts = opts.pair === undefined ? [text] : [text, opts.pair];
    return concat(this.processor ? this.processor.process(encodings, addSpecial, texts) : encodings);
  }

  /** Several texts or [text, pair] tuples, padded together. */
  encodeBatch(inputs: readonly (string | readonly [string, string])[], opts: EncodeBatchOptions = {}): Encoding[] {
    if (!Array.isArray(inputs)) throw new TokenizerError(`texts must be an array, got ${typeof inputs}`);
    const base: EncodeOptions = { maxLength: opts.maxLength, truncation: opts.truncation, truncationSide: opts.truncationSide, addSpecialTokens: opts.addSpecialTokens };
    const encs = inputs.map((t, i) => {
      if (typeof t === 'string') return this.encode(t, base);
      if (Array.isArray(t) && t.length === 2) return this.encode(t[0], { ...base, pair: t[1] });
      throw new TokenizerError(`texts[${i}] must be a string or a [text, pair] tuple`);
    });
    const padding = opts.padding ?? 'longest';
    if (padding === false) return encs;
    let target = padding === 'max_length' ? opts.maxLength : Math.max(...encs.map((e) => e.inputIds.length));
    if (target === undefined) throw new TokenizerError("padding 'max_length' needs maxLength");
    const m = opts.padToMultipleOf;
    if (m && target % m) target += m - (target % m);
    if (encs.every((e) => e.inputIds.length >= target!)) return encs;
    const { id, typeId, token } = this.padSpec;
    if (id === undefined || token === undefined) throw new TokenizerError(this.specials.pad === undefined ? 'cannot pad: the tokenizer names no pad token' : `cannot pad: the pad token ${this.specials.pad} is not in the vocabulary`);
    return encs.map((e) => pad(e, { length: target!, id, typeId, token, side: opts.paddingSide ?? this.options.paddingSide ?? 'right' }));
  }

  decode(ids: readonly number[], opts: DecodeOptions = {}): string {
    if (!Array.isArray(ids)) throw new TokenizerError(`ids must be an array, got ${typeof ids}`);
    const tokens: string[] = [];
    for (const id of ids) {
      const added = this.addedById.get(id);
      // A normalized added token decodes as its normalized form (tokenizers' simple_id_to_token).
      const tok = added ? (added.normalized ? this.normalizedContent(added.content) : added.content) : this.model.idToToken(id);
      if (tok === undefined) throw new TokenizerError(`id ${String(id)} is not in the vocabulary`);
      if (opts.skipSpecialTokens && added?.special) continue;
      tokens.push(tok);
    }
    const text = this.decoder ? this.decoder(tokens).join('') : tokens.join(' ');
    return (opts.cleanUpTokenizationSpaces ?? this.options.cleanUpTokenizationSpaces ?? true) ? cleanUp(text) : text;
  }

  private normalizedContent(content: string): string {
    if (!this.normalizer) return content;
    const n = NormalizedString.from(content);
    this.normalizer(n);
    return n.text;
  }

  /** One sequence through added tokens, normalizer, pre-tokenizer and model (tokenizers' encode_single_sequence). */
  private encodeSequence(text: string, typeId: number, limit: number | undefined, side: Side): Encoding {
    const p = new PreTokenized([{ n: NormalizedString.from(text) }]);
    p.splits = p.splits.flatMap((s) => this.cutAdded(s, this.matchers.raw));
    p.splits = p.splits.flatMap((s) => {
      if (s.tokens) return [s];
      this.normalizer?.(s.n);
      return this.cutAdded(s, this.matchers.normalized);
    });
    this.preTokenizer?.(p);
    let splits = p.splits;
    // The model, split by split; with a limit it stops once that many tokens exist and drops the rest.
    let total = 0;
    const order = side === 'right' ? splits.map((_, i) => i) : splits.map((_, i) => splits.length - 1 - i);
    let kept = splits.length;
    for (const [k, i] of order.entries()) {
      const s = splits[i];
      kept = k + 1;
      // Added tokens count but never stop it: only a word the model tokenizes does, as in tokenize_with_limit.
      if (s.tokens) {
        total += s.tokens.length;
        continue;
      }
      s.tokens = this.model.tokenize(s.n.chars.map((c) => c.c));
      total += s.tokens.length;
      if (limit !== undefined && total >= limit) break;
    }
    splits = side === 'right' ? splits.slice(0, kept) : splits.slice(splits.length - kept);
    const e = emptyEncoding();
    splits.forEach((s, word) => {
      for (const t of s.tokens!) {
        e.tokens.push(t.value);
        e.inputIds.push(t.id);
        e.tokenTypeIds.push(typeId);
        e.attentionMask.push(1);
        e.offsets.push(s.n.span(t.start, t.end));
        e.specialTokensMask.push(0);
        e.wordIds.push(word);
        e.sequenceIds.push(typeId);
      }
    });
    return e;
  }

  /** A split without tokens cut at the matcher's added tokens; each match a split holding its one token. */
  private cutAdded(s: Split, matcher: AddedTokenMatcher): Split[] {
    if (s.tokens || matcher.isEmpty || s.n.isEmpty) return s.n.isEmpty && !s.tokens ? [] : [s];
    const out: Split[] = [];
    let at = 0;
    for (const m of matcher.find(s.n.chars.map((c) => c.c))) {
      if (at < m.start) out.push({ n: s.n.slice(at, m.start) });
      const n = s.n.slice(m.start, m.end);
      out.push({ n, tokens: [{ id: m.token.id, value: n.text, start: 0, end: n.chars.length }] });
      at = m.end;
    }
    if (at < s.n.chars.length) out.push({ n: s.n.slice(at, s.n.chars.length) });
    return out;
  }
}

function truncationStrategy(t: boolean | TruncationStrategy): TruncationStrategy | undefined {
  if (t === false) return undefined;
  if (t === true) return 'longest_first';
  if (t === 'longest_first' || t === 'only_first' || t === 'only_second') return t;
  throw new TokenizerError(`truncation must be true, false, 'longest_first', 'only_first' or 'only_second', got ${JSON.stringify(t)}`);
}

function assertText(text: unknown, what: string): asserts text is string {
  if (typeof text !== 'string') throw new TokenizerError(`${what} must be a string, got ${text === null ? 'null' : typeof text}`);
}
