// `webgpu-bert embed`: the texts as one padded batch, one forward that pools on the GPU (pool.wgsl, as the
// library's featureExtraction does): cls = the first token's hidden state, mean = the average over tokens
// whose attention_mask is 1, optionally scaled to unit length. Only [texts, hidden] is read back.
import type { Flags } from './args.ts';
import { execute, engineFlags } from './engine-flags.ts';
import { checkAgainstConfig } from './inputs.ts';
import { hubOptions, modelLocation, openModel, readConfig, readTokenizer } from './model-files.ts';
import { createProgress } from './progress.ts';
import { writeStdout } from './stdout.ts';

export const POOLINGS = ['cls', 'mean'] as const;
export type Pooling = (typeof POOLINGS)[number];

export async function embed(flags: Flags, texts: string[]): Promise<void> {
  const pooling = flags.choice('pooling', POOLINGS, 'mean');
  const normalize = flags.bool('normalize');
  const engine = engineFlags(flags);
  const progress = createProgress(flags.bool('progress'));

  const model = await modelLocation(flags, progress);
  const hub = hubOptions(flags);
  const files = await openModel(model, hub);
  const config = await readConfig(files);
  const tokenizer = await readTokenizer(files);
  // Longer texts are cut to what the model takes (its position table, or a rotary model's trained length), as a
  // sentence-embedding pipeline does.
  const maxLength = Math.min(tokenizer.modelMaxLength ?? Infinity, config.maxSequenceLength);
  const encodings = tokenizer.encodeBatch(texts, { maxLength, truncation: true });
  const inputs = checkAgainstConfig({
    inputIds: encodings.map((e) => e.inputIds),
    attentionMask: encodings.map((e) => e.attentionMask),
    tokenTypeIds: encodings.map((e) => e.tokenTypeIds),
  }, 'texts', config);

  const result = await execute(engine.runtime, {
    model, hub, attention: engine.attention, matmul: engine.matmul, weights: engine.weights, inputs, attentions: false, repeat: 0, pooler: false, logits: false,
    pooling: { mode: pooling, normalize },
  }, progress);
  const { batch: B, hiddenSize: H, embeddings } = result.forward;
  const rows = Array.from({ length: B }, (_, b) => Array.from(embeddings!.subarray(b * H, (b + 1) * H)));
  await writeStdout(`${JSON.stringify({ embeddings: rows, pooling, normalized: normalize, adapter: result.adapter })}\n`);
}
