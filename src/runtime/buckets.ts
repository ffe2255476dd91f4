// Shape classes: a forward runs the plan of its class, not of its exact shape, so a server that sees every
// batch size and length builds (and tunes) a bounded number of plans. Padding costs compute, so the classes
// are fine where it is cheap to be fine and coarse where shapes are many:
//   sequence: multiples of 8 up to 64 (short inputs are most of the traffic, and cheap to plan), then the
//             ladder 2^k, 1.5 * 2^k (96, 128, 192, 256, 384, 512, ...): at most a third of a row is padding;
//   batch:    1, 2, 4, 8, then multiples of 8: padded rows repeat the first sequence (runtime/forward.ts) and
//             nobody reads them;
//   tokens:   batch class x sequence class rounded up to a power of two: plan tuning (fused LayerNorm or not,
//             the attention variant) depends mostly on how much work a dispatch has, so it is tuned once per
//             token class, not per shape.

/** Sequence lengths are padded up to a multiple of this below SEQ_LADDER_FROM. */
export const SEQ_BUCKET = 8;
const SEQ_LADDER_FROM = 64;
const BATCH_STEP = 8;

/** The padded length a sequence of `seqLen` tokens runs at (never past the model's `max`). */
export function seqClass(seqLen: number, max: number): number {
  if (seqLen <= SEQ_LADDER_FROM) return Math.min(Math.ceil(seqLen / SEQ_BUCKET) * SEQ_BUCKET, max);
  let step = SEQ_LADDER_FROM;
  while (step < seqLen) step = step % 3 === 0 ? (step / 3) * 4 : step * 1.5;
  return Math.min(step, max);
}

/** The number of rows a batch of `batch` sequences runs at. */
export function batchClass(batch: number): number {
  if (batch <= BATCH_STEP) return 2 ** Math.ceil(Math.log2(batch));
  return Math.ceil(batch / BATCH_STEP) * BATCH_STEP;
}

/** The class plan tuning is keyed by: the padded token count rounded up to a power of two. */
export function tokenClass(batch: number, seqLen: number): number {
  return 2 ** Math.ceil(Math.log2(batch * seqLen));
}
