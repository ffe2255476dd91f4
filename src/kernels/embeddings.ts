// Word (+ position) (+ token-type) embeddings, LayerNorm fused or not (embeddings.wgsl).
import type { Gpu } from '../gpu/device.ts';
import { numel, type GpuTensor } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { defineKernel, grid1d, ROW_WORKGROUP, rowSubgroups, type Step } from './kernel.ts';

export const embeddings = defineKernel({
  name: 'embeddings',
  shaders: ['reduce.wgsl', 'embeddings.wgsl'],
  bindings: ['ids: read', 'positions: read if HAS_POSITION', 'token_types: read if HAS_TOKEN_TYPE', 'word: read',
    'position: read if HAS_POSITION', 'token_type: read if HAS_TOKEN_TYPE', 'gamma: read if FUSE_LN', 'beta: read if HAS_BETA',
    'y: write', 'params: uniform'],
  params: ['tokens: u32', 'h: u32', 'row_begin: u32', 'row_count: u32', 'max_pos: u32', 'types: u32', 'eps: f32'],
  constants: { WG: ROW_WORKGROUP },
  defines: {
    FUSE_LN: true, HAS_BETA: true, HAS_POSITION: true, HAS_TOKEN_TYPE: true,
    WORD_F16: false, WORD_BF16: false, POS_F16: false, POS_BF16: false, TYPE_F16: false, TYPE_BF16: false, SUBGROUPS: false,
  },
});

export interface EmbeddingsArgs {
  ids: GpuTensor; // [batch * seq] u32
  word: GpuTensor; // [rows, h]: rows [rowBegin, rowBegin + rows) of the vocabulary
  /** First vocabulary row of `word` (a block of a table split over bindings); default 0. */
  rowBegin?: number;
  positions?: GpuTensor; // [batch * seq] u32, with position
  position?: GpuTensor; // [maxPos, h]
  tokenTypes?: GpuTensor; // [batch * seq] u32, with tokenType
  tokenType?: GpuTensor; // [types, h]
  gamma?: GpuTensor; // [h], LayerNorm fused (beta optional)
  beta?: GpuTensor;
  y: GpuTensor; // [batch * seq, h]
  eps?: number;
  label?: string;
}

export function prepareEmbeddings(gpu: Gpu, uniforms: UniformArena, args: EmbeddingsArgs): Promise<Step> {
  const tokens = numel(args.ids.shape);
  const [rows, h] = args.word.shape;
  const label = args.label ?? `embeddings ${tokens}x${h}`;
  if (args.ids.dtype !== 'u32') throw new Error(`${label}: ids must be u32`);
  if (Boolean(args.position) !== Boolean(args.positions)) throw new Error(`${label}: a position table needs position ids, and ids a table`);
  if (Boolean(args.tokenType) !== Boolean(args.tokenTypes)) throw new Error(`${label}: a token-type table needs token type ids, and ids a table`);
  for (const [name, ids] of [['positions', args.positions], ['tokenTypes', args.tokenTypes]] as const) {
    if (ids && (ids.dtype !== 'u32' || numel(ids.shape) !== tokens)) throw new Error(`${label}: ${name} must be ${tokens} u32 values`);
  }
  for (const [name, table] of [['position', args.position], ['tokenType', args.tokenType]] as const) {
    if (table && table.shape[1] !== h) throw new Error(`${label}: the ${name} table has width ${table.shape[1]}, the word table ${h}`);
  }
  if (args.beta && !args.gamma) throw new Error(`${label}: beta without gamma`);
  if (numel(args.y.shape) < tokens * h) throw new Error(`${label}: "y" needs ${tokens * h} elements`);
  const fuseLn = Boolean(args.gamma);
  for (const [name, table] of [['word', args.word], ['position', args.position], ['tokenType', args.tokenType]] as const) {
    if (table && table.dtype !== 'f32' && table.dtype !== 'f16' && table.dtype !== 'bf16') throw new Error(`${label}: the ${name} table must be f32, f16 or bf16, got ${table.dtype}`);
  }
  const is = (t: GpuTensor | undefined, d: 'f16' | 'bf16') => t?.dtype === d;
  return embeddings.prepare(gpu, {
    variant: {
      defines: {
        FUSE_LN: fuseLn, HAS_BETA: fuseLn && Boolean(args.beta), HAS_POSITION: Boolean(args.position), HAS_TOKEN_TYPE: Boolean(args.tokenType),
        WORD_F16: is(args.word, 'f16'), WORD_BF16: is(args.word, 'bf16'), POS_F16: is(args.position, 'f16'), POS_BF16: is(args.position, 'bf16'),
        TYPE_F16: is(args.tokenType, 'f16'), TYPE_BF16: is(args.tokenType, 'bf16'), SUBGROUPS: rowSubgroups(gpu),
      },
    },
    tensors: { ids: args.ids, positions: args.positions, token_types: args.tokenTypes, word: args.word, position: args.position,
      token_type: args.tokenType, gamma: args.gamma, beta: args.beta, y: args.y },
    params: {
      tokens, h, row_begin: args.rowBegin ?? 0, row_count: rows,
      max_pos: args.position?.shape[0] ?? 1, types: args.tokenType?.shape[0] ?? 1, eps: args.eps ?? 1e-12,
    },
    workgroups: grid1d(tokens),
    grid: `${tokens} tokens, one workgroup each`,
    uniforms,
    label,
  });
}
