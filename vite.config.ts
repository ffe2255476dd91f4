// One Vite config serves the demo, the browser test harness and the browser benchmarks from the repo root.
import { defineConfig } from 'vite';

export default defineConfig({
  root: '.',
  // WebGPU needs a secure context: 127.0.0.1 is one, a LAN address is not.
  server: { host: '127.0.0.1', strictPort: true },
  preview: { host: '127.0.0.1', strictPort: true },
  build: { target: 'es2022', outDir: 'dist/demo' },
  optimizeDeps: { include: ['wgsl-preprocessor/wgsl-preprocessor.js'] },
});
