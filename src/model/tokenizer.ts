// WordPiece tokenizer matching Hugging Face BERT tokenization: BertNormalizer + BertPreTokenizer +
// WordPiece + TemplateProcessing from `tokenizers`, loadable from vocab.txt (+ tokenizer_config.json)
// or tokenizer.json. No Node-only imports: callers pass file contents, so it also runs in browsers.
// Offsets are UTF-16 [start, end) indices into the original text (text.slice(start, end)); `tokenizers`'
// Python binding reports code-point offsets instead, which differ after astral characters.
// Pair truncation follows `tokenizers` (see longestFirstLengths), decoding the WordPiece decoder
// followed by transformers' clean_up_tokenization.

import {
  AddedTokenMatcher,
  alignChars,
  addedTokenFromJson,
  checkPreTokenizerJson,
  joinChars,
  normalizeChars,
  normalizeOpsFromJson,
  normalizeString,
  splitWords,
  TokenizerError,
  type AddedToken,
  type AlignedChar,
  type NormalizeOp,
} from './tokenizer-normalize.ts';

export { TokenizerError, type AddedToken } from './tokenizer-normalize.ts';

export interface TokenizerOptions {
  doLowerCase: boolean;
  stripAccents: boolean | null; // null: strip exactly when lowercasing (original BERT)
  tokenizeChineseChars: boolean;
  maxInputCharsPerWord: number; // longer words become the unk token
  unkToken: string;
  clsToken: string;
  sepToken: string;
  padToken: string;
  maskToken: string;
  modelMaxLength?: number; // default truncation length when truncation is on and no maxLength is given
}

export interface Encoding {
  tokens: string[];
  inputIds: number[];
  tokenTypeIds: number[];
  attentionMask: number[];
  // [start, end) UTF-16 indices into the original text (the pair's text for its tokens);
  // [0, 0] for template specials and pads.
  offsets: [number, number][];
  sequenceIds: (number | null)[]; // 0 first text, 1 pair, null template specials and pads
}

export interface EncodeOptions {
  pair?: string;
  maxLength?: number;
  truncation?: boolean; // default: true when maxLength is given (as transformers does)
  addSpecialTokens?: boolean; // default true
}

export interface EncodeBatchOptions {
  maxLength?: number;
  padding?: 'longest' | 'max_length'; // default 'longest'
  truncation?: boolean;
}

export interface DecodeOptions {
  skipSpecialTokens?: boolean; // default false
  cleanUpTokenizationSpaces?: boolean; // default true: transformers' clean_up_tokenization
}

export const DEFAULT_TOKENIZER_OPTIONS: Readonly<TokenizerOptions> = {
  doLowerCase: true,
  stripAccents: null,
  tokenizeChineseChars: true,
  maxInputCharsPerWord: 100,
  unkToken: '[UNK]',
  clsToken: '[CLS]',
  sepToken: '[SEP]',
  padToken: '[PAD]',
  maskToken: '[MASK]',
};

// transformers writes int(1e30) (VERY_LARGE_INTEGER) as model_max_length when a model has none.
const NO_MODEL_MAX_LENGTH = 1e12;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A special token in tokenizer_config.json: a string or a serialised AddedToken {content: ...}. */
function tokenContent(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isRecord(v) && typeof v.content === 'string') return v.content;
  return undefined;
}

