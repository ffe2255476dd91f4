// Multi-head attention, what every variant shares: the arguments it takes (AttentionArgs), the plan it returns
// (AttentionPlan), where Q, K and V sit in memory (attentionLayout), the scratch it owns (PlanScratch) and the
// padding-mask helper. The variants are attention-naive.ts and attention-flash.ts; attention.ts names them.
import type { Gpu } from '../gpu/device.ts';
import { BYTES_PER_ELEMENT, createTensor, numel, uploadTensor, type GpuTensor } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import type { Step } from './kernel.ts';
import type { MatmulConfig } from './matmul.ts';
import { MASK_VALUE } from './softmax.ts';

export interface AttentionArgs {
  batch: number;
  seqLen: number;
  heads: number;
  headDim: number;
  /** Packed QKV projection output [batch*seqLen, 3*hidden], Hugging Face column order: Q, then K, then V;
   * head h in columns h*headDim .. of each. Give this or q, k and v. */
  qkv?: GpuTensor;
  q?: GpuTensor; // [batch*seqLen, hidden]
  k?: GpuTensor; // [batch*seqLen, hidden]
  v?: GpuTensor; // [batch*seqLen, hidden]
  out: GpuTensor; // [batch*seqLen, hidden], head h in columns h*headDim .. (ready for the output projection)
  /** Additive key mask [batch, seqLen] f32: 0 attends, MASK_VALUE (anything <= -1e30) drops the key.
   * Build it from Hugging Face's attention_mask with attentionMaskBias / uploadAttentionMask. */
  mask?: GpuTensor;
  /** Query i attends to keys j <= i only (decoder-style); BERT itself is not causal. */
  causal?: boolean;
  /** Default 1/sqrt(headDim). */
  scale?: number;
  /** Position features (rotary, sliding window, relative bias, ALiBi): the fused variants take them. */
  features?: AttentionFeatures;
  /** How variants built from matmuls (naive) pick a matmul configuration; default DEFAULT_MATMUL_CONFIG. */
  matmulConfig?: (m: number, n: number, k: number, transB: boolean) => Promise<MatmulConfig>;
  /** Also produce the softmax probabilities [batch, heads, seqLen, seqLen] as plan.probs (Hugging Face's
   * output_attentions). Costs an S x S buffer; without it the fused variants allocate none. */
  outputAttentions?: boolean;
  /** Where the probabilities go with outputAttentions ([batch*heads*seqLen, seqLen] or more elements); by
   * default the plan allocates them itself. The graph planner passes a buffer of its activation arena. */
  probs?: GpuTensor;
  label?: string;
}

/**
 * Position features of the fused kernels (attention-common.wgsl), any combination:
 *   rope: Q and K rotated at their positions (0 .. seqLen-1 in each sequence) by a cos/sin table
 *     (ropeTable: [positions, rotaryDim / 2] pairs), rotate-half pairs or interleaved ones, the first
 *     rotaryDim dims of each head (a partial rotary fraction leaves the rest);
 *   window: a local layer, query i attends keys with |i - j| <= floor(window / 2) (ModernBERT's
 *     local_attention); key tiles outside that are skipped, not masked;
 *   relativeBias: score += weight[bucket(j - i), head], buckets [2*seqLen - 1] u32 from
 *     relativeBucketTable and weight [numBuckets, heads] (MPNet's relative_attention_bias);
 *   alibi: score -= slopes[head] * |i - j|.
 */
export interface AttentionFeatures {
  rope?: { table: GpuTensor; rotaryDim: number; interleaved?: boolean };
  window?: number;
  relativeBias?: { buckets: GpuTensor; weight: GpuTensor };
  alibi?: { slopes: GpuTensor };
}

export type FeatureName = 'rope' | 'window' | 'relative-bias' | 'alibi';

export function featureNames(f: AttentionFeatures | undefined): FeatureName[] {
  if (!f) return [];
  const names: FeatureName[] = [];
  if (f.rope) names.push('rope');
  if (f.window !== undefined) names.push('window');
  if (f.relativeBias) names.push('relative-bias');
  if (f.alibi) names.push('alibi');
  return names;
}

/** The preprocessor values of the features (attention-common.wgsl); all false without any. */
export const FEATURE_DEFINES = { REL_BIAS: false, ALIBI: false, WINDOW: false, ROPE: false, ROPE_INTERLEAVED: false, POSITION_TERMS: false };

