// Entry point for the browser (navigator.gpu); bundle it with Vite.
import './shaders-vite.ts';
import { createBrowserGpu } from './gpu/browser.ts';
import { setDefaultGpuFactory } from './index.ts';

export * from './core.ts';
export { createBrowserGpu } from './gpu/browser.ts';
// The library API (loadModel, the tasks); loadModel's default device is navigator.gpu's.
export * from './index.ts';
setDefaultGpuFactory(() => createBrowserGpu());
