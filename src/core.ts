// What both entry points (node.ts, browser.ts) export: everything except how a device is obtained.
export * from './gpu/device.ts';
export * from './gpu/errors.ts';
export * from './gpu/tensor.ts';
export { UniformArena } from './gpu/uniforms.ts';
export { cachedPipelineCount } from './gpu/pipeline-cache.ts';
export * from './kernels/kernel.ts';
export * from './kernels/registry.ts';
