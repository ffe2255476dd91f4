// Row softmax with scale and optional additive mask (softmax.wgsl).
import type { Gpu } from '../gpu/device.ts';
import { numel, type GpuTensor } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { defineKernel, grid1d, ROW_WORKGROUP, rowSubgroups, type Step } from './kernel.ts';

export const softmax = defineKernel({
  name: 'softmax',
  shaders: ['reduce.wgsl', 'softmax.wgsl'],
  bindings: ['x: read', 'mask: read if HAS_MASK', 'y: write', 'params: uniform'],
  params: ['rows: u32', 'n: u32', 'mask_div: u32', 'scale: f32'],
  constants: { WG: ROW_WORKGROUP },
  defines: { HAS_MASK: false, CAUSAL: false, SUBGROUPS: false },
});

/** What the engine adds to the score of a padded key; anything at or below -1e30 counts as masked. */
export const MASK_VALUE = -3.0e38;
/** The mask of keys past the caller's length that only the sequence bucket adds: masked like MASK_VALUE, and
 * below BUCKET_PAD_CUTOFF, so a windowed row with no live key averages the caller's keys only
 * (attention-common.wgsl). */
export const BUCKET_PAD_VALUE = -3.3e38;
export const BUCKET_PAD_CUTOFF = -3.2e38;

export interface SoftmaxArgs {
  x: GpuTensor;
  y: GpuTensor;
  rows: number;
  n: number;
  scale?: number;
  /** Additive mask [maskRows, n]; row r of x uses mask row floor(r / maskDiv). */
  mask?: GpuTensor;
  maskDiv?: number;
  /** Rows are square [.., n, n] score matrices and row r (query r % n) sees keys j <= r % n only. */
  causal?: boolean;
  label?: string;
}

export function prepareSoftmax(gpu: Gpu, uniforms: UniformArena, args: SoftmaxArgs): Promise<Step> {
  const label = args.label ?? `softmax ${args.rows}x${args.n}`;
  const size = args.rows * args.n;
  const maskDiv = args.maskDiv ?? 1;
  if (numel(args.x.shape) < size || numel(args.y.shape) < size) throw new Error(`${label}: x and y need ${size} elements`);
  if (args.mask && numel(args.mask.shape) < Math.ceil(args.rows / maskDiv) * args.n) {
    throw new Error(`${label}: mask [${args.mask.shape}] has fewer than ${Math.ceil(args.rows / maskDiv)} rows of ${args.n}`);
  }
  return softmax.prepare(gpu, {
    variant: { defines: { HAS_MASK: Boolean(args.mask), CAUSAL: Boolean(args.causal), SUBGROUPS: rowSubgroups(gpu) } },
    tensors: { x: args.x, mask: args.mask, y: args.y },
    params: { rows: args.rows, n: args.n, mask_div: maskDiv, scale: args.scale ?? 1 },
    workgroups: grid1d(args.rows),
    grid: `${args.rows} rows, one workgroup each`,
    uniforms,
    label,
  });
}
