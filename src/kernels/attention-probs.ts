// Attention maps for the fused variants (attention-probs.wgsl): exact softmax probabilities rebuilt from the
// per-row log-sum-exp that attention-flash.wgsl writes when asked, so the fused pass stays free of S x S memory.
import type { Gpu } from '../gpu/device.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { ATTENTION_PARAMS, attentionParams, FEATURE_DEFINES, featureDefines, featureTensors, type AttentionArgs, type AttentionLayout } from './attention-common.ts';
import { defineKernel, type Step } from './kernel.ts';

export const attentionProbs = defineKernel({
  name: 'attention-probs',
  shaders: ['attention-common.wgsl', 'attention-probs.wgsl'],
  bindings: ['q: read', 'k: read', 'mask: read if HAS_MASK', 'lse: read', 'probs: write', 'params: uniform',
    'rel_bucket: read if REL_BIAS', 'rel_weight: read if REL_BIAS', 'alibi: read if ALIBI', 'rope: read if ROPE'],
  params: ATTENTION_PARAMS,
  // One invocation per probability, 16 x 16 as the naive matmul: this kernel is for inspection, not speed.
  constants: { WG_X: 16, WG_Y: 16 },
  defines: { D4: 16, HAS_MASK: false, CAUSAL: false, ...FEATURE_DEFINES },
});

export function prepareAttentionProbs(gpu: Gpu, uniforms: UniformArena, args: AttentionArgs, layout: AttentionLayout,
  io: { lse: GpuTensor; probs: GpuTensor }): Promise<Step> {
  const { constants } = attentionProbs.resolve();
  const n = args.seqLen;
  return attentionProbs.prepare(gpu, {
    variant: { defines: { D4: args.headDim / 4, HAS_MASK: Boolean(args.mask), CAUSAL: Boolean(args.causal), ...featureDefines(args.features) } },
    tensors: { q: layout.q.tensor, k: layout.k.tensor, mask: args.mask, lse: io.lse, probs: io.probs, ...featureTensors(args.features) },
    params: attentionParams(args, layout),
    workgroups: [Math.ceil(n / constants.WG_X), Math.ceil(n / constants.WG_Y), args.batch * args.heads],
    grid: `${n} x ${n} scores in ${constants.WG_X} x ${constants.WG_Y} blocks x ${args.batch * args.heads} (sequence, head)`,
    uniforms,
    label: `${args.label ?? 'attention'} probs`,
  });
}