export function featureDefines(f: AttentionFeatures | undefined): typeof FEATURE_DEFINES {
  const rel = Boolean(f?.relativeBias);
  const alibi = Boolean(f?.alibi);
  const window = f?.window !== undefined;
  return { REL_BIAS: rel, ALIBI: alibi, WINDOW: window, ROPE: Boolean(f?.rope), ROPE_INTERLEAVED: Boolean(f?.rope?.interleaved), POSITION_TERMS: rel || alibi || window };
}

/** The tensors the feature bindings read (undefined when absent). */
export function featureTensors(f: AttentionFeatures | undefined): Record<'rel_bucket' | 'rel_weight' | 'alibi' | 'rope', GpuTensor | undefined> {
  return { rel_bucket: f?.relativeBias?.buckets, rel_weight: f?.relativeBias?.weight, alibi: f?.alibi?.slopes, rope: f?.rope?.table };
}

function checkFeatures(args: AttentionArgs, label: string): void {
  const f = args.features;
  if (!f) return;
  const { seqLen, heads, headDim } = args;
  if (f.rope) {
    const r = f.rope.rotaryDim;
    if (!Number.isInteger(r) || r < 2 || r % 2 || r > headDim) throw new Error(`${label}: rotaryDim must be an even number of dims up to the head dim ${headDim}, got ${r}`);
    if (numel(f.rope.table.shape) < seqLen * r) throw new Error(`${label}: the rotary table (${f.rope.table.label}) covers fewer than ${seqLen} positions of ${r / 2} pairs`);
  }
  if (f.window !== undefined && (!Number.isInteger(f.window) || f.window < 0)) throw new Error(`${label}: window must be a non-negative integer, got ${f.window}`);
  if (f.relativeBias) {
    if (numel(f.relativeBias.buckets.shape) < 2 * seqLen - 1) throw new Error(`${label}: the relative buckets (${f.relativeBias.buckets.label}) cover fewer than ${2 * seqLen - 1} distances`);
    if (f.relativeBias.buckets.dtype !== 'u32') throw new Error(`${label}: relative buckets must be u32`);
    if (numel(f.relativeBias.weight.shape) % heads) throw new Error(`${label}: the relative bias weight [${f.relativeBias.weight.shape}] is not [buckets, ${heads}]`);
  }
  if (f.alibi && numel(f.alibi.slopes.shape) < heads) throw new Error(`${label}: ALiBi needs ${heads} slopes`);
}

export interface Allocation { label: string; shape: number[]; bytes: number }

export interface AttentionPlan {
  steps: Step[];
  /** Bytes of GPU memory this plan allocated itself (scratch and probs), the sum of `allocations`. */
  allocatedBytes: number;
  allocations: Allocation[];
  /** Owned buffers, destroyed by dispose(). */
  buffers: GPUBuffer[];
  /** [batch, heads, seqLen, seqLen] softmax probabilities, written by `steps` when outputAttentions was asked. */
  probs?: GpuTensor;
  dispose(): void;
}

/** One way to compute attention. A new variant is one .wgsl, one small module and one line in attention.ts. */
export interface AttentionVariant {
  name: string;
  describe: string;
  /** Why this variant cannot run a head size, or undefined when it can. */
  unsupported?(headDim: number): string | undefined;
  /** The position features it takes (AttentionFeatures); none when absent. */
  features?: readonly FeatureName[];
  prepare(gpu: Gpu, uniforms: UniformArena, args: AttentionArgs): Promise<AttentionPlan>;
}

/** Where one of Q, K, V lives: head h of token t starts at element offset + t*ld + h*headDim of tensor. */
export interface Operand { tensor: GpuTensor; offset: number; ld: number }

export interface AttentionLayout {
  q: Operand;
  k: Operand;
  v: Operand;
  packed: boolean;
  hidden: number;
  tokens: number;
  scale: number;
}

function need(label: string, what: string, t: GpuTensor | undefined, elements: number): void {
  if (t && t.dtype !== 'f32') throw new Error(`${label}: "${what}" (${t.label}) must be f32, is ${t.dtype}`);
  if (t && numel(t.shape) < elements) throw new Error(`${label}: "${what}" (${t.label}, [${t.shape}]) has fewer than ${elements} elements`);
}

