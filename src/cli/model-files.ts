// Where the model is (--model or the embedded default), and what the CLI reads from it without loading its
// weights: config.json (to validate inputs before a device is created or a browser started) and the
// tokenizer files (for `tokenize`, `embed` and `--text`). The
// tokenizer is built exactly as BertModel builds its own: tokenizer.json first, else vocab.txt, with
// tokenizer_config.json's options.
import { ensureDefaultModel } from '../model/generate-node.ts';
import { parseBertConfig, type BertConfig } from '../model/config.ts';
import { openCheckpointSource, parseJsonFile, type CheckpointSource } from '../model/source.ts';
import { WordPieceTokenizer, fromTokenizerConfig } from '../model/tokenizer.ts';
import type { Flags } from './args.ts';
import { UsageError } from './errors.ts';
import type { ProgressSink } from './progress.ts';

/** --model, else the embedded default model (generated into the cache on first use). */
export async function modelLocation(flags: Flags, progress: ProgressSink): Promise<string> {
  const given = flags.string('model');
  if (given !== undefined) {
    if (given === '') throw new UsageError('--model is empty');
    return given;
  }
  progress.stage('preparing the embedded default model');
  return ensureDefaultModel();
}

export interface ModelFiles {
  /** The folder or base URL, as the engine will see it. */
  location: string;
  source: CheckpointSource;
}

export async function openModel(model: string): Promise<ModelFiles> {
  const source = await openCheckpointSource(model);
  return { location: model, source };
}

export async function readConfig(m: ModelFiles): Promise<BertConfig> {
  const bytes = await m.source.tryRead('config.json');
  if (!bytes) throw m.source.notFound('config.json');
  return parseBertConfig(parseJsonFile(bytes, 'config.json'));
}

export async function readTokenizer(m: ModelFiles): Promise<WordPieceTokenizer> {
  const [configBytes, jsonBytes] = await Promise.all([m.source.tryRead('tokenizer_config.json'), m.source.tryRead('tokenizer.json')]);
  const options = configBytes ? fromTokenizerConfig(parseJsonFile(configBytes, 'tokenizer_config.json')) : undefined;
  if (jsonBytes) return WordPieceTokenizer.fromTokenizerJson(parseJsonFile(jsonBytes, 'tokenizer.json'), options);
  const vocab = await m.source.tryRead('vocab.txt');
  if (!vocab) throw m.source.notFound('vocab.txt', 'nor tokenizer.json: the model has no tokenizer');
  return WordPieceTokenizer.fromVocabTxt(new TextDecoder().decode(vocab), options);
}
