// A checkpoint's tokenizer files → a Tokenizer: tokenizer.json when there is one (what transformers' fast
// tokenizers run), else the slow tokenizers' vocab.json + merges.txt or vocab.txt converted to one; with
// tokenizer_config.json and special_tokens_map.json for what transformers adds (special token names,
// model_max_length, lowercasing of a vocab.txt, padding and truncation sides). No Node-only imports:
// callers pass file contents, so this also runs in browsers.
import { CheckpointError } from '../errors.ts';
import { TokenizerError } from './errors.ts';
import { parseJsonBytes } from './json-text.ts';
import { tokenizerLimits } from './limits.ts';
import { BERT_VOCAB_DEFAULTS, bertTokenizerJson, byteLevelBpeTokenizerJson, type BertVocabOptions } from './legacy.ts';
import { Tokenizer, type TokenizerOptions } from './tokenizer.ts';

export { Tokenizer, type DecodeOptions, type EncodeBatchOptions, type EncodeOptions, type TokenizerOptions } from './tokenizer.ts';
export type { Encoding, Side, TruncationStrategy } from './encoding.ts';
export { TokenizerError } from './errors.ts';
export { parseVocabTxt } from './legacy.ts';
export { DEFAULT_TOKENIZER_LIMITS, setTokenizerLimits, tokenizerLimits, type TokenizerLimits } from './limits.ts';

/** The tokenizer files of a checkpoint: text, or parsed JSON. */
export interface TokenizerFiles {
  tokenizerJson?: unknown;
  tokenizerConfig?: unknown;
  specialTokensMap?: unknown;
  vocabTxt?: string;
  vocabJson?: unknown;
  mergesTxt?: string;
}

const FILES = {
  tokenizerJson: ['tokenizer.json', 'json'], tokenizerConfig: ['tokenizer_config.json', 'json'], specialTokensMap: ['special_tokens_map.json', 'json'],
  vocabTxt: ['vocab.txt', 'text'], vocabJson: ['vocab.json', 'json'], mergesTxt: ['merges.txt', 'text'],
} as const;

export const TOKENIZER_FILE_NAMES: readonly string[] = Object.values(FILES).map(([name]) => name);

/** Reads whichever tokenizer files exist through `tryRead` (undefined for a missing file). */
export async function readTokenizerFiles(tryRead: (file: string) => Promise<Uint8Array | undefined>): Promise<TokenizerFiles> {
  const entries = Object.entries(FILES) as [keyof TokenizerFiles, readonly [string, 'json' | 'text']][];
  const bytes = await Promise.all(entries.map(([, [name]]) => tryRead(name)));
  const files: TokenizerFiles = {};
  entries.forEach(([key, [name, kind]], i) => {
    const b = bytes[i];
    if (!b) return;
    // No container may exceed the largest count the tokenizer limits allow: refused before a slow JSON.parse.
    const { maxVocabSize, maxMerges, maxAddedTokens } = tokenizerLimits();
    const maxEntries = Math.max(maxVocabSize, maxMerges, maxAddedTokens);
    (files as Record<string, unknown>)[key] = kind === 'text' ? utf8(b, name) : parseJsonBytes(b, (detail) => new CheckpointError(name, detail.startsWith('has an array') ? `${detail} (setTokenizerLimits raises the tokenizer limits)` : detail), { maxEntries });
  });
  return files;
}

export function hasTokenizer(files: TokenizerFiles): boolean {
  return files.tokenizerJson !== undefined || files.vocabTxt !== undefined || (files.vocabJson !== undefined && files.mergesTxt !== undefined);
}

// transformers writes int(1e30) (VERY_LARGE_INTEGER) as model_max_length when a model has none.
const NO_MODEL_MAX_LENGTH = 1e12;

/** A special token in a config: a string or a serialised AddedToken {content: ...}. */
function tokenContent(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

/** What tokenizer_config.json (and special_tokens_map.json, which it overrides) say, for the pipeline and for a vocab.txt. */
export function tokenizerConfig(config: unknown, specialTokensMap?: unknown): TokenizerOptions & Partial<BertVocabOptions> & { addPrefixSpace?: boolean; trimOffsets?: boolean } {
  const c = { ...(isObject(specialTokensMap) ? specialTokensMap : {}), ...(isObject(config) ? config : {}) };
  if (config !== undefined && !isObject(config)) throw new TokenizerError('tokenizer_config.json must be a JSON object');
  const out: ReturnType<typeof tokenizerConfig> = {};
  const names = { unk_token: 'unkToken', cls_token: 'clsToken', sep_token: 'sepToken', pad_token: 'padToken', mask_token: 'maskToken', bos_token: 'bosToken', eos_token: 'eosToken' } as const;
  for (const [key, field] of Object.entries(names)) {
    const t = tokenContent(c[key]);
    if (t !== undefined) out[field] = t;
  }
  const mml = c.model_max_length;
  if (typeof mml === 'number' && Number.isInteger(mml) && mml > 0 && mml < NO_MODEL_MAX_LENGTH) out.modelMaxLength = mml;
  if (typeof c.clean_up_tokenization_spaces === 'boolean') out.cleanUpTokenizationSpaces = c.clean_up_tokenization_spaces;
  if (c.padding_side === 'left' || c.padding_side === 'right') out.paddingSide = c.padding_side;
  if (c.truncation_side === 'left' || c.truncation_side === 'right') out.truncationSide = c.truncation_side;
  if (typeof c.do_lower_case === 'boolean') out.doLowerCase = c.do_lower_case;
  if (typeof c.strip_accents === 'boolean' || c.strip_accents === null) out.stripAccents = c.strip_accents as boolean | null;
  if (typeof c.tokenize_chinese_chars === 'boolean') out.tokenizeChineseChars = c.tokenize_chinese_chars;
  if (typeof c.add_prefix_space === 'boolean') out.addPrefixSpace = c.add_prefix_space;
  if (typeof c.trim_offsets === 'boolean') out.trimOffsets = c.trim_offsets;
  return out;
}

/** The checkpoint's tokenizer, or undefined when it has no tokenizer files. */
export function loadTokenizer(files: TokenizerFiles): Tokenizer | undefined {
  const o = tokenizerConfig(files.tokenizerConfig, files.specialTokensMap);
  if (files.tokenizerJson !== undefined) return Tokenizer.fromJson(files.tokenizerJson, o);
  if (files.vocabJson !== undefined && files.mergesTxt !== undefined) {
    const json = byteLevelBpeTokenizerJson(files.vocabJson, files.mergesTxt, {
      addPrefixSpace: o.addPrefixSpace ?? false, trimOffsets: o.trimOffsets ?? true,
      bos: o.bosToken ?? o.clsToken, eos: o.eosToken ?? o.sepToken, unk: o.unkToken, pad: o.padToken, mask: o.maskToken,
    });
    return Tokenizer.fromJson(json, o);
  }
  if (files.vocabTxt !== undefined) {
    const json = bertTokenizerJson(files.vocabTxt, {
      ...BERT_VOCAB_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([k]) => k in BERT_VOCAB_DEFAULTS)),
    } as BertVocabOptions);
    return Tokenizer.fromJson(json, { padToken: BERT_VOCAB_DEFAULTS.padToken, maskToken: BERT_VOCAB_DEFAULTS.maskToken, ...o });
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function utf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CheckpointError(file, 'not valid UTF-8');
  }
}
