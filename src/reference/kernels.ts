// Float64 twins of the WGSL kernels, written for clarity: plain loops, float64 accumulation, the same
// argument names as the GPU modules. Tests, benchmarks (validation) and debugging tools share them.
import { NORMALIZE_EPS, type SentencePoolingMode } from '../kernels/pool.ts';
import { erfc } from './erf.ts';

type Num = ArrayLike<number>;

export function geluErf(x: number): number {
  return 0.5 * x * erfc(-x / Math.SQRT2);
}

export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

export interface MatmulRefArgs {
  a: Num; b: Num; bias?: Num; residual?: Num;
  m: number; n: number; k: number;
  transB?: boolean; activation?: 'none' | 'gelu' | 'gelu_tanh' | 'tanh' | 'relu' | 'silu'; alpha?: number;
  /** Gated output: C[r, c] = act(v[2c]) * v[2c+1] (+ residual), n/2 columns. */
  glu?: boolean;
  lda?: number; ldb?: number; ldc?: number;
  batch?: { count: number; inner?: number; a: [number, number]; b: [number, number]; c: [number, number] };
  offsets?: { a?: number; b?: number; c?: number; bias?: number };
  /** Size of C's buffer; elements the matmul does not write keep `fill`. */
  cSize?: number;
  fill?: number;
}

/** C = act(alpha * A . op(B) + bias) + residual over a strided batch, as matmul-common.wgsl describes. */
export function matmulRef(p: MatmulRefArgs): Float64Array {
  const transB = p.transB ?? false;
  const lda = p.lda ?? p.k;
  const ldb = p.ldb ?? (transB ? p.k : p.n);
  const ldc = p.ldc ?? (p.glu ? p.n / 2 : p.n);
  const batch = p.batch ?? { count: 1, inner: 1, a: [0, 0], b: [0, 0], c: [0, 0] };
  let pending = 0;
  const inner = batch.inner ?? 1;
  const c = new Float64Array(p.cSize ?? p.m * ldc).fill(p.fill ?? 0);
  for (let z = 0; z < batch.count; z++) {
    const off = (s: [number, number], base = 0) => base + Math.floor(z / inner) * s[0] + (z % inner) * s[1];
    const [ao, bo, co] = [off(batch.a, p.offsets?.a), off(batch.b, p.offsets?.b), off(batch.c, p.offsets?.c)];
    for (let i = 0; i < p.m; i++) {
      for (let j = 0; j < p.n; j++) {
        let acc = 0;
        for (let q = 0; q < p.k; q++) {
          const bv = transB ? p.b[bo + j * ldb + q] : p.b[bo + q * ldb + j];
          acc += p.a[ao + i * lda + q] * bv;
        }
        let v = acc * (p.alpha ?? 1);
        if (p.bias) v += p.bias[(p.offsets?.bias ?? 0) + j];
        if (p.glu) {
          // Pairs (2c, 2c+1): the even one activated, times the odd one, into column c.
          if (j % 2 === 0) {
            pending = activationRef(v, p.activation);
            continue;
          }
          v = pending * v;
        } else {
          v = activationRef(v, p.activation);
        }
        const ci = co + i * ldc + (p.glu ? (j - 1) / 2 : j);
        if (p.residual) v += p.residual[ci];
        c[ci] = v;
      }
    }
  }
  return c;
}

export function activationRef(v: number, activation: MatmulRefArgs['activation']): number {
  if (activation === 'gelu') return geluErf(v);
  if (activation === 'gelu_tanh') return geluTanh(v);
  if (activation === 'tanh') return Math.tanh(v);
  if (activation === 'relu') return Math.max(v, 0);
  if (activation === 'silu') return v / (1 + Math.exp(-v));
  return v;
}

/** LayerNorm(A . B^T + bias + residual), B as [n, k]: the twin of matmul-layernorm.wgsl. */
export function matmulLayernormRef(p: { a: Num; b: Num; bias: Num; residual: Num; gamma: Num; beta: Num; m: number; n: number; k: number; eps: number }): Float64Array {
  const x = matmulRef({ a: p.a, b: p.b, m: p.m, n: p.n, k: p.k, transB: true, bias: p.bias, residual: p.residual });
  return layernormRef({ x, gamma: p.gamma, beta: p.beta, rows: p.m, n: p.n, eps: p.eps });
}

/** LayerNorm of each row of x (+ residual), two-pass; no beta means a LayerNorm without bias. */
export function layernormRef(p: { x: Num; residual?: Num; gamma: Num; beta?: Num; rows: number; n: number; eps: number }): Float64Array {
  const y = new Float64Array(p.rows * p.n);
  const v = new Float64Array(p.n);
  for (let r = 0; r < p.rows; r++) {
    for (let i = 0; i < p.n; i++) v[i] = p.x[r * p.n + i] + (p.residual ? p.residual[r * p.n + i] : 0);
    const mean = v.reduce((s, t) => s + t, 0) / p.n;
    const variance = v.reduce((s, t) => s + (t - mean) ** 2, 0) / p.n;
    const inv = 1 / Math.sqrt(variance + p.eps);
    for (let i = 0; i < p.n; i++) y[r * p.n + i] = (v[i] - mean) * inv * p.gamma[i] + (p.beta ? p.beta[i] : 0);
  }
  return y;
}

export function geluRef(x: Num, form: 'erf' | 'tanh' = 'erf'): Float64Array {
  return Float64Array.from(x, form === 'erf' ? geluErf : geluTanh);
}

