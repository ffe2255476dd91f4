// The JSON the `run` command prints: the engine's flat Float32Arrays as nested arrays with Hugging Face's
// names and layouts. Each number is the float32 value exactly (JSON.stringify of the double it widens to).
import type { JobResult } from './job.ts';

export type Nested = number[] | Nested[];

/** A row-major array as nested lists of `shape`. */
export function nest(data: ArrayLike<number>, shape: readonly number[], offset = 0): Nested {
  const [n, ...rest] = shape;
  if (rest.length === 0) return Array.from({ length: n }, (_, i) => data[offset + i]);
  const stride = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => nest(data, rest, offset + i * stride)) as Nested;
}

export interface RunOutput {
  adapter: JobResult['adapter'];
  stats: JobResult['stats'];
  /** Where the time to the first result went (fetch, parse, upload, plan, tune, compile, first forward). */
  phases_ms: JobResult['phases'];
  timing?: JobResult['timing'];
  occupancy?: JobResult['occupancy'];
  last_hidden_state: Nested;
  pooler_output?: Nested;
  /** The head's output that transformers' head class calls `logits` (see headLogits). */
  logits?: Nested;
  start_logits?: Nested;
  end_logits?: Nested;
  attentions?: Nested[];
}

/**
 * What transformers' head class returns as `logits`: the MLM head's [B, S, V], a classifier's [B, L] or
 * [B, S, L], ELECTRA's discriminator [B, S]; the architecture decides when a checkpoint has several heads.
 */
function headLogits(r: JobResult): { data: Float32Array; shape: number[] } | undefined {
  const { batch: B, seqLen: S } = r.forward;
  const f = r.forward;
  const mlm = f.logits && { data: f.logits, shape: [B, S, r.vocab] };
  const classifier = f.classifierLogits && { data: f.classifierLogits, shape: r.classifier === 'token' ? [B, S, r.labels] : [B, r.labels] };
  const discriminator = f.discriminatorLogits && { data: f.discriminatorLogits, shape: [B, S] };
  if (r.architecture === 'ElectraForPreTraining') return discriminator ?? mlm ?? classifier;
  if (/Classification$/.test(r.architecture)) return classifier ?? mlm ?? discriminator;
  return mlm ?? classifier ?? discriminator;
}

/** The shapes of each output, for the summary printed with --output. */
export type Shapes = Record<string, number[]>;

export function runOutput(r: JobResult): { output: RunOutput; shapes: Shapes } {
  const { batch: B, seqLen: S, hiddenSize: H } = r.forward;
  const shapes: Shapes = { last_hidden_state: [B, S, H] };
  const output: RunOutput = {
    adapter: r.adapter,
    stats: r.stats,
    phases_ms: r.phases,
    ...(r.timing && { timing: r.timing }),
    ...(r.occupancy && { occupancy: r.occupancy }),
    last_hidden_state: nest(r.forward.lastHiddenState, [B, S, H]),
  };
  if (r.forward.poolerOutput) {
    output.pooler_output = nest(r.forward.poolerOutput, [B, H]);
    shapes.pooler_output = [B, H];
  }
  const logits = headLogits(r);
  if (logits) {
    output.logits = nest(logits.data, logits.shape);
    shapes.logits = logits.shape;
  }
  if (r.forward.startLogits && r.forward.endLogits) {
    output.start_logits = nest(r.forward.startLogits, [B, S]);
    output.end_logits = nest(r.forward.endLogits, [B, S]);
    shapes.start_logits = shapes.end_logits = [B, S];
  }
  if (r.forward.attentions) {
    output.attentions = r.forward.attentions.map((a) => nest(a, [B, r.heads, S, S]));
    shapes.attentions = [r.forward.attentions.length, B, r.heads, S, S];
  }
  return { output, shapes };
}