/** Maps the snake_case keys of a parsed tokenizer_config.json to TokenizerOptions. */
export function fromTokenizerConfig(json: unknown): Partial<TokenizerOptions> {
  if (!isRecord(json)) throw new TokenizerError('tokenizer_config.json must be a JSON object');
  const out: Partial<TokenizerOptions> = {};
  if (typeof json.do_lower_case === 'boolean') out.doLowerCase = json.do_lower_case;
  if (typeof json.strip_accents === 'boolean' || json.strip_accents === null) out.stripAccents = json.strip_accents;
  if (typeof json.tokenize_chinese_chars === 'boolean') out.tokenizeChineseChars = json.tokenize_chinese_chars;
  if (typeof json.max_input_chars_per_word === 'number') out.maxInputCharsPerWord = json.max_input_chars_per_word;
  const names = {
    unk_token: 'unkToken', cls_token: 'clsToken', sep_token: 'sepToken', pad_token: 'padToken', mask_token: 'maskToken',
  } as const;
  for (const [key, field] of Object.entries(names)) {
    const t = tokenContent(json[key]);
    if (t !== undefined) out[field] = t;
  }
  const mml = json.model_max_length;
  if (typeof mml === 'number' && Number.isInteger(mml) && mml > 0 && mml < NO_MODEL_MAX_LENGTH) {
    out.modelMaxLength = mml;
  }
  return out;
}

/** Parses vocab.txt like transformers' load_vocab: one token per line, id = line index. */
export function parseVocabTxt(vocabTxt: string): Map<string, number> {
  if (typeof vocabTxt !== 'string') throw new TokenizerError(`vocab.txt must be a string, got ${typeof vocabTxt}`);
  const lines = vocabTxt.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop(); // the final newline ends a line
  if (lines.length === 0) throw new TokenizerError('vocab.txt is empty');
  const vocab = new Map<string, number>();
  lines.forEach((tok, i) => vocab.set(tok, i)); // a repeated line maps to its last index, as in load_vocab
  return vocab;
}

/**
 * Lengths after `tokenizers`' TruncationStrategy::LongestFirst for a pair with `max` tokens left
 * after the specials: if the shorter fits, the longer gets the rest; otherwise the first sequence
 * gets floor(max/2) and the second ceil(max/2) when they are equal, else the longer gets the ceiling.
 * (The slow tokenizer removes one token at a time and can differ by one, e.g. 4+4 -> 4+3, not 3+4.)
 */
export function longestFirstLengths(n1: number, n2: number, max: number): [number, number] {
  if (n1 + n2 <= max) return [n1, n2];
  if (max === 0) return [0, 0];
  const swap = n1 > n2;
  let short = swap ? n2 : n1;
  let long = short > max ? short : Math.max(short, max - short);
  if (short + long > max) {
    short = Math.floor(max / 2);
    long = short + (max % 2);
  }
  return swap ? [Math.min(n1, long), Math.min(n2, short)] : [Math.min(n1, short), Math.min(n2, long)];
}

function cleanUpTokenization(s: string): string {
  return s
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

function assertText(text: unknown, what: string): asserts text is string {
  if (typeof text !== 'string') {
    throw new TokenizerError(`${what} must be a string, got ${text === null ? 'null' : typeof text}`);
  }
}

function assertLength(n: unknown, what: string): asserts n is number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new TokenizerError(`${what} must be a non-negative integer, got ${String(n)}`);
  }
}

/** One element of a TemplateProcessing template: special tokens, or sequence A (0) / B (1). */
type TemplatePiece =
  | { kind: 'special'; tokens: string[]; ids: number[]; typeId: number }
  | { kind: 'sequence'; index: 0 | 1; typeId: number };

// Everything the tokenizer needs, whichever file it came from.
interface TokenizerSpec {
  vocab: Map<string, number>; // WordPiece model vocabulary
  unkToken: string;
  continuingSubwordPrefix: string;
  maxInputCharsPerWord: number;
  normalizeOps: NormalizeOp[];
  addedTokens: AddedToken[];
  single: TemplatePiece[];
  pair: TemplatePiece[];
  clsToken: string | undefined;
  sepToken: string | undefined;
  padToken: string | undefined;
  maskToken: string | undefined;
  decoderPrefix: string;
  decoderCleanup: boolean;
  modelMaxLength: number | undefined;
}

const SEQ_A: TemplatePiece = { kind: 'sequence', index: 0, typeId: 0 };
const SEQ_B: TemplatePiece = { kind: 'sequence', index: 1, typeId: 1 };

