// Matmul with fused epilogue: C = act(alpha * A . op(B) + bias) + residual, batched with strides.
// Two kernels (naive baseline, tiled) and a small set of tile configurations; `autotune.ts` picks one.
import type { Gpu } from '../gpu/device.ts';
import { numel, type GpuTensor } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { defineKernel, type Step } from './kernel.ts';

/** How B is stored (shaders/weights.wgsl): f32, or packed f16 / bf16 / int8 with GROUP columns per scale. */
export const WEIGHT_DEFINES = { W_PACKED: false, W_F16: false, W_BF16: false, W_I8: false, GROUP: 64 };
const EPILOGUE_DEFINES = {
  VEC4: false, TRANS_B: false, HAS_BIAS: false, HAS_RESIDUAL: false, GELU_ERF: false, GELU_TANH: false, TANH: false, RELU: false, SILU: false, GLU: false,
  ...WEIGHT_DEFINES,
};
const BINDINGS = ['a: read', 'b: read', 'c: write', 'bias: read if HAS_BIAS', 'residual: read if HAS_RESIDUAL', 'params: uniform', 'b_scales: read if W_I8'];
const PARAMS = ['m: u32', 'n: u32', 'k: u32', 'lda: u32', 'ldb: u32', 'ldc: u32', 'batch_inner: u32',
  'a_outer: u32', 'a_inner: u32', 'b_outer: u32', 'b_inner: u32', 'c_outer: u32', 'c_inner: u32',
  'a_offset: u32', 'b_offset: u32', 'c_offset: u32', 'bias_offset: u32', 'alpha: f32'];

export const matmulNaive = defineKernel({
  name: 'matmul-naive',
  shaders: ['activations.wgsl', 'matmul-common.wgsl', 'weights.wgsl', 'matmul-naive.wgsl'],
  bindings: BINDINGS,
  params: PARAMS,
  constants: { WG_X: 16, WG_Y: 16 },
  defines: EPILOGUE_DEFINES,
});

export const matmulTiled = defineKernel({
  name: 'matmul-tiled',
  shaders: ['activations.wgsl', 'matmul-common.wgsl', 'weights.wgsl', 'matmul-tile.wgsl', 'matmul-tiled.wgsl'],
  bindings: BINDINGS,
  params: PARAMS,
  constants: { BM: 64, BN: 64, BK: 16 },
  defines: { ...EPILOGUE_DEFINES, TM: 4, TN: 4 },
});

export const matmulRegister = defineKernel({
  name: 'matmul-register',
  shaders: ['activations.wgsl', 'matmul-common.wgsl', 'weights.wgsl', 'matmul-register.wgsl'],
  bindings: BINDINGS,
  params: PARAMS,
  constants: { WG_X: 8, WG_Y: 8 },
  defines: { ...EPILOGUE_DEFINES, TM: 4, TN: 4 },
});

export const matmulUnrolled = defineKernel({
  name: 'matmul-unrolled',
  shaders: ['activations.wgsl', 'matmul-common.wgsl', 'weights.wgsl', 'matmul-unrolled.wgsl'],
  bindings: BINDINGS,
  params: PARAMS,
  constants: { WG_X: 8, WG_Y: 8 },
  // vec4 loads only: prepareMatmul sends unaligned operands to matmul-register.
  defines: { ...EPILOGUE_DEFINES, VEC4: true },
});

export const matmulGpu = defineKernel({
  name: 'matmul-gpu',
  shaders: ['activations.wgsl', 'matmul-common.wgsl', 'weights.wgsl', 'matmul-tile.wgsl', 'matmul-gpu.wgsl'],
  bindings: BINDINGS,
  params: PARAMS,
  constants: { BM: 64, BN: 64, BK: 8 },
  defines: { ...EPILOGUE_DEFINES, TM: 4, TN: 4 },
});

/** A named way to run matmul: the naive kernel, a tile shape of the tiled one, or a register tile. */
export interface MatmulConfig {
  name: string;
  kernel: 'naive' | 'tiled' | 'register' | 'unrolled' | 'gpu';
  /** Tile shape (tiled, gpu): block BM x BN, k-slice BK, register tile TM x TN per invocation. */
  tile?: { BM: number; BN: number; BK: number; TM: number; TN: number };
  /** Register tile (register): TM x TN outputs per invocation, no workgroup memory. */
  regs?: { TM: number; TN: number };
}

