// GELU, elementwise, erf or tanh form (gelu.wgsl).
import type { Gpu } from '../gpu/device.ts';
import { numel, type GpuTensor } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { defineKernel, grid1d, type Step } from './kernel.ts';

export const gelu = defineKernel({
  name: 'gelu',
  shaders: ['activations.wgsl', 'gelu.wgsl'],
  bindings: ['x: read', 'y: write', 'params: uniform'],
  params: ['n: u32'],
  constants: { WG: 256 },
  defines: { GELU_TANH: false },
});

export function prepareGelu(gpu: Gpu, uniforms: UniformArena, args: { x: GpuTensor; y: GpuTensor; form?: 'erf' | 'tanh'; label?: string }): Promise<Step> {
  const n = numel(args.x.shape);
  const label = args.label ?? `gelu ${n}`;
  if (numel(args.y.shape) < n) throw new Error(`${label}: "y" has ${numel(args.y.shape)} elements, needs ${n}`);
  const { constants } = gelu.resolve();
  return gelu.prepare(gpu, {
    variant: { defines: { GELU_TANH: args.form === 'tanh' } },
    tensors: { x: args.x, y: args.y }, params: { n }, workgroups: grid1d(Math.ceil(n / constants.WG)), uniforms, label, grid: `${n} elements / ${constants.WG}`,
  });
}
