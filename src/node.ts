/// <reference types="@webgpu/types" preserve="true" />
// Entry point for Node (Dawn through the npm package "webgpu", an optional peer dependency): registers the
// WGSL sources and the default device, and exports the library API (api.ts) with this platform's device factory. The package's `exports` pick it by condition.
import './shaders-node.ts';
import { createNodeGpu } from './gpu/node.ts';
import { setDefaultGpuFactory } from './api.ts';

export * from './api.ts';
export { createNodeGpu, type NodeGpuOptions } from './gpu/node.ts';
setDefaultGpuFactory(() => createNodeGpu());
