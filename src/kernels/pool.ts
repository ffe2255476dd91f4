// Sentence-embedding pooling (pool.wgsl): every pooling mode of sentence-transformers' Pooling module, one
// dispatch each, writing side by side into one output row when several are concatenated; optional L2
// normalisation (also sentence-transformers' Normalize module, as CLS over sequences of one).
import type { Gpu } from '../gpu/device.ts';
import { numel, type GpuTensor } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { defineKernel, grid1d, ROW_WORKGROUP, rowSubgroups, type Step } from './kernel.ts';

export const pool = defineKernel({
  name: 'pool',
  shaders: ['reduce.wgsl', 'pool.wgsl'],
  bindings: ['x: read', 'mask: read if MASKED_MODE', 'y: write', 'params: uniform'],
  params: ['batch: u32', 'seq_len: u32', 'hidden: u32', 'eps: f32', 'y_offset: u32', 'y_ld: u32'],
  // One workgroup per sequence, like the row kernels (see ROW_WORKGROUP); a power of two for the reduction.
  constants: { WG: ROW_WORKGROUP },
  defines: { MASKED_MODE: false, MEAN_SQRT: false, WEIGHTED: false, MAX: false, LAST: false, NORMALIZE: false, SUBGROUPS: false },
});

/** The two modes of the library's own pooling option (featureExtraction's `pooling`). */
export type PoolingMode = 'cls' | 'mean';
/** Every mode of sentence-transformers' Pooling module, in the order it concatenates them. */
export const SENTENCE_POOLING_MODES = ['cls', 'max', 'mean', 'mean_sqrt_len_tokens', 'weightedmean', 'lasttoken'] as const;
export type SentencePoolingMode = (typeof SENTENCE_POOLING_MODES)[number];

/** torch.nn.functional.normalize's default eps: a zero vector stays zero instead of becoming NaN. */
export const NORMALIZE_EPS = 1e-12;

export interface PoolArgs {
  x: GpuTensor; // [batch*seqLen, hidden]
  /** [batch, seqLen] additive pooling-mask bias (0 keep, <= -1e30 drop); required for every mode but 'cls'. */
  mask?: GpuTensor;
  y: GpuTensor; // [batch, yLd]
  batch: number;
  seqLen: number;
  hidden: number;
  mode: SentencePoolingMode;
  normalize?: boolean;
  /** This mode's first column in y and y's row width (default 0 and hidden). */
  yOffset?: number;
  yLd?: number;
  label?: string;
}

export function preparePool(gpu: Gpu, uniforms: UniformArena, args: PoolArgs): Promise<Step> {
  const { batch, seqLen, hidden, mode } = args;
  const yOffset = args.yOffset ?? 0;
  const yLd = args.yLd ?? hidden;
  const label = args.label ?? `pool ${mode} ${batch}x${seqLen}x${hidden}`;
  if (!(SENTENCE_POOLING_MODES as readonly string[]).includes(mode)) throw new Error(`${label}: pooling must be one of ${SENTENCE_POOLING_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  const masked = mode !== 'cls';
  if (masked && !args.mask) throw new Error(`${label}: ${mode} pooling needs the pooling mask`);
  if (yOffset + hidden > yLd) throw new Error(`${label}: columns ${yOffset}..${yOffset + hidden} do not fit rows of ${yLd}`);
  for (const [name, t, want] of [['x', args.x, batch * seqLen * hidden], ['y', args.y, batch * yLd], ['mask', args.mask, batch * seqLen]] as const) {
    if (t && numel(t.shape) < want) throw new Error(`${label}: "${name}" has ${numel(t.shape)} elements, needs ${want}`);
  }
  const defines = {
    MASKED_MODE: masked, MEAN_SQRT: mode === 'mean_sqrt_len_tokens', WEIGHTED: mode === 'weightedmean', MAX: mode === 'max', LAST: mode === 'lasttoken',
    NORMALIZE: Boolean(args.normalize), SUBGROUPS: rowSubgroups(gpu),
  };
  return pool.prepare(gpu, {
    variant: { defines },
    tensors: { x: args.x, mask: masked ? args.mask : undefined, y: args.y },
    params: { batch, seq_len: seqLen, hidden, eps: NORMALIZE_EPS, y_offset: yOffset, y_ld: yLd },
    workgroups: grid1d(batch),
    grid: `${batch} sequences, one workgroup each`,
    uniforms,
    label,
  });
}