function bertTemplates(cls: string, clsId: number, sep: string, sepId: number): Pick<TokenizerSpec, 'single' | 'pair'> {
  const c: TemplatePiece = { kind: 'special', tokens: [cls], ids: [clsId], typeId: 0 };
  const s = (typeId: number): TemplatePiece => ({ kind: 'special', tokens: [sep], ids: [sepId], typeId });
  return {
    single: [c, SEQ_A, s(0)],
    pair: [c, SEQ_A, s(0), SEQ_B, s(1)],
  };
}

function parseTemplate(items: unknown, specials: Record<string, unknown>, what: string): TemplatePiece[] {
  if (!Array.isArray(items)) throw new TokenizerError(`tokenizer.json TemplateProcessing ${what} must be a list`);
  return items.map((item): TemplatePiece => {
    if (isRecord(item) && isRecord(item.Sequence)) {
      const { id, type_id } = item.Sequence;
      if (id !== 'A' && id !== 'B') {
        throw new TokenizerError(`tokenizer.json template sequence id must be A or B, got ${String(id)}`);
      }
      return { kind: 'sequence', index: id === 'A' ? 0 : 1, typeId: typeof type_id === 'number' ? type_id : 0 };
    }
    if (isRecord(item) && isRecord(item.SpecialToken)) {
      const { id, type_id } = item.SpecialToken;
      const sp = specials[String(id)];
      if (!isRecord(sp) || !Array.isArray(sp.tokens) || !Array.isArray(sp.ids) || sp.tokens.length !== sp.ids.length) {
        throw new TokenizerError(`tokenizer.json template special token ${String(id)} is not in special_tokens`);
      }
      const typeId = typeof type_id === 'number' ? type_id : 0;
      return { kind: 'special', tokens: sp.tokens.map(String), ids: sp.ids.map(Number), typeId };
    }
    throw new TokenizerError(`tokenizer.json TemplateProcessing ${what} has an unknown piece ${JSON.stringify(item)}`);
  });
}

