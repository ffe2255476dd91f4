// LayerNorm over the last dimension, optional fused residual add (layernorm.wgsl).
import type { Gpu } from '../gpu/device.ts';
import { numel, type GpuTensor } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { defineKernel, grid1d, ROW_WORKGROUP, rowSubgroups, type Step } from './kernel.ts';

export const layernorm = defineKernel({
  name: 'layernorm',
  shaders: ['reduce.wgsl', 'layernorm.wgsl'],
  bindings: ['x: read', 'residual: read if HAS_RESIDUAL', 'gamma: read', 'beta: read if HAS_BETA', 'y: write', 'params: uniform'],
  params: ['rows: u32', 'n: u32', 'eps: f32'],
  // A power of two (tree reduction); see ROW_WORKGROUP for the choice.
  constants: { WG: ROW_WORKGROUP },
  defines: { HAS_RESIDUAL: false, HAS_BETA: true, SUBGROUPS: false },
});

export interface LayernormArgs {
  x: GpuTensor;
  residual?: GpuTensor;
  gamma: GpuTensor;
  /** Absent for a LayerNorm without bias. */
  beta?: GpuTensor;
  y: GpuTensor;
  rows: number;
  n: number;
  eps: number;
  label?: string;
}

export function prepareLayernorm(gpu: Gpu, uniforms: UniformArena, args: LayernormArgs): Promise<Step> {
  const label = args.label ?? `layernorm ${args.rows}x${args.n}`;
  const size = args.rows * args.n;
  for (const [name, t, want] of [['x', args.x, size], ['residual', args.residual, size], ['y', args.y, size],
    ['gamma', args.gamma, args.n], ['beta', args.beta, args.n]] as const) {
    if (t && numel(t.shape) < want) throw new Error(`${label}: "${name}" has ${numel(t.shape)} elements, needs ${want}`);
  }
  return layernorm.prepare(gpu, {
    variant: { defines: { HAS_RESIDUAL: Boolean(args.residual), HAS_BETA: Boolean(args.beta), SUBGROUPS: rowSubgroups(gpu) } },
    tensors: { x: args.x, residual: args.residual, gamma: args.gamma, beta: args.beta, y: args.y },
    params: { rows: args.rows, n: args.n, eps: args.eps },
    workgroups: grid1d(args.rows),
    grid: `${args.rows} rows, one workgroup each`,
    uniforms,
    label,
  });
}
