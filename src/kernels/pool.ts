// Sentence-embedding pooling: CLS token or mean over attended tokens, optional L2 normalisation (pool.wgsl).
import type { Gpu } from '../gpu/device.ts';
import { numel, type GpuTensor } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { defineKernel, grid1d, ROW_WORKGROUP, type Step } from './kernel.ts';

export const pool = defineKernel({
  name: 'pool',
  shaders: ['reduce.wgsl', 'pool.wgsl'],
  bindings: ['x: read', 'mask: read if MEAN', 'y: write', 'params: uniform'],
  params: ['batch: u32', 'seq_len: u32', 'hidden: u32', 'eps: f32'],
  // One workgroup per sequence, like the row kernels (see ROW_WORKGROUP); a power of two for the reduction.
  constants: { WG: ROW_WORKGROUP },
  defines: { MEAN: false, NORMALIZE: false },
});

export type PoolingMode = 'cls' | 'mean';

/** torch.nn.functional.normalize's default eps: a zero vector stays zero instead of becoming NaN. */
export const NORMALIZE_EPS = 1e-12;

export interface PoolArgs {
  x: GpuTensor; // [batch*seqLen, hidden]
  /** [batch, seqLen] additive attention-mask bias (0 keep, <= -1e30 padding); required for 'mean'. */
  mask?: GpuTensor;
  y: GpuTensor; // [batch, hidden]
  batch: number;
  seqLen: number;
  hidden: number;
  mode: PoolingMode;
  normalize?: boolean;
  label?: string;
}

export function preparePool(gpu: Gpu, uniforms: UniformArena, args: PoolArgs): Promise<Step> {
  const { batch, seqLen, hidden, mode } = args;
  const label = args.label ?? `pool ${mode} ${batch}x${seqLen}x${hidden}`;
  if (mode !== 'cls' && mode !== 'mean') throw new Error(`${label}: pooling must be 'cls' or 'mean', got ${JSON.stringify(mode)}`);
  if (mode === 'mean' && !args.mask) throw new Error(`${label}: mean pooling needs the attention mask`);
  for (const [name, t, want] of [['x', args.x, batch * seqLen * hidden], ['y', args.y, batch * hidden], ['mask', args.mask, batch * seqLen]] as const) {
    if (t && numel(t.shape) < want) throw new Error(`${label}: "${name}" has ${numel(t.shape)} elements, needs ${want}`);
  }
  return pool.prepare(gpu, {
    variant: { defines: { MEAN: mode === 'mean', NORMALIZE: Boolean(args.normalize) } },
    tensors: { x: args.x, mask: mode === 'mean' ? args.mask : undefined, y: args.y },
    params: { batch, seq_len: seqLen, hidden, eps: NORMALIZE_EPS },
    workgroups: grid1d(batch),
    uniforms,
    label,
  });
}