function parseTokenizerJson(json: unknown, config: Partial<TokenizerOptions>): TokenizerSpec {
  if (!isRecord(json)) throw new TokenizerError('tokenizer.json must be a JSON object');
  const model = json.model;
  if (!isRecord(model)) throw new TokenizerError('tokenizer.json has no model');
  if (model.type !== 'WordPiece') {
    throw new TokenizerError(`tokenizer.json model type is ${JSON.stringify(model.type)}, not WordPiece`);
  }
  if (!isRecord(model.vocab)) throw new TokenizerError('tokenizer.json model.vocab must be an object of token -> id');
  const vocab = new Map<string, number>();
  for (const [tok, id] of Object.entries(model.vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new TokenizerError(`tokenizer.json vocab id of ${JSON.stringify(tok)} is not a valid id`);
    }
    vocab.set(tok, id);
  }
  if (vocab.size === 0) throw new TokenizerError('tokenizer.json model.vocab is empty');
  const prefix = typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '##';
  checkPreTokenizerJson(json.pre_tokenizer);
  const added = json.added_tokens ?? [];
  if (!Array.isArray(added)) throw new TokenizerError('tokenizer.json added_tokens must be a list');
  const addedTokens = added.map(addedTokenFromJson);
  const known = (t: string) => vocab.has(t) || addedTokens.some((a) => a.content === t);

  let templates: Pick<TokenizerSpec, 'single' | 'pair'>;
  const pp = json.post_processor;
  if (pp === null || pp === undefined) {
    templates = { single: [SEQ_A], pair: [SEQ_A, SEQ_B] };
  } else if (isRecord(pp) && pp.type === 'TemplateProcessing') {
    const specials = isRecord(pp.special_tokens) ? pp.special_tokens : {};
    templates = {
      single: parseTemplate(pp.single, specials, 'single'),
      pair: parseTemplate(pp.pair, specials, 'pair'),
    };
  } else if (isRecord(pp) && pp.type === 'BertProcessing' && Array.isArray(pp.cls) && Array.isArray(pp.sep)) {
    templates = bertTemplates(String(pp.cls[0]), Number(pp.cls[1]), String(pp.sep[0]), Number(pp.sep[1]));
  } else {
    const type = isRecord(pp) ? JSON.stringify(pp.type) : String(pp);
    throw new TokenizerError(`unsupported post_processor ${type} in tokenizer.json`);
  }
  const specialsOf = (t: TemplatePiece[]) => t.flatMap((p) => (p.kind === 'special' ? p.tokens : []));
  for (const t of [...specialsOf(templates.single), ...specialsOf(templates.pair)]) {
    if (!known(t)) throw new TokenizerError(`special token ${t} is not in the vocabulary`);
  }
  // cls: a special that opens the single template; sep: the first special after sequence A.
  const first = templates.single[0];
  const seqA = templates.single.findIndex((p) => p.kind === 'sequence');
  const afterA = templates.single.slice(seqA + 1).find((p) => p.kind === 'special');

  const decoder = json.decoder;
  const wpDecoder = isRecord(decoder) && decoder.type === 'WordPiece';
  const padding = json.padding;
  const jsonPad = isRecord(padding) && typeof padding.pad_token === 'string' ? padding.pad_token : undefined;
  const truncation = json.truncation;
  const jsonMax = isRecord(truncation) && typeof truncation.max_length === 'number' ? truncation.max_length : undefined;
  return {
    vocab,
    unkToken: typeof model.unk_token === 'string' ? model.unk_token : '[UNK]',
    continuingSubwordPrefix: prefix,
    maxInputCharsPerWord: typeof model.max_input_chars_per_word === 'number' ? model.max_input_chars_per_word : 100,
    normalizeOps: normalizeOpsFromJson(json.normalizer),
    addedTokens,
    ...templates,
    clsToken: first?.kind === 'special' ? first.tokens[0] : undefined,
    sepToken: afterA?.kind === 'special' ? afterA.tokens[0] : undefined,
    padToken: config.padToken ?? jsonPad ?? '[PAD]',
    maskToken: config.maskToken ?? '[MASK]',
    decoderPrefix: wpDecoder && typeof decoder.prefix === 'string' ? decoder.prefix : prefix,
    decoderCleanup: wpDecoder ? decoder.cleanup !== false : true,
    modelMaxLength: config.modelMaxLength ?? jsonMax,
  };
}

// One token of one sequence, before the template adds specials.
interface Piece {
  token: string;
  id: number;
  start: number;
  end: number;
}

export class WordPieceTokenizer {
  readonly vocabSize: number; // 1 + the largest id (vocab and added tokens): rows the embedding table needs
  readonly unkTokenId: number;
  readonly clsTokenId: number | undefined;
  readonly sepTokenId: number | undefined;
  readonly padTokenId: number | undefined;
  readonly maskTokenId: number | undefined;
  readonly modelMaxLength: number | undefined;

  private readonly spec: TokenizerSpec;
  private readonly tokenIds = new Map<string, number>(); // model vocab + added tokens
  private readonly idTokens = new Map<number, string>();
  private readonly specialIds = new Set<number>();
  private readonly rawMatcher: AddedTokenMatcher; // added tokens matched before normalisation
  private readonly normalizedMatcher: AddedTokenMatcher; // added tokens with normalized = true

