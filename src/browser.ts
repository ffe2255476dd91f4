/// <reference types="@webgpu/types" preserve="true" />
// Entry point for the browser (navigator.gpu; bundle it with Vite or any ESM bundler): registers the WGSL
// sources and the default device, and exports the library API (api.ts) with this platform's device factory. The package's `exports` pick it by condition.
import './shaders-vite.ts';
import { createBrowserGpu } from './gpu/browser.ts';
import { setDefaultGpuFactory } from './api.ts';

export * from './api.ts';
export { createBrowserGpu } from './gpu/browser.ts';
setDefaultGpuFactory(() => createBrowserGpu());
