// Float64 twin of multi-head attention (every variant in src/kernels/attention*.ts), written for clarity:
// plain loops over sequence, head, query and key, a max-subtracted softmax per row, the mask semantics of
// softmax.wgsl (a score at or below MASKED is masked: probability 0; a fully masked row is all zeros, except
// under a window, where it is uniform over the keys above BUCKET_PAD_CUTOFF: attention-common.wgsl).
import { BUCKET_PAD_CUTOFF } from '../kernels/softmax.ts';
import { MASKED } from './kernels.ts';

type Num = ArrayLike<number>;

/** Where Q, K or V sits: head h of token t is data[offset + t*ld + h*headDim ..] (as attention-common.wgsl). */
export interface AttentionOperandRef { data: Num; offset: number; ld: number }

export interface AttentionRefArgs {
  batch: number;
  seqLen: number;
  heads: number;
  headDim: number;
  q: AttentionOperandRef;
  k: AttentionOperandRef;
  v: AttentionOperandRef;
  /** [batch, seqLen] additive key mask. */
  mask?: Num;
  causal?: boolean;
  /** Default 1/sqrt(headDim). */
  scale?: number;
  /** The position features (AttentionFeatures of the kernels), with their host values. */
  features?: AttentionFeaturesRef;
}

export interface AttentionFeaturesRef {
  /** cos/sin pairs [positions * rotaryDim / 2 * 2] (ropeTable), the first rotaryDim dims, rotate-half or interleaved. */
  rope?: { table: Num; rotaryDim: number; interleaved?: boolean };
  /** Query i sees key j only when |i - j| <= floor(window / 2). */
  window?: number;
  /** score += weight[buckets[j - i + seqLen - 1] * heads + h]. */
  relativeBias?: { buckets: Num; weight: Num };
  /** score -= slopes[h] * |i - j|. */
  alibi?: Num;
}

/** Head vector x (length dh) rotated at position pos, in float64. */
export function rotateRef(x: Float64Array, pos: number, rope: NonNullable<AttentionFeaturesRef['rope']>): Float64Array {
  const half = rope.rotaryDim / 2;
  const y = Float64Array.from(x);
  for (let i = 0; i < half; i++) {
    const [a, b] = rope.interleaved ? [2 * i, 2 * i + 1] : [i, i + half];
    const c = rope.table[2 * (pos * half + i)];
    const sn = rope.table[2 * (pos * half + i) + 1];
    y[a] = x[a] * c - x[b] * sn;
    y[b] = x[b] * c + x[a] * sn;
  }
  return y;
}

/** Packed QKV [tokens, 3*hidden] (Hugging Face column order) as the three operands. */
export function packedOperands(qkv: Num, hidden: number): Pick<AttentionRefArgs, 'q' | 'k' | 'v'> {
  return { q: { data: qkv, offset: 0, ld: 3 * hidden }, k: { data: qkv, offset: hidden, ld: 3 * hidden }, v: { data: qkv, offset: 2 * hidden, ld: 3 * hidden } };
}

export function separateOperands(q: Num, k: Num, v: Num, hidden: number): Pick<AttentionRefArgs, 'q' | 'k' | 'v'> {
  return { q: { data: q, offset: 0, ld: hidden }, k: { data: k, offset: 0, ld: hidden }, v: { data: v, offset: 0, ld: hidden } };
}

/** out: [batch*seqLen, hidden] (head h in columns h*headDim ..); probs: [batch, heads, seqLen, seqLen]. */
export function attentionRef(p: AttentionRefArgs): { out: Float64Array; probs: Float64Array } {
  const { batch, seqLen: S, heads, headDim: dh } = p;
  const hidden = heads * dh;
  const scale = p.scale ?? 1 / Math.sqrt(dh);
  const at = (o: AttentionOperandRef, token: number, h: number, d: number) => o.data[o.offset + token * o.ld + h * dh + d];
  const f = p.features ?? {};
  // Q and K of every (token, head), rotated at their positions when the features say so.
  const headVec = (o: AttentionOperandRef, token: number, h: number, pos: number) => {
    const x = Float64Array.from({ length: dh }, (_, d) => at(o, token, h, d));
    return f.rope ? rotateRef(x, pos, f.rope) : x;
  };
  const qs = Array.from({ length: batch * S }, (_, t) => Array.from({ length: heads }, (_, h) => headVec(p.q, t, h, t % S)));
  const ks = Array.from({ length: batch * S }, (_, t) => Array.from({ length: heads }, (_, h) => headVec(p.k, t, h, t % S)));
  const positionTerm = (h: number, i: number, j: number) => {
    let t = 0;
    if (f.relativeBias) t += f.relativeBias.weight[f.relativeBias.buckets[j - i + S - 1] * heads + h];
    if (f.alibi) t -= f.alibi[h] * Math.abs(i - j);
    if (f.window !== undefined && Math.abs(i - j) > Math.floor(f.window / 2)) t = MASKED;
    return t;
  };
  const out = new Float64Array(batch * S * hidden);
  const probs = new Float64Array(batch * heads * S * S);
  const scores = new Float64Array(S);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < S; i++) {
        const qi = b * S + i;
        let max = MASKED;
        for (let j = 0; j < S; j++) {
          let dot = 0;
          const [qv, kv] = [qs[qi][h], ks[b * S + j][h]];
          for (let d = 0; d < dh; d++) dot += qv[d] * kv[d];
          let s = scale * dot + (p.mask ? p.mask[b * S + j] : 0) + positionTerm(h, i, j);
          if (s < MASKED) s = MASKED;
          if (p.causal && j > i) s = MASKED;
          scores[j] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let j = 0; j < S; j++) sum += scores[j] > MASKED ? Math.exp(scores[j] - max) : 0;
        const row = ((b * heads + h) * S + i) * S;
        for (let j = 0; j < S; j++) probs[row + j] = sum > 0 && scores[j] > MASKED ? Math.exp(scores[j] - max) / sum : 0;
        if (sum === 0 && f.window !== undefined) {
          // No live key in the window: uniform over the caller's keys, as transformers' eager attention gives it.
          const live = (j: number) => !p.mask || p.mask[b * S + j] > BUCKET_PAD_CUTOFF;
          let count = 0;
          for (let j = 0; j < S; j++) if (live(j)) count++;
          for (let j = 0; j < S; j++) probs[row + j] = live(j) ? 1 / count : 0;
        }
        for (let d = 0; d < dh; d++) {
          let acc = 0;
          for (let j = 0; j < S; j++) acc += probs[row + j] * at(p.v, b * S + j, h, d);
          out[qi * hidden + h * dh + d] = acc;
        }
      }
    }
  }
  return { out, probs };
}
