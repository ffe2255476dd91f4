/// <reference types="@webgpu/types" preserve="true" />
// 'webgpu-bert/lab': the parts for researchers and tests, apart from the main entry's curated API — kernels
// and their registry, tensors, the uniform arena and pipeline cache, the matmul autotuner and attention
// variants, the checkpoint loader and generator, the float64 reference (kernel twins, ReferenceModel) and the
// comparison helper with its tolerances. A device comes from the main entry (createNodeGpu, createBrowserGpu),
// which also registers the WGSL sources the kernels compile.
export * from './gpu/device.ts';
export * from './gpu/errors.ts';
export * from './gpu/tensor.ts';
export { UniformArena } from './gpu/uniforms.ts';
export { cachedPipelineCount, compileSpent } from './gpu/pipeline-cache.ts';
export { median, summarize, timeSteps, type Timing, type TimingMethod } from './kernels/timer.ts';
export { registerShaderSources, shaderFileNames } from './gpu/shaders.ts';
export * from './kernels/kernel.ts';
export * from './kernels/registry.ts';
export { uploadWeights, WeightArena } from './runtime/upload.ts';
export { loadCheckpoint, type LoadedCheckpoint, type CheckpointFiles } from './model/source.ts';
export { parseConfig, FAMILIES } from './families/index.ts';
export {
  ARCHITECTURES, DEFAULT_MODEL_OPTIONS, FAMILY_ARCHITECTURES, defaultVocabulary, generateCheckpoint, generateWeights,
  type Architecture, type GenerateOptions,
} from './model/generate.ts';
export { parseSafetensors, tensorToFloat32, writeSafetensors } from './model/safetensors.ts';
export { ReferenceModel } from './reference/model.ts';
export * from './reference/kernels.ts';
export * from './reference/compare.ts';
export { Rng } from './random.ts';