/**
 * The configurations the autotuner chooses among. The tiled ones use 256 invocations (the WebGPU default
 * limit) and at most 8 KiB of workgroup memory (the default limit is 16 KiB); they differ in how much work
 * each invocation does: big register tiles amortise loads on GPUs with many registers, small blocks waste
 * less on edges and small m (one sequence). The register ones use no workgroup memory and no barrier:
 * on SwiftShader (128x768x768, B [n,k]) reg8x8 ran at 0.61 GFLOP/s against 0.31 for naive and for the best
 * tiled shape, because there every barrier switches the coroutines of all invocations.
 */
export const MATMUL_CONFIGS: readonly MatmulConfig[] = [
  { name: 'naive', kernel: 'naive' },
  { name: 'tile64x64-k16-r4x4', kernel: 'tiled', tile: { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4 } },
  { name: 'tile128x64-k8-r8x4', kernel: 'tiled', tile: { BM: 128, BN: 64, BK: 8, TM: 8, TN: 4 } },
  { name: 'tile32x64-k16-r2x4', kernel: 'tiled', tile: { BM: 32, BN: 64, BK: 16, TM: 2, TN: 4 } },
  { name: 'tile16x64-k32-r1x4', kernel: 'tiled', tile: { BM: 16, BN: 64, BK: 32, TM: 1, TN: 4 } },
  { name: 'reg4x8', kernel: 'register', regs: { TM: 4, TN: 8 } },
  { name: 'reg8x8', kernel: 'register', regs: { TM: 8, TN: 8 } },
  // 4 x 4 with named registers (matmul-unrolled.wgsl); unaligned operands run as reg4x4 instead.
  { name: 'unrolled4x4', kernel: 'unrolled', regs: { TM: 4, TN: 4 } },
  // Shaped for GPUs (matmul-gpu.wgsl: vec4 coalesced loads, padded tiles, double-buffered k-steps), from
  // large blocks for many tokens to small ones that still give a few hundred workgroups at one sequence of
  // 128 tokens (BERT-base's 768 columns: 384 workgroups of 16 x 16). 6-10 KiB of workgroup memory each.
  { name: 'gpu64x64-k8-r4x4', kernel: 'gpu', tile: { BM: 64, BN: 64, BK: 8, TM: 4, TN: 4 } },
  { name: 'gpu32x32-k16-r2x2', kernel: 'gpu', tile: { BM: 32, BN: 32, BK: 16, TM: 2, TN: 2 } },
  { name: 'gpu16x32-k16-r2x2', kernel: 'gpu', tile: { BM: 16, BN: 32, BK: 16, TM: 2, TN: 2 } },
  { name: 'gpu16x16-k32-r2x2', kernel: 'gpu', tile: { BM: 16, BN: 16, BK: 32, TM: 2, TN: 2 } },
];

export const DEFAULT_MATMUL_CONFIG = MATMUL_CONFIGS[1];

/** The configuration a gated matmul runs when the one asked for cannot pair columns (naive, tiled). */
export const GLU_FALLBACK = 'reg4x8';

/** The occupancy report's why for a tiled output: row blocks x column blocks (x batch). */
const tiles = (m: number, n: number, bm: number, bn: number, batch: number) =>
  `ceil(${m} / ${bm}) x ceil(${n} / ${bn}) output tiles${batch > 1 ? ` x ${batch}` : ''}`;

/** Whether a configuration computes gated (GLU) matmuls itself rather than through GLU_FALLBACK. */
export const takesGlu = (c: MatmulConfig) => c.kernel === 'register' || c.kernel === 'unrolled';

export function matmulConfig(name: string): MatmulConfig {
  const c = MATMUL_CONFIGS.find((x) => x.name === name);
  if (!c) throw new Error(`unknown matmul config "${name}" (known: ${MATMUL_CONFIGS.map((x) => x.name).join(', ')})`);
  return c;
}

export type Activation = 'none' | 'gelu' | 'gelu_tanh' | 'tanh' | 'relu' | 'silu';

export interface MatmulArgs {
  a: GpuTensor;
  b: GpuTensor;
  c: GpuTensor;
  bias?: GpuTensor;
  residual?: GpuTensor;
  m: number;
  n: number;
  k: number;
  /** B stored [n, k] (a PyTorch Linear weight) instead of [k, n]. */
  transB?: boolean;
  activation?: Activation;
  /**
   * Gated output (GeGLU, SwiGLU): B's n rows are n/2 pairs (2c, 2c+1) and C gets n/2 columns,
   * C[r, c] = act(v[2c]) * v[2c+1] (+ residual), v = alpha * A . op(B) + bias. Runs on the register kernels.
   */
  glu?: boolean;
  alpha?: number;
  /** Row strides in elements; default dense (k, transB ? k : n, n/2 with glu). */
  lda?: number;
  ldb?: number;
  ldc?: number;
  /** Batch count and element strides [outer, inner] of each operand; z = outer * inner + inner. Default: one matrix. */
  batch?: { count: number; inner?: number; a: [number, number]; b: [number, number]; c: [number, number] };
  /** Element offset of the first matrix in each operand (C's also applies to the residual), and of the bias. Default 0. */
  offsets?: { a?: number; b?: number; c?: number; bias?: number };
  config?: MatmulConfig;
  label?: string;
}

