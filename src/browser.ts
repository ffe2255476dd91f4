// Entry point for the browser (navigator.gpu); bundle it with Vite.
import './shaders-vite.ts';

export * from './core.ts';
export { createBrowserGpu } from './gpu/browser.ts';
