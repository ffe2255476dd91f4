// `webgpu-bert embed`: the texts as one padded batch, one forward, then pooling on the CPU (in float64):
// cls = the first token's hidden state, mean = the average over tokens whose attention_mask is 1.
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
  // Longer texts are cut to what the position table holds, as a sentence-embedding pipeline does.
  const maxLength = Math.min(tokenizer.modelMaxLength ?? Infinity, config.maxPositionEmbeddings);
  const encodings = tokenizer.encodeBatch(texts, { maxLength, truncation: true });
  const inputs = checkAgainstConfig({
    inputIds: encodings.map((e) => e.inputIds),
    attentionMask: encodings.map((e) => e.attentionMask),
    tokenTypeIds: encodings.map((e) => e.tokenTypeIds),
  }, 'texts', config);

  const result = await execute(engine.runtime, {
    model, hub, attention: engine.attention, matmul: engine.matmul, inputs, attentions: false, repeat: 0, pooler: false, logits: false,
  }, progress);
  const { seqLen: S, hiddenSize: H, lastHiddenState } = result.forward;
  const embeddings = inputs.attentionMask!.map((mask, b) => {
    const v = pool(lastHiddenState.subarray(b * S * H, (b + 1) * S * H), mask, H, pooling);
    return normalize ? l2Normalize(v) : v;
  });
  await writeStdout(`${JSON.stringify({ embeddings, pooling, normalized: normalize, adapter: result.adapter })}\n`);
}

/** One sequence's [S, H] hidden states to one H-vector. */
export function pool(hidden: Float32Array, mask: number[], H: number, pooling: Pooling): number[] {
  const out = new Float64Array(H);
  if (pooling === 'cls') {
    for (let h = 0; h < H; h++) out[h] = hidden[h];
    return Array.from(out);
  }
  let count = 0;
  mask.forEach((m, s) => {
    if (!m) return;
    count++;
    for (let h = 0; h < H; h++) out[h] += hidden[s * H + h];
  });
  for (let h = 0; h < H; h++) out[h] /= Math.max(count, 1);
  return Array.from(out);
}

/** v / ||v||; a zero vector stays zero. */
export function l2Normalize(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return norm > 0 ? v.map((x) => x / norm) : v;
}
