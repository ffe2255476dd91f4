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
  'q_ld: u32', 'k_ld: u32', 'v_ld: u32', 'out_ld: u32', 'scale: f32'] as const;

export function attentionParams(args: AttentionArgs, layout: AttentionLayout): Record<string, number> {
  return {
    seq_len: args.seqLen, heads: args.heads,
    q_offset: layout.q.offset, k_offset: layout.k.offset, v_offset: layout.v.offset,
    q_ld: layout.q.ld, k_ld: layout.k.ld, v_ld: layout.v.ld, out_ld: layout.hidden, scale: layout.scale,
  };
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
