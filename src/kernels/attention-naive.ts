// Attention from the core kernels, the baseline the fused variants are measured against: three dispatches
// through two S x S buffers the plan allocates itself.
//   scores[b, h] = scale * Q[b, h] . K[b, h]^T   matmul, two-level batch (sequence, head) into [batch, heads, S, S]
//   probs = softmax(scores + mask, causal)       softmax, mask row = score row / (heads*S)
//   out[b, :, head h] = probs[b, h] . V[b, h]     matmul into [batch*S, hidden] with ldc = hidden
// Softmax cannot run in place (a buffer bound for reading and writing in one dispatch is invalid), hence two
// buffers; with outputAttentions the second is returned as plan.probs at no extra cost (or is the caller's
// probs tensor).
import type { Gpu } from '../gpu/device.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { attentionLayout, featureNames, PlanScratch, type AttentionArgs, type AttentionPlan, type AttentionVariant } from './attention-common.ts';
import { prepareMatmul, type MatmulConfig } from './matmul.ts';
import { prepareSoftmax } from './softmax.ts';

export async function prepareNaiveAttention(gpu: Gpu, uniforms: UniformArena, args: AttentionArgs, config?: MatmulConfig): Promise<AttentionPlan> {
  const asked = featureNames(args.features);
  if (asked.length) throw new Error(`naive attention takes no position features (${asked.join(', ')}): run 'flash'`);
  const label = args.label ?? `attention naive ${args.batch}x${args.seqLen} h${args.heads}x${args.headDim}`;
  const layout = attentionLayout(args, label);
  const { batch, seqLen: S, heads, headDim: dh } = args;
  // Q, K and V are column blocks of one packed tensor or three tensors; the matmul's operand offsets reach them.
  const [q, k, v] = [layout.q, layout.k, layout.v];
  const count = batch * heads;
  const scoresConfig = config ?? await args.matmulConfig?.(S, S, dh, true);
  const valuesConfig = config ?? await args.matmulConfig?.(S, dh, S, false);
  return PlanScratch.build(gpu, async (scratch) => {
    const scores = await scratch.tensor([batch, heads, S, S], `${label} scores`);
    const probs = args.probs ?? await scratch.tensor([batch, heads, S, S], `${label} probs`);
    const steps = [
      await prepareMatmul(gpu, uniforms, {
        a: q.tensor, b: k.tensor, c: scores, m: S, n: S, k: dh, transB: true, alpha: layout.scale,
        lda: q.ld, ldb: k.ld, ldc: S, offsets: { a: q.offset, b: k.offset },
        batch: { count, inner: heads, a: [S * q.ld, dh], b: [S * k.ld, dh], c: [heads * S * S, S * S] },
        config: scoresConfig, label: `${label} Q.K^T`,
      }),
      await prepareSoftmax(gpu, uniforms, {
        x: scores, y: probs, rows: count * S, n: S, mask: args.mask, maskDiv: heads * S, causal: args.causal,
        label: `${label} softmax`,
      }),
      await prepareMatmul(gpu, uniforms, {
        a: probs, b: v.tensor, c: args.out, m: S, n: dh, k: S, lda: S, ldb: v.ld, ldc: layout.hidden, offsets: { b: v.offset },
        batch: { count, inner: heads, a: [heads * S * S, S * S], b: [S * v.ld, dh], c: [S * layout.hidden, dh] },
        config: valuesConfig, label: `${label} P.V`,
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
