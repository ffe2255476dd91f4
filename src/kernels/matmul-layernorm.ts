// Dense layer + bias + residual + LayerNorm in one dispatch (matmul-layernorm.wgsl): the attention-output
// and FFN-output blocks of a BERT layer, which would otherwise be a matmul and a LayerNorm.
import type { Gpu } from '../gpu/device.ts';
import { numel, type GpuTensor } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { defineKernel, ROW_WORKGROUP, type Step } from './kernel.ts';
import { WEIGHT_DEFINES, weightDefines } from './matmul.ts';

/** Rows per workgroup, fixed by the shader's four named accumulators. */
const ROWS = 4;
/** WebGPU's default maxComputeWorkgroupStorageSize: every adapter gives at least this much. */
const WORKGROUP_BYTES = 16384;

/**
 * Widest row: the workgroup holds ROWS rows of v (f32) plus ROWS * WG partial sums in workgroup memory,
 * within the default limit: (16384 - 4 * 64 * 4) / (4 * 4) = 960. BERT-base (768) fits; BERT-large (1024)
 * runs unfused.
 */
export const MATMUL_LAYERNORM_MAX_N = (WORKGROUP_BYTES - ROWS * ROW_WORKGROUP * 4) / (ROWS * 4);

export const matmulLayernorm = defineKernel({
  name: 'matmul-layernorm',
  shaders: ['matmul-layernorm.wgsl', 'weights.wgsl'],
  bindings: ['a: read', 'b: read', 'bias: read', 'residual: read', 'gamma: read', 'beta: read', 'y: write', 'params: uniform', 'b_scales: read if W_I8'],
  params: ['m: u32', 'n: u32', 'k: u32', 'eps: f32'],
  // WG a power of two (tree reduction); ROW_WORKGROUP says why 64. ROW_STRIDE: n rounded up to 4.
  constants: { WG: ROW_WORKGROUP, ROW_STRIDE: 768 },
  defines: { VEC4: false, ...WEIGHT_DEFINES },
});

export interface MatmulLayernormArgs {
  a: GpuTensor; // [m, k]
  b: GpuTensor; // [n, k] (Linear weight): f32, f16, bf16 or i8
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
  return n > MATMUL_LAYERNORM_MAX_N ? `rows of ${n} do not fit its workgroup memory (at most ${MATMUL_LAYERNORM_MAX_N})` : undefined;
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
  const workgroups = Math.ceil(m / ROWS);
  if (workgroups > 65535) throw new Error(`${label}: ${m} rows need ${workgroups} workgroups, more than 65535`);
  return matmulLayernorm.prepare(gpu, {
    variant: { constants: { ROW_STRIDE: Math.ceil(n / 4) * 4 }, defines: { VEC4: k % 4 === 0, ...weightDefines(args.b, true, 0, label) } },
    tensors: { a: args.a, b: args.b, bias: args.bias, residual: args.residual, gamma: args.gamma, beta: args.beta, y: args.y, b_scales: args.b.scales },
    params: { m, n, k, eps: args.eps },
    workgroups: [workgroups, 1, 1],
    grid: `ceil(${m} rows / ${ROWS} per workgroup); each workgroup reads all of B (${n} x ${k})`,
    uniforms,
    label,
  });
}