  private constructor(spec: TokenizerSpec) {
    this.spec = spec;
    for (const [tok, id] of spec.vocab) {
      this.tokenIds.set(tok, id);
      this.idTokens.set(id, tok);
    }
    for (const t of spec.addedTokens) {
      this.tokenIds.set(t.content, t.id);
      this.idTokens.set(t.id, t.content);
      if (t.special) this.specialIds.add(t.id);
    }
    let maxId = -1;
    for (const id of this.idTokens.keys()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    const unk = spec.vocab.get(spec.unkToken);
    if (unk === undefined) throw new TokenizerError(`unk token ${spec.unkToken} is not in the vocabulary`);
    this.unkTokenId = unk;
    this.clsTokenId = spec.clsToken === undefined ? undefined : this.tokenIds.get(spec.clsToken);
    this.sepTokenId = spec.sepToken === undefined ? undefined : this.tokenIds.get(spec.sepToken);
    this.padTokenId = spec.padToken === undefined ? undefined : this.tokenIds.get(spec.padToken);
    this.maskTokenId = spec.maskToken === undefined ? undefined : this.tokenIds.get(spec.maskToken);
    this.modelMaxLength = spec.modelMaxLength;
    const raw = spec.addedTokens.filter((t) => !t.normalized).map((token) => ({ pattern: token.content, token }));
    const norm = spec.addedTokens
      .filter((t) => t.normalized)
      .map((token) => ({ pattern: normalizeString(token.content, spec.normalizeOps), token }));
    this.rawMatcher = new AddedTokenMatcher(raw);
    this.normalizedMatcher = new AddedTokenMatcher(norm);
  }

  /** From vocab.txt plus options (see fromTokenizerConfig for tokenizer_config.json). */
  static fromVocabTxt(vocabTxt: string, config: Partial<TokenizerOptions> = {}): WordPieceTokenizer {
    const vocab = parseVocabTxt(vocabTxt);
    const o: TokenizerOptions = { ...DEFAULT_TOKENIZER_OPTIONS, ...config };
    assertLength(o.maxInputCharsPerWord, 'maxInputCharsPerWord');
    for (const t of [o.unkToken, o.clsToken, o.sepToken]) {
      if (!vocab.has(t)) throw new TokenizerError(`special token ${t} is not in vocab.txt`);
    }
    const strip = o.stripAccents ?? o.doLowerCase;
    const normalizeOps: NormalizeOp[] = ['cleanText'];
    if (o.tokenizeChineseChars) normalizeOps.push('padChineseChars');
    if (strip) normalizeOps.push('nfd', 'dropNonspacingMarks');
    if (o.doLowerCase) normalizeOps.push('lowercase');
    // The slow tokenizer never splits its special tokens; the fast one registers them as special,
    // non-normalised added tokens. Only those present in the vocabulary can be emitted.
    const addedTokens: AddedToken[] = [];
    for (const content of new Set([o.unkToken, o.sepToken, o.padToken, o.clsToken, o.maskToken])) {
      const id = vocab.get(content);
      if (id === undefined) continue;
      const flags = { special: true, normalized: false, lstrip: false, rstrip: false, singleWord: false };
      addedTokens.push({ content, id, ...flags });
    }
    return new WordPieceTokenizer({
      vocab,
      unkToken: o.unkToken,
      continuingSubwordPrefix: '##',
      maxInputCharsPerWord: o.maxInputCharsPerWord,
      normalizeOps,
      addedTokens,
      ...bertTemplates(o.clsToken, vocab.get(o.clsToken) ?? -1, o.sepToken, vocab.get(o.sepToken) ?? -1),
      clsToken: o.clsToken,
      sepToken: o.sepToken,
      padToken: o.padToken,
      maskToken: o.maskToken,
      decoderPrefix: '##',
      decoderCleanup: true,
      modelMaxLength: o.modelMaxLength,
    });
  }

  /**
   * From a parsed tokenizer.json (WordPiece model). `config` supplies what tokenizer.json lacks:
   * padToken / maskToken names (default [PAD] / [MASK] when present) and modelMaxLength.
   */
  static fromTokenizerJson(json: unknown, config: Partial<TokenizerOptions> = {}): WordPieceTokenizer {
    return new WordPieceTokenizer(parseTokenizerJson(json, config));
  }

  tokenToId(t: string): number | undefined {
    return this.tokenIds.get(t);
  }

  idToToken(id: number): string | undefined {
    return this.idTokens.get(id);
  }

  /** WordPiece tokens of one text, without the template's special tokens. */
  tokenize(text: string): string[] {
    assertText(text, 'text');
    return this.encodeSequence(text).map((p) => p.token);
  }

  encode(text: string, opts: EncodeOptions = {}): Encoding {
    assertText(text, 'text');
    if (opts.pair !== undefined) assertText(opts.pair, 'pair');
    const a = this.encodeSequence(text);
    const b = opts.pair === undefined ? undefined : this.encodeSequence(opts.pair);
    const addSpecial = opts.addSpecialTokens ?? true;
    if (opts.maxLength !== undefined) assertLength(opts.maxLength, 'maxLength');
    const limit = opts.maxLength ?? this.modelMaxLength;
    if ((opts.truncation ?? opts.maxLength !== undefined) && limit !== undefined) {
      const nSpecial = addSpecial ? this.countSpecials(b !== undefined) : 0;
      if (limit < nSpecial) {
        throw new TokenizerError(`maxLength ${limit} is too small for the ${nSpecial} special tokens`);
      }
      const [na, nb] = longestFirstLengths(a.length, b?.length ?? 0, limit - nSpecial);
      a.length = na;
      if (b !== undefined) b.length = nb;
    }
    return this.assemble(a, b, addSpecial);
  }

  encodeBatch(texts: string[] | [string, string][], opts: EncodeBatchOptions = {}): Encoding[] {
    if (!Array.isArray(texts)) throw new TokenizerError(`texts must be an array, got ${typeof texts}`);
    const base: EncodeOptions = { maxLength: opts.maxLength, truncation: opts.truncation };
    const encs = (texts as unknown[]).map((t, i) => {
      if (Array.isArray(t)) {
        if (t.length !== 2) throw new TokenizerError(`texts[${i}] must be a string or a [text, pair] tuple`);
        return this.encode(t[0] as string, { ...base, pair: t[1] as string });
      }
      return this.encode(t as string, base);
    });
    let target = 0;
    if ((opts.padding ?? 'longest') === 'max_length') {
      if (opts.maxLength === undefined) throw new TokenizerError("padding 'max_length' needs maxLength");
      target = opts.maxLength;
    } else {
      for (const e of encs) target = Math.max(target, e.inputIds.length);
    }
    for (const e of encs) {
      const n = target - e.inputIds.length;
      if (n <= 0) continue;
      if (this.padTokenId === undefined || this.spec.padToken === undefined) {
        throw new TokenizerError(`cannot pad: pad token ${this.spec.padToken ?? '(none)'} is not in the vocabulary`);
      }
      for (let k = 0; k < n; k++) {
        e.tokens.push(this.spec.padToken);
        e.inputIds.push(this.padTokenId);
        e.tokenTypeIds.push(0);
        e.attentionMask.push(0);
        e.offsets.push([0, 0]);
        e.sequenceIds.push(null);
      }
    }
    return encs;
  }

  /** Joins wordpieces like the `tokenizers` WordPiece decoder, then transformers' clean-up. */
  decode(ids: number[], opts: DecodeOptions = {}): string {
    if (!Array.isArray(ids)) throw new TokenizerError(`ids must be an array, got ${typeof ids}`);
    const prefix = this.spec.decoderPrefix;
    let out = '';
    let i = 0;
    for (const id of ids) {
      const tok = this.idTokens.get(id);
      if (tok === undefined) throw new TokenizerError(`id ${String(id)} is not in the vocabulary`);
      if (opts.skipSpecialTokens && this.specialIds.has(id)) continue;
      let s = tok;
      if (i++ > 0) s = s.startsWith(prefix) ? s.slice(prefix.length) : ' ' + s;
      out += this.spec.decoderCleanup ? cleanUpTokenization(s) : s;
    }
    return (opts.cleanUpTokenizationSpaces ?? true) ? cleanUpTokenization(out) : out;
  }

  private countSpecials(isPair: boolean): number {
    let n = 0;
    for (const p of isPair ? this.spec.pair : this.spec.single) if (p.kind === 'special') n += p.tokens.length;
    return n;
  }

  private assemble(a: Piece[], b: Piece[] | undefined, addSpecial: boolean): Encoding {
    const e: Encoding = { tokens: [], inputIds: [], tokenTypeIds: [], attentionMask: [], offsets: [], sequenceIds: [] };
    const push = (token: string, id: number, typeId: number, start: number, end: number, seq: number | null) => {
      e.tokens.push(token);
      e.inputIds.push(id);
      e.tokenTypeIds.push(typeId);
      e.attentionMask.push(1);
      e.offsets.push([start, end]);
      e.sequenceIds.push(seq);
    };
    const isPair = b !== undefined;
    const template = addSpecial ? (isPair ? this.spec.pair : this.spec.single) : isPair ? [SEQ_A, SEQ_B] : [SEQ_A];
    for (const piece of template) {
      if (piece.kind === 'special') {
        piece.tokens.forEach((t, k) => push(t, piece.ids[k], piece.typeId, 0, 0, null));
      } else {
        const seq = piece.index === 0 ? a : b;
        for (const p of seq ?? []) push(p.token, p.id, piece.typeId, p.start, p.end, piece.index);
      }
    }
    return e;
  }

  /** Added-token extraction, normalisation, pre-tokenisation and WordPiece for one text. */
  private encodeSequence(text: string): Piece[] {
    const out: Piece[] = [];
    let pos = 0;
    for (const m of this.rawMatcher.find(text)) {
      this.encodeNormalizedPart(alignChars(text, pos, m.start), out);
      out.push({ token: m.token.content, id: m.token.id, start: m.start, end: m.end });
      pos = m.end;
    }
    this.encodeNormalizedPart(alignChars(text, pos, text.length), out);
    return out;
  }

  private encodeNormalizedPart(raw: AlignedChar[], out: Piece[]): void {
    if (raw.length === 0) return;
    const chars = normalizeChars(raw, this.spec.normalizeOps);
    let rest = chars;
    if (!this.normalizedMatcher.isEmpty) {
      // Map UTF-16 indices of the normalised string back to char indices.
      const s = joinChars(chars);
      const charAt: number[] = [];
      chars.forEach((ch, k) => { for (let u = 0; u < ch.c.length; u++) charAt.push(k); });
      charAt.push(chars.length);
      let pos = 0;
      for (const m of this.normalizedMatcher.find(s)) {
        const [from, to] = [charAt[m.start], charAt[m.end]];
        this.wordPieceWords(chars.slice(pos, from), out);
        out.push({ token: m.token.content, id: m.token.id, start: chars[from].start, end: chars[to - 1].end });
        pos = to;
      }
      rest = chars.slice(pos);
    }
    this.wordPieceWords(rest, out);
  }

  private wordPieceWords(chars: AlignedChar[], out: Piece[]): void {
    for (const word of splitWords(chars)) this.wordPiece(word, out);
  }

  /** Greedy longest-match-first over code points; any unmatched remainder makes the whole word unk. */
  private wordPiece(word: AlignedChar[], out: Piece[]): void {
    const { vocab, unkToken, continuingSubwordPrefix, maxInputCharsPerWord } = this.spec;
    const whole = { token: unkToken, id: this.unkTokenId, start: word[0].start, end: word[word.length - 1].end };
    if (word.length > maxInputCharsPerWord) {
      out.push(whole);
      return;
    }
    const pieces: Piece[] = [];
    for (let start = 0; start < word.length; ) {
      let found: Piece | undefined;
      let end = word.length;
      for (; end > start; end--) {
        let sub = joinChars(word.slice(start, end));
        if (start > 0) sub = continuingSubwordPrefix + sub;
        const id = vocab.get(sub);
        if (id !== undefined) {
          found = { token: sub, id, start: word[start].start, end: word[end - 1].end };
          break;
        }
      }
      if (found === undefined) {
        out.push(whole);
        return;
      }
      pieces.push(found);
      start = end;
    }
    out.push(...pieces);
  }
}
