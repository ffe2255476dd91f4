// Word + position + token-type embeddings, LayerNorm fused or not (embeddings.wgsl).
import type { Gpu } from '../gpu/device.ts';
import { numel, type GpuTensor } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import { defineKernel, grid1d, ROW_WORKGROUP, type Step } from './kernel.ts';

export const embeddings = defineKernel({
  name: 'embeddings',
  shaders: ['reduce.wgsl', 'embeddings.wgsl'],
  bindings: ['ids: read', 'token_types: read', 'word: read', 'position: read', 'token_type: read',
    'gamma: read if FUSE_LN', 'beta: read if FUSE_LN', 'y: write', 'params: uniform'],
  params: ['tokens: u32', 'h: u32', 'seq_len: u32', 'vocab: u32', 'max_pos: u32', 'types: u32', 'eps: f32'],
  constants: { WG: ROW_WORKGROUP },
  defines: { FUSE_LN: true },
});

export interface EmbeddingsArgs {
  ids: GpuTensor; // [batch * seq] u32
  tokenTypes: GpuTensor; // [batch * seq] u32
  word: GpuTensor; // [vocab, h]
  position: GpuTensor; // [maxPos, h]
  tokenType: GpuTensor; // [types, h]
  gamma?: GpuTensor; // [h], with beta: LayerNorm fused
  beta?: GpuTensor;
  y: GpuTensor; // [batch * seq, h]
  seqLen: number;
  eps?: number;
  label?: string;
}

export function prepareEmbeddings(gpu: Gpu, uniforms: UniformArena, args: EmbeddingsArgs): Promise<Step> {
  const tokens = numel(args.ids.shape);
  const [vocab, h] = args.word.shape;
  const label = args.label ?? `embeddings ${tokens}x${h}`;
  if (args.ids.dtype !== 'u32' || args.tokenTypes.dtype !== 'u32') throw new Error(`${label}: ids and token types must be u32`);
  if (numel(args.tokenTypes.shape) !== tokens) throw new Error(`${label}: ${numel(args.tokenTypes.shape)} token types for ${tokens} ids`);
  if (args.position.shape[1] !== h || args.tokenType.shape[1] !== h) throw new Error(`${label}: embedding tables disagree on hidden size`);
  if (args.seqLen > args.position.shape[0]) throw new Error(`${label}: sequence length ${args.seqLen} exceeds ${args.position.shape[0]} positions`);
  if (tokens % args.seqLen) throw new Error(`${label}: ${tokens} tokens is not a whole number of sequences of ${args.seqLen}`);
  if (numel(args.y.shape) < tokens * h) throw new Error(`${label}: "y" needs ${tokens * h} elements`);
  const fuseLn = Boolean(args.gamma && args.beta);
  return embeddings.prepare(gpu, {
    variant: { defines: { FUSE_LN: fuseLn } },
    tensors: { ids: args.ids, token_types: args.tokenTypes, word: args.word, position: args.position,
      token_type: args.tokenType, gamma: args.gamma, beta: args.beta, y: args.y },
    params: { tokens, h, seq_len: args.seqLen, vocab, max_pos: args.position.shape[0], types: args.tokenType.shape[0], eps: args.eps ?? 1e-12 },
    workgroups: grid1d(tokens),
    uniforms,
    label,
  });
}