/** Checks the arguments every variant shares and resolves the two input layouts into offsets and strides. */
export function attentionLayout(args: AttentionArgs, label: string): AttentionLayout {
  const { batch, seqLen, heads, headDim } = args;
  for (const [name, value] of Object.entries({ batch, seqLen, heads, headDim })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${label}: ${name} must be a positive integer, got ${value}`);
  }
  const hidden = heads * headDim;
  const tokens = batch * seqLen;
  const separate = [args.q, args.k, args.v].filter(Boolean).length;
  if (args.qkv ? separate !== 0 : separate !== 3) throw new Error(`${label}: give either qkv or all of q, k and v`);
  need(label, 'out', args.out, tokens * hidden);
  need(label, 'mask', args.mask, batch * seqLen);
  need(label, 'probs', args.probs, batch * heads * seqLen * seqLen);
  if (args.probs && !args.outputAttentions) throw new Error(`${label}: a probs tensor without outputAttentions`);
  checkFeatures(args, label);
  const scale = args.scale ?? 1 / Math.sqrt(headDim);
  if (args.qkv) {
    need(label, 'qkv', args.qkv, tokens * 3 * hidden);
    const ld = 3 * hidden;
    const operand = (offset: number): Operand => ({ tensor: args.qkv!, offset, ld });
    return { q: operand(0), k: operand(hidden), v: operand(2 * hidden), packed: true, hidden, tokens, scale };
  }
  for (const name of ['q', 'k', 'v'] as const) need(label, name, args[name], tokens * hidden);
  const operand = (t: GpuTensor): Operand => ({ tensor: t, offset: 0, ld: hidden });
  return { q: operand(args.q!), k: operand(args.k!), v: operand(args.v!), packed: false, hidden, tokens, scale };
}

/** The fields of `struct Params` in attention-common.wgsl, shared by the fused and the probabilities kernel. */
export const ATTENTION_PARAMS = ['seq_len: u32', 'heads: u32', 'q_offset: u32', 'k_offset: u32', 'v_offset: u32',
  'q_ld: u32', 'k_ld: u32', 'v_ld: u32', 'out_ld: u32', 'scale: f32', 'window_half: u32', 'rotary_half: u32'] as const;

export function attentionParams(args: AttentionArgs, layout: AttentionLayout): Record<string, number> {
  return {
    seq_len: args.seqLen, heads: args.heads,
    q_offset: layout.q.offset, k_offset: layout.k.offset, v_offset: layout.v.offset,
    q_ld: layout.q.ld, k_ld: layout.k.ld, v_ld: layout.v.ld, out_ld: layout.hidden, scale: layout.scale,
    window_half: Math.floor((args.features?.window ?? 0) / 2), rotary_half: (args.features?.rope?.rotaryDim ?? 0) / 2,
  };
}

/**
 * The cos/sin table of rotary embeddings, computed in float64: entry (p, i) = [cos, sin](p * theta^(-2i / rotaryDim))
 * for i < rotaryDim / 2, as f32 pairs [positions * rotaryDim / 2 * 2].
 */
export function ropeTable(positions: number, rotaryDim: number, theta: number): Float32Array {
  return ropeTableOf(positions, ropeFrequencies(rotaryDim, theta));
}

/** The rotary inverse frequencies theta^(-2i / rotaryDim), i < rotaryDim / 2. */
export function ropeFrequencies(rotaryDim: number, theta: number): number[] {
  return Array.from({ length: rotaryDim / 2 }, (_, i) => 1 / theta ** ((2 * i) / rotaryDim));
}

/** ropeTable's layout for any inverse frequencies (a scaled rotary's): cos/sin of p * invFreq[i]. */
export function ropeTableOf(positions: number, invFreq: readonly number[]): Float32Array {
  const half = invFreq.length;
  const out = new Float32Array(positions * half * 2);
  for (let i = 0; i < half; i++) {
    const inv = invFreq[i];
    for (let p = 0; p < positions; p++) {
      out[2 * (p * half + i)] = Math.cos(p * inv);
      out[2 * (p * half + i) + 1] = Math.sin(p * inv);
    }
  }
  return out;
}

/**
 * ALiBi's head slopes as Press et al. define them and Jina-BERT's `_get_alibi_head_slopes` computes them:
 * for n a power of two, start^(h+1) with start = 2^(-8/n); otherwise the slopes of the power of two below n
 * followed by every other slope of the next power of two (the first n - that many). f32, as jina's
 * torch.Tensor holds them.
 */
export function alibiSlopes(heads: number): Float32Array {
  const powerOfTwo = (n: number) => Array.from({ length: n }, (_, h) => 2 ** ((-8 / n) * (h + 1)));
  const slopes = (n: number): number[] => {
    const p = 2 ** Math.floor(Math.log2(n));
    return p === n ? powerOfTwo(n) : [...powerOfTwo(p), ...slopes(2 * p).filter((_, i) => i % 2 === 0).slice(0, n - p)];
  };
  return Float32Array.from(slopes(heads));
}

/**
 * T5's bidirectional relative-position buckets as MPNet computes them (in float32, then truncated), for every
 * distance d = j - i of a sequence of seqLen: index d + seqLen - 1.
 */
export function relativeBucketTable(seqLen: number, numBuckets: number, maxDistance: number): Uint32Array {
  const out = new Uint32Array(2 * seqLen - 1);
  const f = Math.fround;
  const half = Math.floor(numBuckets / 2);
  const maxExact = Math.floor(half / 2);
  const logRange = Math.log(maxDistance / maxExact);
  for (let d = -(seqLen - 1); d <= seqLen - 1; d++) {
    const n = -d;
    let bucket = n < 0 ? half : 0;
    const a = Math.abs(n);
    if (a < maxExact) bucket += a;
    else {
      const large = maxExact + Math.trunc(f(f(f(Math.log(f(a / maxExact))) / logRange) * (half - maxExact)));
      bucket += Math.min(large, half - 1);
    }
    out[d + seqLen - 1] = bucket;
  }
  return out;
}

/** 4*batch*heads*S^2*headDim: Q.K^T and P.V, 2 FLOP per multiply-add each (softmax not counted). */
export function attentionFlops(batch: number, heads: number, seqLen: number, headDim: number): number {
  return 4 * batch * heads * seqLen * seqLen * headDim;
}

/**
 * Hugging Face's attention_mask ([batch, seqLen], 1 attend / 0 padding) as the additive f32 mask the kernels
 * read: 0 where a key is attended, MASK_VALUE (-3e38) where it is padding.
 */
export function attentionMaskBias(attentionMask: ArrayLike<number>, batch: number, seqLen: number): Float32Array {
  if (attentionMask.length !== batch * seqLen) throw new Error(`attention mask has ${attentionMask.length} values, expected batch*seqLen = ${batch * seqLen}`);
  return Float32Array.from(attentionMask, (m) => (m ? 0 : MASK_VALUE));
}

export function uploadAttentionMask(gpu: Gpu, attentionMask: ArrayLike<number>, batch: number, seqLen: number, label = 'attention mask'): Promise<GpuTensor> {
  return uploadTensor(gpu, attentionMaskBias(attentionMask, batch, seqLen), [batch, seqLen], label);
}

/** The buffers a plan allocates for itself, counted, and freed together (also when prepare fails). */
export class PlanScratch {
  readonly buffers: GPUBuffer[] = [];
  readonly allocations: Allocation[] = [];

  constructor(private gpu: Gpu) {}

  async tensor(shape: number[], label: string): Promise<GpuTensor> {
    const t = await createTensor(this.gpu, shape, 'f32', label);
    this.buffers.push(t.buffer);
    this.allocations.push({ label, shape, bytes: t.buffer.size });
    return t;
  }

  plan(steps: Step[], probs?: GpuTensor): AttentionPlan {
    const buffers = this.buffers;
    return {
      steps, probs, buffers, allocations: this.allocations,
      allocatedBytes: this.allocations.reduce((sum, a) => sum + a.bytes, 0),
      dispose: () => { for (const b of buffers.splice(0)) b.destroy(); },
    };
  }

  /** Runs `build`; if it throws, what it allocated is destroyed before the error goes on. */
  static async build(gpu: Gpu, build: (scratch: PlanScratch) => Promise<AttentionPlan>): Promise<AttentionPlan> {
    const scratch = new PlanScratch(gpu);
    try {
      return await build(scratch);
    } catch (error) {
      for (const b of scratch.buffers) b.destroy();
      throw error;
    }
  }
}

/** Bytes of one f32 [batch, heads, seqLen, seqLen] tensor: what a fused variant must never allocate unasked. */
export function scoresBytes(batch: number, heads: number, seqLen: number): number {
  return batch * heads * seqLen * seqLen * BYTES_PER_ELEMENT;
}
