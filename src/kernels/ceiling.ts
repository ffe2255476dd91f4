// The adapter's practical limits, measured by the benchmarks next to every kernel figure: a buffer copy
// (ceiling-copy.wgsl, GB/s) and independent FMA chains (ceiling-fma.wgsl, GFLOP/s). Not used by the model.
import type { Gpu } from '../gpu/device.ts';
import { numel, type GpuTensor } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { defineKernel, grid1d, type Step } from './kernel.ts';

export const ceilingCopy = defineKernel({
  name: 'ceiling-copy',
  shaders: ['ceiling-copy.wgsl'],
  bindings: ['src: read', 'dst: write', 'params: uniform'],
  params: ['n: u32'],
  constants: { WG: 256 },
  defines: {},
});

export const ceilingFma = defineKernel({
  name: 'ceiling-fma',
  shaders: ['ceiling-fma.wgsl'],
  bindings: ['out: write', 'params: uniform'],
  params: ['invocations: u32', 'iterations: u32', 'scale: f32', 'step: f32'],
  constants: { WG: 256 },
  // 8 chains of vec4 = 32 independent multiply-adds in flight per invocation: enough to cover FMA latency
  // (4-6 cycles) on GPUs at modest occupancy and to fill the SIMD units of a CPU running SwiftShader. The
  // WGSL writes the chains out and asserts ACC == 8; ACC is here so the FLOP count reads the same number.
  defines: { ACC: 8 },
});

/** Copies `src` into `dst` (both f32 tensors of a multiple of 4 elements): 2 * bytes of traffic. */
export function prepareCeilingCopy(gpu: Gpu, uniforms: UniformArena, args: { src: GpuTensor; dst: GpuTensor; label?: string }): Promise<Step> {
  const elements = numel(args.src.shape);
  const label = args.label ?? `ceiling copy ${elements}`;
  if (elements % 4) throw new Error(`${label}: the copy moves vec4s; ${elements} elements is not a multiple of 4`);
  if (numel(args.dst.shape) < elements) throw new Error(`${label}: "dst" has ${numel(args.dst.shape)} elements, needs ${elements}`);
  const n = elements / 4;
  const { constants } = ceilingCopy.resolve();
  return ceilingCopy.prepare(gpu, {
    tensors: { src: args.src, dst: args.dst }, params: { n }, workgroups: grid1d(Math.ceil(n / constants.WG)), uniforms, label,
  });
}

/** FLOPs of one dispatch: every invocation runs ACC vec4 FMA chains of `iterations` steps. */
export function ceilingFmaFlops(invocations: number, iterations: number): number {
  return invocations * iterations * ceilingFma.resolve().defines.ACC * 4 * 2;
}

/**
 * One invocation per element of `out`, `iterations` FMA steps per chain. scale = step = 1 keeps every value
 * an exact integer (checked by the caller); the largest, ACC*4*(255 + iterations) + ..., must stay below 2^24.
 */
export function prepareCeilingFma(gpu: Gpu, uniforms: UniformArena, args: { out: GpuTensor; iterations: number; label?: string }): Promise<Step> {
  const invocations = numel(args.out.shape);
  const label = args.label ?? `ceiling fma ${invocations}x${args.iterations}`;
  const { constants, defines } = ceilingFma.resolve();
  if (4 * defines.ACC * (256 + args.iterations) + (4 * defines.ACC) ** 2 >= 2 ** 24) {
    throw new Error(`${label}: ${args.iterations} iterations would leave the range where f32 integers are exact`);
  }
  return ceilingFma.prepare(gpu, {
    tensors: { out: args.out }, params: { invocations, iterations: args.iterations, scale: 1, step: 1 },
    workgroups: grid1d(Math.ceil(invocations / constants.WG)), uniforms, label,
  });
}
