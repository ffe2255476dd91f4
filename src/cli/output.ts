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
  timing?: JobResult['timing'];
  last_hidden_state: Nested;
  pooler_output?: Nested;
  logits?: Nested;
  attentions?: Nested[];
}

/** The shapes of each output, for the summary printed with --output. */
export type Shapes = Record<string, number[]>;

export function runOutput(r: JobResult): { output: RunOutput; shapes: Shapes } {
  const { batch: B, seqLen: S, hiddenSize: H } = r.forward;
  const shapes: Shapes = { last_hidden_state: [B, S, H] };
  const output: RunOutput = {
    adapter: r.adapter,
    stats: r.stats,
    ...(r.timing && { timing: r.timing }),
    last_hidden_state: nest(r.forward.lastHiddenState, [B, S, H]),
  };
  if (r.forward.poolerOutput) {
    output.pooler_output = nest(r.forward.poolerOutput, [B, H]);
    shapes.pooler_output = [B, H];
  }
  if (r.forward.logits) {
    output.logits = nest(r.forward.logits, [B, S, r.vocab]);
    shapes.logits = [B, S, r.vocab];
  }
  if (r.forward.attentions) {
    output.attentions = r.forward.attentions.map((a) => nest(a, [B, r.heads, S, S]));
    shapes.attentions = [r.forward.attentions.length, B, r.heads, S, S];
  }
  return { output, shapes };
}
