// Entry point for Node (Dawn through the npm package "webgpu").
import './shaders-node.ts';
import { createNodeGpu } from './gpu/node.ts';
import { setDefaultGpuFactory } from './index.ts';

export * from './core.ts';
export { createNodeGpu, type NodeGpuOptions } from './gpu/node.ts';
// The library API (loadModel, the tasks); loadModel's default device is a Dawn device.
export * from './index.ts';
setDefaultGpuFactory(() => createNodeGpu());
