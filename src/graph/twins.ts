// The float64 twins an op's `reference(ctx)` calls, as a table the reference executor hands it on its
// context (src/reference/twins.ts fills it, src/reference/graph.ts passes it). Declared here, implemented
// there: graph/ never imports src/reference/, so an app that bundles the ops does not ship the twins. The
// parameter types are what the ops pass; the reference's functions take at least that (the table is checked
// against this type where it is built).
import type { Activation } from '../kernels/matmul.ts';
import type { SentencePoolingMode } from '../kernels/pool.ts';

type Num = ArrayLike<number>;

/** Where Q, K or V sits: head h of token t is data[offset + t*ld + h*headDim ..]. */
export interface TwinOperand { data: Num; offset: number; ld: number }

export interface ReferenceTwins {
  /** word[id] (+ position[positions[t]]) (+ tokenType[tokenTypes[t]]), then LayerNorm when gamma is given. */
  embeddings(p: {
    ids: Num; word: Num; h: number; positions?: Num; position?: Num; tokenTypes?: Num; tokenType?: Num;
    gamma?: Num; beta?: Num; eps?: number;
  }): Float64Array;
  /** act(A . op(B) + bias) + residual; `glu` pairs rows of B (activated, gate). */
  matmul(p: {
    a: Num; b: Num; bias?: Num; residual?: Num; m: number; n: number; k: number;
    lda?: number; transB?: boolean; activation?: Activation; glu?: boolean;
  }): Float64Array;
  layernorm(p: { x: Num; gamma: Num; beta?: Num; rows: number; n: number; eps: number }): Float64Array;
  /** sentence-transformers' Pooling of one mode over the tokens the mask keeps: [batch, hidden]. */
  pool(p: { x: Num; mask?: Num; batch: number; seqLen: number; hidden: number; mode: SentencePoolingMode; normalize?: boolean }): Float64Array;
  /** Packed QKV [tokens, 3*hidden] (Hugging Face column order) as the three operands. */
  packedOperands(qkv: Num, hidden: number): { q: TwinOperand; k: TwinOperand; v: TwinOperand };
  /** out: [batch*seqLen, hidden]; probs: [batch, heads, seqLen, seqLen]. */
  attention(p: {
    batch: number; seqLen: number; heads: number; headDim: number; scale?: number;
    q: TwinOperand; k: TwinOperand; v: TwinOperand; mask?: Num;
    features?: {
      rope?: { table: Num; rotaryDim: number; interleaved?: boolean };
      window?: number;
      relativeBias?: { buckets: Num; weight: Num };
      alibi?: Num;
    };
  }): { out: Float64Array; probs: Float64Array };
}
