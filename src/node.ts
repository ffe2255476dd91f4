// Entry point for Node (Dawn through the npm package "webgpu").
import './shaders-node.ts';

export * from './core.ts';
export { createNodeGpu, type NodeGpuOptions } from './gpu/node.ts';
