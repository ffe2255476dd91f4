// One Vite config serves the demo, the browser test harness and the browser benchmarks from the repo root.
import { defineConfig } from 'vite';

export default defineConfig({
  root: '.',
  // Relative asset URLs, so the built demo works wherever dist/demo is served from (a subfolder included).
  base: './',
  // WebGPU needs a secure context: 127.0.0.1 is one, a LAN address is not.
  server: { host: '127.0.0.1', strictPort: true },
  preview: { host: '127.0.0.1', strictPort: true },
  build: {
    target: 'es2022',
    outDir: 'dist/demo',
    // The demo pages only: the test harness and benchmark pages are served by the dev server, never built.
    // Paths are kept relative to the root, so the build serves them at /demo/ as the dev server does.
    rolldownOptions: { input: { demo: 'demo/index.html', bench: 'demo/bench.html' } },
  },
  // The peers are reached only through lazy imports Vite's start-up scan cannot follow: listed here they are
  // bundled at start-up, not mid-page (which reloads the page under a running benchmark or test).
  optimizeDeps: { include: ['wgsl-preprocessor/wgsl-preprocessor.js', '@huggingface/transformers', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu'] },
});
