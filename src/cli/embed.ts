// `webgpu-bert embed`: the texts as one padded batch, one forward that pools on the GPU (pool.wgsl, as the
// library's featureExtraction does): a sentence-transformers folder's own pipeline (src/model/sentence.ts:
// pooling modes, Dense, Normalize, prompts, max_seq_length), or with --pooling: cls = the first token's
// hidden state, mean = the average over tokens whose attention_mask is 1, optionally scaled to unit length.
// Only [texts, width] is read back.
import type { Flags } from './args.ts';
import { execute, engineFlags } from './engine-flags.ts';
import { checkAgainstConfig } from './inputs.ts';
import { hubOptions, modelLocation, openModel, readConfig, readSentence, readTokenizer } from './model-files.ts';
import { sentenceInputs } from '../tasks/feature-extraction.ts';
import { UsageError } from './errors.ts';
import { createProgress } from './progress.ts';
import { writeStdout } from './stdout.ts';

export const POOLINGS = ['cls', 'mean'] as const;
export type Pooling = (typeof POOLINGS)[number];

export async function embed(flags: Flags, texts: string[]): Promise<void> {
  if (flags.has('input')) return (await import('./embed-corpus.ts')).embedCorpusCommand(flags, texts);
  if (texts.length === 0) throw new UsageError('"embed" needs <text>... or --input FILE (see webgpu-bert embed --help)');
  for (const f of ['output', 'precision', 'batch-tokens']) if (flags.has(f)) throw new UsageError(`--${f} goes with --input FILE`);
  const asked = flags.has('pooling') ? flags.choice('pooling', POOLINGS, 'mean') : undefined;
  const normalize = flags.bool('normalize');
  const engine = engineFlags(flags);
  const progress = createProgress(flags.bool('progress'));

  const model = await modelLocation(flags, progress);
  const hub = hubOptions(flags);
  const files = await openModel(model, hub);
  const config = await readConfig(files);
  const tokenizer = await readTokenizer(files);
  // A sentence-transformers folder runs its own pipeline unless --pooling replaces it.
  const st = await readSentence(files, config.hiddenSize);
  const pipeline = Boolean(st) && asked === undefined;
  const promptName = flags.has('prompt') ? flags.string('prompt') : undefined;
  // Longer texts are cut to what the model takes (its position table, or a rotary model's trained length), as a
  // sentence-embedding pipeline does, and to the folder's max_seq_length.
  const maxLength = Math.min(tokenizer.modelMaxLength ?? Infinity, config.maxSequenceLength);
  const prepared = sentenceInputs(tokenizer, st, texts, { maxLength, promptName, pipeline, what: 'embed' });
  const inputs = { ...checkAgainstConfig(prepared.inputs, 'texts', config), ...(prepared.inputs.poolingMask && { poolingMask: prepared.inputs.poolingMask }) };

  const pooling = asked ?? 'mean';
  const result = await execute(engine.runtime, {
    model, hub, attention: engine.attention, matmul: engine.matmul, plan: engine.plan, weights: engine.weights, inputs, attentions: false, repeat: 0, pooler: false, logits: false,
    ...(pipeline ? { sentence: normalize ? { normalize: true } : true } : { pooling: { mode: pooling, normalize } }),
  }, progress);
  const { batch: B, hiddenSize: H, embeddings } = result.forward;
  const D = result.forward.embeddingSize ?? H;
  const rows = Array.from({ length: B }, (_, b) => Array.from(embeddings!.subarray(b * D, (b + 1) * D)));
  const described = pipeline
    ? { pooling: st!.pooling.modes.join('+'), modules: st!.modules, normalized: normalize || st!.normalize, ...(prepared.prompt !== undefined && { prompt: prepared.prompt }) }
    : { pooling, normalized: normalize, ...(prepared.prompt !== undefined && { prompt: prepared.prompt }) };
  await writeStdout(`${JSON.stringify({ embeddings: rows, ...described, adapter: result.adapter })}\n`);
}

