// Attention from the core kernels, the baseline the fused variants are measured against: three dispatches
// through two S x S buffers the plan allocates itself.
//   scores[b, h] = scale * Q[b, h] . K[b, h]^T   matmul, two-level batch (sequence, head) into [batch, heads, S, S]
//   probs = softmax(scores + mask, causal)       softmax, mask row = score row / (heads*S)
//   out[b, :, head h] = probs[b, h] . V[b, h]     matmul into [batch*S, hidden] with ldc = hidden
// Softmax cannot run in place (a buffer bound for reading and writing in one dispatch is invalid), hence two
// buffers; with outputAttentions the second is returned as plan.probs at no extra cost.
import type { Gpu } from '../gpu/device.ts';
import { BYTES_PER_ELEMENT, numel, VIEW_ALIGNMENT, type GpuTensor } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { attentionLayout, PlanScratch, type AttentionArgs, type AttentionPlan, type AttentionVariant, type Operand } from './attention-common.ts';
import { prepareMatmul, type MatmulConfig } from './matmul.ts';
import { prepareSoftmax } from './softmax.ts';

/**
 * The matmul has no base offset, so K and V inside a packed QKV tensor are bound as views that start at
 * their first column; a view must start on VIEW_ALIGNMENT bytes, i.e. hidden a multiple of 64 (every BERT
 * size is). Other packed shapes need separate q, k, v tensors or a fused variant.
 */
function operandView(o: Operand, label: string): GpuTensor {
  const byteOffset = o.tensor.byteOffset + o.offset * BYTES_PER_ELEMENT;
  if (byteOffset % VIEW_ALIGNMENT) {
    throw new Error(`${label}: naive attention reads packed QKV through views at ${VIEW_ALIGNMENT}-byte boundaries; `
      + `column ${o.offset} is byte ${byteOffset}: use hidden % 64 == 0, separate q/k/v tensors, or a fused variant`);
  }
  return { ...o.tensor, byteOffset, shape: [numel(o.tensor.shape) - o.offset], label: `${o.tensor.label}+${o.offset}` };
}

export async function prepareNaiveAttention(gpu: Gpu, uniforms: UniformArena, args: AttentionArgs, config?: MatmulConfig): Promise<AttentionPlan> {
  const label = args.label ?? `attention naive ${args.batch}x${args.seqLen} h${args.heads}x${args.headDim}`;
  const layout = attentionLayout(args, label);
  const { batch, seqLen: S, heads, headDim: dh } = args;
  const [q, k, v] = [layout.q, layout.k, layout.v].map((o) => operandView(o, label));
  const count = batch * heads;
  return PlanScratch.build(gpu, async (scratch) => {
    const scores = await scratch.tensor([batch, heads, S, S], `${label} scores`);
    const probs = await scratch.tensor([batch, heads, S, S], `${label} probs`);
    const steps = [
      await prepareMatmul(gpu, uniforms, {
        a: q, b: k, c: scores, m: S, n: S, k: dh, transB: true, alpha: layout.scale,
        lda: layout.q.ld, ldb: layout.k.ld, ldc: S,
        batch: { count, inner: heads, a: [S * layout.q.ld, dh], b: [S * layout.k.ld, dh], c: [heads * S * S, S * S] },
        config, label: `${label} Q.K^T`,
      }),
      await prepareSoftmax(gpu, uniforms, {
        x: scores, y: probs, rows: count * S, n: S, mask: args.mask, maskDiv: heads * S, causal: args.causal,
        label: `${label} softmax`,
      }),
      await prepareMatmul(gpu, uniforms, {
        a: probs, b: v, c: args.out, m: S, n: dh, k: S, lda: S, ldb: layout.v.ld, ldc: layout.hidden,
        batch: { count, inner: heads, a: [heads * S * S, S * S], b: [S * layout.v.ld, dh], c: [S * layout.hidden, dh] },
        config, label: `${label} P.V`,
      }),
    ];
    return scratch.plan(steps, args.outputAttentions ? probs : undefined);
  });
}

export const naiveAttention: AttentionVariant = {
  name: 'naive',
  describe: 'three dispatches from the core kernels: Q.K^T matmul into [batch, heads, S, S], masked softmax into a second S x S buffer, P.V matmul into [tokens, hidden]',
  prepare: (gpu, uniforms, args) => prepareNaiveAttention(gpu, uniforms, args),
};
