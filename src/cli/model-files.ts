// Where the model is (--model or the embedded default), and what the CLI reads from it without loading its
// weights: config.json (to validate inputs before a device is created or a browser started) and the
// tokenizer files (for `tokenize`, `embed` and `--text`). The
// tokenizer is built exactly as EncoderModel builds its own: tokenizer.json first, else vocab.txt, with
// tokenizer_config.json's options.
import { readSentenceTransformers, type SentenceTransformerConfig } from '../model/sentence.ts';
import { TensorTable } from '../families/weights.ts';
import { ensureDefaultModel } from '../model/generate-node.ts';
import type { EncoderConfig } from '../families/config.ts';
import { parseConfig } from '../families/index.ts';
import type { HubOptions } from '../model/hub.ts';
import { openCheckpointSource, parseJsonFile, type CheckpointSource } from '../model/source.ts';
import { hasTokenizer, loadTokenizer, readTokenizerFiles, type Tokenizer } from '../tokenizer/index.ts';
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

/** --revision and --offline, for hub model ids (HF_ENDPOINT, HF_TOKEN and HF_HUB_CACHE come from the environment). */
export function hubOptions(flags: Flags): HubOptions {
  const revision = flags.string('revision');
  if (revision === '') throw new UsageError('--revision is empty');
  return { ...(revision !== undefined && { revision }), ...(flags.bool('offline') && { offline: true }) };
}

export async function openModel(model: string, hub: HubOptions = {}): Promise<ModelFiles> {
  const source = await openCheckpointSource(model, { hub });
  return { location: model, source };
}

export async function readConfig(m: ModelFiles): Promise<EncoderConfig> {
  const bytes = await m.source.tryRead('config.json');
  if (!bytes) throw m.source.notFound('config.json');
  return parseConfig(parseJsonFile(bytes, 'config.json')).config;
}

export async function readTokenizer(m: ModelFiles): Promise<Tokenizer> {
  const files = await readTokenizerFiles((f) => m.source.tryRead(f));
  if (!hasTokenizer(files)) throw m.source.notFound('tokenizer.json', 'nor vocab.txt, nor vocab.json + merges.txt: the model has no tokenizer');
  return loadTokenizer(files)!;
}

/** The folder's sentence-transformers pipeline (modules.json), without loading its Dense weights' values twice:
 * what the CLI needs to prepare inputs (prompts, max_seq_length, do_lower_case, include_prompt). */
export async function readSentence(m: ModelFiles, hidden: number): Promise<SentenceTransformerConfig | undefined> {
  return readSentenceTransformers((f) => m.source.tryRead(f), hidden, new TensorTable([], () => undefined, 'modules.json'));
}