export function addRef(a: Num, b: Num): Float64Array {
  return Float64Array.from(a, (v, i) => v + b[i]);
}

/** Scores at or below this count as masked (see softmax.wgsl). */
export const MASKED = -1e30;

/** Row softmax of scale * x + mask[row / maskDiv]; masked keys get 0, a fully masked row is all 0. */
export function softmaxRef(p: { x: Num; rows: number; n: number; scale?: number; mask?: Num; maskDiv?: number }): Float64Array {
  const y = new Float64Array(p.rows * p.n);
  for (let r = 0; r < p.rows; r++) {
    const maskRow = Math.floor(r / (p.maskDiv ?? 1));
    const s = Array.from({ length: p.n }, (_, j) => (p.scale ?? 1) * p.x[r * p.n + j] + (p.mask ? p.mask[maskRow * p.n + j] : 0));
    const live = s.filter((v) => v > MASKED);
    if (live.length === 0) continue;
    const max = Math.max(...live);
    const e = s.map((v) => (v > MASKED ? Math.exp(v - max) : 0));
    const sum = e.reduce((t, v) => t + v, 0);
    for (let j = 0; j < p.n; j++) y[r * p.n + j] = e[j] / sum;
  }
  return y;
}

/**
 * word[id] (+ position[positions[t]]) (+ tokenType[tokenTypes[t]]), then LayerNorm when gamma is given (beta
 * optional): the twin of embeddings.wgsl. `word` may be a row block [rowBegin, rowBegin + rows) of the table,
 * as one dispatch of a split table sees it; tokens whose id lies outside it come out NaN (not written).
 */
export function embeddingsRef(p: {
  ids: Num; word: Num; h: number; positions?: Num; position?: Num; tokenTypes?: Num; tokenType?: Num;
  gamma?: Num; beta?: Num; eps?: number; rowBegin?: number; rows?: number;
}): Float64Array {
  const tokens = p.ids.length;
  const begin = p.rowBegin ?? 0;
  const rows = p.rows ?? p.word.length / p.h;
  const e = new Float64Array(tokens * p.h);
  for (let t = 0; t < tokens; t++) {
    const row = p.ids[t] - begin;
    for (let i = 0; i < p.h; i++) {
      if (row < 0 || row >= rows) {
        e[t * p.h + i] = NaN;
        continue;
      }
      let v = p.word[row * p.h + i];
      if (p.position) v += p.position[p.positions![t] * p.h + i];
      if (p.tokenType) v += p.tokenType[p.tokenTypes![t] * p.h + i];
      e[t * p.h + i] = v;
    }
  }
  if (!p.gamma) return e;
  return layernormRef({ x: e, gamma: p.gamma, beta: p.beta, rows: tokens, n: p.h, eps: p.eps ?? 1e-12 });
}

/** ceiling-fma.wgsl's out[i] with scale = step = 1: lane l of chain j starts at (i % 256) + 4j + l and gains 1 per step. */
export function ceilingFmaRef(i: number, iterations: number, chains: number): number {
  let total = 0;
  for (let j = 0; j < chains; j++) for (let l = 0; l < 4; l++) total += (i % 256) + 4 * j + l + iterations;
  return total;
}

/**
 * The twin of pool.wgsl, sentence-transformers' Pooling modes over the kept tokens (mask bias above MASKED):
 * cls (token 0), mean, max (-1e9 with none kept), mean_sqrt_len_tokens (sum / sqrt(count)), weightedmean (weights
 * s + 1), lasttoken (token 0 with none kept); a mean without kept tokens is zeros. Then optionally
 * x / max(||x||, eps). Returns [batch, hidden].
 */
export function poolRef(p: { x: Num; mask?: Num; batch: number; seqLen: number; hidden: number; mode: SentencePoolingMode; normalize?: boolean }): Float64Array {
  const { batch, seqLen: S, hidden: H } = p;
  const y = new Float64Array(batch * H);
  const keep = (b: number, s: number) => p.mask![b * S + s] > MASKED;
  for (let b = 0; b < batch; b++) {
    const row = y.subarray(b * H, (b + 1) * H);
    const token = (s: number) => { for (let i = 0; i < H; i++) row[i] = p.x[(b * S + s) * H + i]; };
    if (p.mode === 'cls') token(0);
    else if (p.mode === 'lasttoken') {
      let last = 0;
      for (let s = 0; s < S; s++) if (keep(b, s)) last = s;
      token(last);
    } else if (p.mode === 'max') {
      row.fill(-1e9);
      for (let s = 0; s < S; s++) if (keep(b, s)) for (let i = 0; i < H; i++) row[i] = Math.max(row[i], p.x[(b * S + s) * H + i]);
    } else {
      let count = 0;
      for (let s = 0; s < S; s++) {
        if (!keep(b, s)) continue;
        const w = p.mode === 'weightedmean' ? s + 1 : 1;
        count += w;
        for (let i = 0; i < H; i++) row[i] += w * p.x[(b * S + s) * H + i];
      }
      const div = p.mode === 'mean_sqrt_len_tokens' ? Math.sqrt(count) : count;
      if (count > 0) for (let i = 0; i < H; i++) row[i] /= div;
    }
    if (p.normalize) {
      const norm = Math.sqrt(row.reduce((a, v) => a + v * v, 0));
      for (let i = 0; i < H; i++) row[i] /= Math.max(norm, NORMALIZE_EPS);
    }
  }
  return y;
}
