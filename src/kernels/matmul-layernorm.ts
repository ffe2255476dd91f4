// Dense layer + bias + residual + LayerNorm in one dispatch (matmul-layernorm.wgsl): the attention-output
// and FFN-output blocks of a BERT layer, which would otherwise be a matmul and a LayerNorm.
import type { Gpu } from '../gpu/device.ts';
import { numel, type GpuTensor } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { defineKernel, ROW_WORKGROUP, type Step } from './kernel.ts';

/**
 * Rows per workgroup: each loaded B value serves BM rows. 4 keeps BM * CPT accumulators at 48 for
 * hidden 768 (64 invocations, 12 columns each), within what GPUs hold in registers without spilling.
 */
const ROWS_PER_WORKGROUP = 4;
/** Columns per invocation above which the accumulators would spill: n up to 16 * 64 = 1024 (BERT-large). */
export const MATMUL_LAYERNORM_MAX_COLUMNS_PER_INVOCATION = 16;

export const matmulLayernorm = defineKernel({
  name: 'matmul-layernorm',
  shaders: ['matmul-layernorm.wgsl'],
  bindings: ['a: read', 'b: read', 'bias: read', 'residual: read', 'gamma: read', 'beta: read', 'y: write', 'params: uniform'],
  params: ['m: u32', 'n: u32', 'k: u32', 'eps: f32'],
  // WG a power of two (tree reduction); ROW_WORKGROUP says why 64.
  constants: { WG: ROW_WORKGROUP },
  defines: { VEC4: false, BM: ROWS_PER_WORKGROUP, CPT: 1 },
});

export interface MatmulLayernormArgs {
  a: GpuTensor; // [m, k]
  b: GpuTensor; // [n, k] (Linear weight)
  bias: GpuTensor; // [n]
  residual: GpuTensor; // [m, n]
  gamma: GpuTensor; // [n]
  beta: GpuTensor; // [n]
  y: GpuTensor; // [m, n]
  m: number;
  n: number;
  k: number;
  eps: number;
  label?: string;
}

/** Why this kernel cannot take a row of n columns, or undefined when it can. */
export function matmulLayernormUnsupported(n: number): string | undefined {
  const perInvocation = Math.ceil(n / matmulLayernorm.resolve().constants.WG);
  const max = MATMUL_LAYERNORM_MAX_COLUMNS_PER_INVOCATION;
  return perInvocation > max ? `rows of ${n} need ${perInvocation} columns per invocation, more than ${max}` : undefined;
}

export function prepareMatmulLayernorm(gpu: Gpu, uniforms: UniformArena, args: MatmulLayernormArgs): Promise<Step> {
  const { m, n, k } = args;
  const label = args.label ?? `matmul+layernorm ${m}x${n}x${k}`;
  for (const [name, v] of Object.entries({ m, n, k })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${label}: ${name} must be a positive integer, got ${v}`);
  }
  const why = matmulLayernormUnsupported(n);
  if (why) throw new Error(`${label}: ${why}`);
  const sizes: [string, GpuTensor, number][] = [['a', args.a, m * k], ['b', args.b, n * k], ['bias', args.bias, n],
    ['residual', args.residual, m * n], ['gamma', args.gamma, n], ['beta', args.beta, n], ['y', args.y, m * n]];
  for (const [name, t, want] of sizes) {
    if (numel(t.shape) < want) throw new Error(`${label}: "${name}" (${t.label}, [${t.shape}]) has ${numel(t.shape)} elements, needs ${want}`);
  }
  const { constants, defines } = matmulLayernorm.resolve();
  const workgroups = Math.ceil(m / defines.BM);
  if (workgroups > 65535) throw new Error(`${label}: ${m} rows need ${workgroups} workgroups, more than 65535`);
  return matmulLayernorm.prepare(gpu, {
    variant: { defines: { VEC4: k % 4 === 0, CPT: Math.ceil(n / constants.WG) } },
    tensors: { a: args.a, b: args.b, bias: args.bias, residual: args.residual, gamma: args.gamma, beta: args.beta, y: args.y },
    params: { m, n, k, eps: args.eps },
    workgroups: [workgroups, 1, 1],
    uniforms,
    label,
  });
}
