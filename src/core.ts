// What both entry points (node.ts, browser.ts) export: everything except how a device is obtained.
export * from './gpu/device.ts';
export * from './gpu/errors.ts';
export * from './gpu/tensor.ts';
export { UniformArena } from './gpu/uniforms.ts';
export { cachedPipelineCount } from './gpu/pipeline-cache.ts';
export * from './kernels/kernel.ts';
export * from './kernels/registry.ts';
export * from './graph/model.ts';
export { uploadWeights, WeightArena } from './graph/weights-gpu.ts';
export { loadCheckpoint, type CheckpointFiles } from './model/source.ts';
export { parseConfig, FAMILIES } from './families/index.ts';
export type { EncoderConfig } from './families/config.ts';
export type { Heads } from './families/family.ts';
export { CheckpointError } from './model/errors.ts';
export {
  loadTokenizer, readTokenizerFiles, Tokenizer, TokenizerError,
  type DecodeOptions, type EncodeBatchOptions, type EncodeOptions, type Encoding, type TokenizerFiles, type TokenizerOptions,
} from './tokenizer/index.ts';
export * from './reference/compare.ts';
