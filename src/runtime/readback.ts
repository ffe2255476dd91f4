// Which bytes a forward copies back, and how they become a ForwardResult. Only the outputs the call asked
// for are copied, and only their real rows: an output with a row per token ([rows, bucket, width] on the GPU)
// is copied sequence by sequence, seqLen rows each, so it arrives unpadded; per-sequence outputs copy the first
// `batch` rows; fill-mask's logitsAt copies one vocabulary row per mask. Attention maps (a debugging output)
// are copied per sequence and cut to seqLen x seqLen on the host.
import type { EncoderConfig } from '../families/config.ts';
import type { Heads } from '../families/family.ts';
import type { ForwardPlan } from '../graph/plan.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { numel } from '../gpu/tensor.ts';
import type { OutputRead, Region } from './executor.ts';
import { assembleResult, unpadMaps, type CheckedInputs, type ForwardOptions, type ForwardResult, type RawOutputs } from './forward.ts';

/** The shape a plan runs at: `rows` sequences of `bucket` tokens. */
export interface PlanShape { rows: number; bucket: number }

export function readbacks(plan: ForwardPlan, x: Pick<CheckedInputs, 'batch' | 'seqLen'>, shape: PlanShape, opts: ForwardOptions, classifier: Heads['classifier']): OutputRead[] {
  const { batch, seqLen } = x;
  const { bucket } = shape;
  const reads: OutputRead[] = [];
  const widthOf = (t: GpuTensor, perRow: number) => numel(t.shape) / perRow;
  /** A [rows * bucket, width] output: seqLen rows of each real sequence (one region when nothing is padded). */
  const tokenRows = (name: string, t: GpuTensor | undefined) => {
    if (!t) return;
    const width = widthOf(t, shape.rows * bucket);
    const regions: Region[] = bucket === seqLen
      ? [{ tensor: t, offset: 0, count: batch * seqLen * width }]
      : Array.from({ length: batch }, (_, b) => ({ tensor: t, offset: b * bucket * width, count: seqLen * width }));
    reads.push({ name, regions });
  };
  /** A [rows, width] output: the first `batch` rows. */
  const sequenceRows = (name: string, t: GpuTensor | undefined) => {
    if (t) reads.push({ name, regions: [{ tensor: t, offset: 0, count: batch * widthOf(t, shape.rows) }] });
  };
  const out = plan.outputs;
  if (opts.hidden ?? true) tokenRows('hidden', out.hidden);
  sequenceRows('pooled', out.pooled);
  if (out.logits && opts.logitsAt) {
    const V = widthOf(out.logits, shape.rows * bucket);
    reads.push({ name: 'logitsAt', regions: opts.logitsAt.map(([b, s]) => ({ tensor: out.logits!, offset: (b * bucket + s) * V, count: V })) });
  } else {
    tokenRows('logits', out.logits);
  }
  // A sequence classifier has a row per sequence, a token classifier a row per token.
  (classifier === 'token' ? tokenRows : sequenceRows)('classifier', out.classifier);
  tokenRows('qa', out.qa);
  tokenRows('discriminator', out.discriminator);
  sequenceRows('embeddings', out.embeddings);
  out.attentions.forEach((t, i) => {
    const heads = numel(t.shape) / (shape.rows * bucket * bucket);
    reads.push({ name: `attentions ${i}`, regions: [{ tensor: t, offset: 0, count: batch * heads * bucket * bucket }] });
  });
  return reads;
}

/** The result of a forward from what `readbacks` copied. */
export function resultOf(config: EncoderConfig, classifier: Heads['classifier'], x: Pick<CheckedInputs, 'batch' | 'seqLen'>, bucket: number, got: Map<string, Float32Array>): ForwardResult {
  const attentions: Float32Array[] = [];
  for (let i = 0; got.has(`attentions ${i}`); i++) attentions.push(unpadMaps(got.get(`attentions ${i}`)!, x.batch * config.numAttentionHeads, bucket, x.seqLen));
  const logitsAt = got.get('logitsAt');
  const V = config.vocabSize;
  const raw: RawOutputs = {
    hidden: got.get('hidden'), pooled: got.get('pooled'), logits: got.get('logits'),
    logitsAt: logitsAt && Array.from({ length: logitsAt.length / V }, (_, i) => logitsAt.subarray(i * V, (i + 1) * V)),
    classifier: got.get('classifier'), qa: got.get('qa'), discriminator: got.get('discriminator'), embeddings: got.get('embeddings'),
    attentions,
  };
  // Rows arrive unpadded, so the result is assembled as if the bucket were the length.
  return assembleResult(config, classifier, x, x.seqLen, raw);
}
