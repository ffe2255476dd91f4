/// <reference types="@webgpu/types" preserve="true" />
// Entry point for the browser (navigator.gpu; bundle it with Vite or any ESM bundler): registers the WGSL
// sources, the default device and where tunings persist, and exports the library API (api.ts) with this
// platform's device factory. The package's `exports` pick it by condition.
import './shaders-vite.ts';
import { createBrowserGpu } from './gpu/browser.ts';
import { setDefaultGpuFactory, setTuningStore } from './api.ts';
import { browserTuningStore } from './kernels/tuning-browser.ts';

export * from './api.ts';
export { createBrowserGpu } from './gpu/browser.ts';
setDefaultGpuFactory(() => createBrowserGpu());
setTuningStore(browserTuningStore());