/** Largest element index a strided operand touches, to refuse views that are too small. */
function lastIndex(rows: number, cols: number, ld: number, offsets: number): number {
  return offsets + (rows - 1) * ld + cols - 1;
}

export async function prepareMatmul(gpu: Gpu, uniforms: UniformArena, args: MatmulArgs): Promise<Step> {
  const { m, n, k } = args;
  const label = args.label ?? `matmul ${m}x${n}x${k}`;
  for (const [name, v] of Object.entries({ m, n, k })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${label}: ${name} must be a positive integer, got ${v}`);
  }
  const transB = args.transB ?? false;
  const lda = args.lda ?? k;
  const ldb = args.ldb ?? (transB ? k : n);
  const glu = Boolean(args.glu);
  if (glu && (n % 2 || !transB)) throw new Error(`${label}: a gated (GLU) matmul needs an even n and B as [n, k], got n ${n}${transB ? '' : ', B [k, n]'}`);
  const cols = glu ? n / 2 : n;
  const ldc = args.ldc ?? cols;
  const batch = args.batch ?? { count: 1, inner: 1, a: [0, 0], b: [0, 0], c: [0, 0] };
  const inner = batch.inner ?? 1;
  const outerMax = Math.floor((batch.count - 1) / inner);
  const innerMax = Math.min(batch.count - 1, inner - 1);
  const off = { a: args.offsets?.a ?? 0, b: args.offsets?.b ?? 0, c: args.offsets?.c ?? 0 };
  const maxOffset = (s: [number, number], base: number) => base + outerMax * s[0] + innerMax * s[1];
  const checks: [string, GpuTensor | undefined, number][] = [
    ['a', args.a, lastIndex(m, k, lda, maxOffset(batch.a, off.a))],
    ['b', args.b, transB ? lastIndex(n, k, ldb, maxOffset(batch.b, off.b)) : lastIndex(k, n, ldb, maxOffset(batch.b, off.b))],
    ['c', args.c, lastIndex(m, cols, ldc, maxOffset(batch.c, off.c))],
    ['residual', args.residual, lastIndex(m, cols, ldc, maxOffset(batch.c, off.c))],
    ['bias', args.bias, (args.offsets?.bias ?? 0) + n - 1],
  ];
  for (const [name, t, last] of checks) {
    if (t && last >= numel(t.shape)) throw new Error(`${label}: "${name}" (${t.label}, [${t.shape}]) is too small: needs index ${last}`);
  }
  const activation = args.activation ?? 'none';
  const packed = weightDefines(args.b, transB, off.b + batch.b[0] * outerMax + batch.b[1] * innerMax, label);
  if (packed.W_I8 && (batch.count > 1 || ldb !== k)) throw new Error(`${label}: an i8 B is one dense [n, k] matrix`);
  const defines = {
    ...packed,
    TRANS_B: transB, HAS_BIAS: Boolean(args.bias), HAS_RESIDUAL: Boolean(args.residual),
    GELU_ERF: activation === 'gelu', GELU_TANH: activation === 'gelu_tanh', TANH: activation === 'tanh',
    RELU: activation === 'relu', SILU: activation === 'silu', GLU: glu,
  };
  const params = {
    m, n, k, lda, ldb, ldc, batch_inner: inner,
    a_outer: batch.a[0], a_inner: batch.a[1], b_outer: batch.b[0], b_inner: batch.b[1],
    c_outer: batch.c[0], c_inner: batch.c[1], a_offset: off.a, b_offset: off.b, c_offset: off.c,
    bias_offset: args.offsets?.bias ?? 0, alpha: args.alpha ?? 1,
  };
  const tensors = { a: args.a, b: args.b, c: args.c, bias: args.bias, residual: args.residual, b_scales: args.b.scales };
  // GLU pairs adjacent columns inside one invocation: only the register kernels own such pairs.
  const asked = args.config ?? DEFAULT_MATMUL_CONFIG;
  const config = glu && !takesGlu(asked) ? matmulConfig(GLU_FALLBACK) : asked;
  if (config.kernel === 'naive') {
    const { constants } = matmulNaive.resolve();
    const workgroups: [number, number, number] = [Math.ceil(n / constants.WG_X), Math.ceil(m / constants.WG_Y), batch.count];
    return matmulNaive.prepare(gpu, { variant: { defines }, tensors, params, workgroups, uniforms, grid: tiles(m, n, constants.WG_Y, constants.WG_X, batch.count), label: `${label} ${config.name}${packed.W_PACKED ? ` ${args.b.dtype}` : ''}` });
  }
  // vec4 loads need every row of A and B to start on a multiple of 4 elements, and k to be one; B as [k, n]
  // read as vec4 along n (matmul-unrolled) needs n to be one too.
  const strides = [k, lda, ldb, off.a, off.b, ...batch.a, ...batch.b];
  const aligned = strides.every((s) => s % 4 === 0);
  const vec4 = transB && aligned;
  if (config.kernel === 'unrolled' && aligned && (transB || n % 4 === 0)) {
    const { constants } = matmulUnrolled.resolve();
    const workgroups: [number, number, number] = [Math.ceil(n / (constants.WG_X * 4)), Math.ceil(m / (constants.WG_Y * 4)), batch.count];
    return matmulUnrolled.prepare(gpu, { variant: { defines: { ...defines, VEC4: true } }, tensors, params, workgroups, uniforms, grid: tiles(m, n, constants.WG_Y * 4, constants.WG_X * 4, batch.count), label: `${label} ${config.name}` });
  }
  if (config.kernel === 'register' || config.kernel === 'unrolled') {
    const { TM, TN } = config.regs!;
    const { constants } = matmulRegister.resolve();
    const workgroups: [number, number, number] = [Math.ceil(n / (constants.WG_X * TN)), Math.ceil(m / (constants.WG_Y * TM)), batch.count];
    return matmulRegister.prepare(gpu, { variant: { defines: { ...defines, VEC4: vec4, TM, TN } }, tensors, params, workgroups, uniforms, grid: tiles(m, n, constants.WG_Y * TM, constants.WG_X * TN, batch.count), label: `${label} ${config.name}${vec4 ? ' vec4' : ''}` });
  }
  const { BM, BN, BK, TM, TN } = config.tile!;
  if (config.kernel === 'gpu') {
    const variant = { constants: { BM, BN, BK }, defines: { ...defines, TM, TN, VEC4: aligned && (transB || n % 4 === 0) } };
    const workgroups: [number, number, number] = [Math.ceil(n / BN), Math.ceil(m / BM), batch.count];
    return matmulGpu.prepare(gpu, { variant, tensors, params, workgroups, uniforms, grid: tiles(m, n, BM, BN, batch.count), label: `${label} ${config.name}` });
  }
  const variant = { constants: { BM, BN, BK }, defines: { ...defines, TM, TN } };
  const workgroups: [number, number, number] = [Math.ceil(n / BN), Math.ceil(m / BM), batch.count];
  return matmulTiled.prepare(gpu, { variant, tensors, params, workgroups, uniforms, grid: tiles(m, n, BM, BN, batch.count), label: `${label} ${config.name}` });
}

/**
 * The weight-format defines for a B tensor, and the checks its format needs: packed formats are read as
 * [n, k] (TRANS_B, a Linear weight or a table), int8 from element 0 with its scales and a group that is a
 * multiple of 4 (a vec4 load shares one scale).
 */
export function weightDefines(b: GpuTensor, transB: boolean, offset: number, label: string): typeof WEIGHT_DEFINES {
  const d = b.dtype;
  if (d === 'f32') return { ...WEIGHT_DEFINES };
  if (d !== 'f16' && d !== 'bf16' && d !== 'i8') throw new Error(`${label}: B must be f32, f16, bf16 or i8, got ${d}`);
  if (!transB) throw new Error(`${label}: a ${d} B must be stored [n, k] (transB)`);
  if (d === 'i8') {
    if (!b.scales || !b.group) throw new Error(`${label}: the i8 B (${b.label}) has no scales`);
    if (b.group % 4 !== 0) throw new Error(`${label}: int8 group size ${b.group} is not a multiple of 4`);
    if (offset !== 0) throw new Error(`${label}: an i8 B is read from its first element (offset ${offset})`);
    const [rows, cols] = b.shape;
    const want = rows * Math.ceil(cols / b.group);
    if (numel(b.scales.shape) < want) throw new Error(`${label}: ${b.label} needs ${want} scales, has ${numel(b.scales.shape)}`);
  }
  return { W_PACKED: true, W_F16: d === 'f16', W_BF16: d === 'bf16', W_I8: d === 'i8', GROUP: b.group ?? WEIGHT_DEFINES.GROUP };
}

/** 2*m*n*k per matrix: the FLOP count GFLOP/s figures use. */
export function matmulFlops(m: number, n: number, k: number, batch = 1): number {
  return 2 * m * n * k * batch;
}
