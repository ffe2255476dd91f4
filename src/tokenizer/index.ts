// Tokenizers: a model's tokenizer files → a Tokenizer. Which files a checkpoint may carry, read once by the
// checkpoint loader and by the CLI (which tokenizes without loading weights).
import type { EncoderConfig } from '../families/config.ts';
import { CheckpointError } from '../model/errors.ts';
import { fromTokenizerConfig, WordPieceTokenizer } from '../model/tokenizer.ts';

export type Tokenizer = WordPieceTokenizer;

/** The tokenizer files of a checkpoint, as text or parsed JSON. */
export interface TokenizerFiles { vocabTxt?: string; tokenizerJson?: unknown; tokenizerConfig?: unknown }

export const TOKENIZER_FILE_NAMES = ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt'] as const;

/** Reads whichever tokenizer files exist through `tryRead` (undefined for a missing file). */
export async function readTokenizerFiles(tryRead: (file: string) => Promise<Uint8Array | undefined>): Promise<TokenizerFiles> {
  const [json, config, vocab] = await Promise.all(TOKENIZER_FILE_NAMES.map((f) => tryRead(f)));
  const files: TokenizerFiles = {};
  if (json) files.tokenizerJson = parseJson(json, 'tokenizer.json');
  if (config) files.tokenizerConfig = parseJson(config, 'tokenizer_config.json');
  if (vocab) files.vocabTxt = new TextDecoder().decode(vocab);
  return files;
}

export function hasTokenizer(files: TokenizerFiles): boolean {
  return files.tokenizerJson !== undefined || files.vocabTxt !== undefined;
}

export function loadTokenizer(files: TokenizerFiles, _config?: EncoderConfig): Tokenizer | undefined {
  const options = files.tokenizerConfig ? fromTokenizerConfig(files.tokenizerConfig) : undefined;
  if (files.tokenizerJson) return WordPieceTokenizer.fromTokenizerJson(files.tokenizerJson, options);
  if (files.vocabTxt) return WordPieceTokenizer.fromVocabTxt(files.vocabTxt, options);
  return undefined;
}

function parseJson(bytes: Uint8Array, file: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CheckpointError(file, 'not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(file, `not valid JSON: ${(e as Error).message}`);
  }
}
