/// <reference types="@webgpu/types" preserve="true" />
// Entry point for Node (Dawn through the npm package "webgpu", an optional peer dependency): registers the
// WGSL sources, the default device and where tunings persist, and exports the library API (api.ts) with this
// platform's device factory. The package's `exports` pick it by condition.
import './shaders-node.ts';
import { createNodeGpu } from './gpu/node.ts';
import { setDefaultGpuFactory, setTuningStore } from './api.ts';
import { nodeTuningStore } from './kernels/tuning-node.ts';

export * from './api.ts';
export { createNodeGpu, type NodeGpuOptions } from './gpu/node.ts';
setDefaultGpuFactory(() => createNodeGpu());
setTuningStore(nodeTuningStore());
