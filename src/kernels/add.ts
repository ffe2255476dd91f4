// Elementwise add (add.wgsl). BERT needs no separate add (residuals are fused into matmul epilogues and
// LayerNorm); it is here for graphs that do, and as the simplest kernel to copy when adding one.
import type { Gpu } from '../gpu/device.ts';
import { numel, type GpuTensor } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { defineKernel, grid1d, type Step } from './kernel.ts';

export const add = defineKernel({
  name: 'add',
  shaders: ['add.wgsl'],
  bindings: ['a: read', 'b: read', 'c: write', 'params: uniform'],
  params: ['n: u32'],
  constants: { WG: 256 },
  defines: {},
});

export function prepareAdd(gpu: Gpu, uniforms: UniformArena, args: { a: GpuTensor; b: GpuTensor; c: GpuTensor; label?: string }): Promise<Step> {
  const n = numel(args.a.shape);
  const label = args.label ?? `add ${n}`;
  for (const [name, t] of [['b', args.b], ['c', args.c]] as const) {
    if (numel(t.shape) < n) throw new Error(`${label}: "${name}" has ${numel(t.shape)} elements, needs ${n}`);
  }
  const { constants } = add.resolve();
  return add.prepare(gpu, {
    tensors: { a: args.a, b: args.b, c: args.c }, params: { n }, workgroups: grid1d(Math.ceil(n / constants.WG)), uniforms, label, grid: `${n} elements / ${constants.WG}`,
  });
}
