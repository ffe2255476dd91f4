// Browser tests: the kernel cases (and later model tests) in headless Chromium with WebGPU, served by Vite
// from 127.0.0.1 (navigator.gpu exists only in a secure context).
import { defineConfig } from '@playwright/test';
import { chromiumArgs, findChromium } from './src/cli/chromium.ts';

const PORT = Number(process.env.WEBGPU_BERT_TEST_PORT ?? 5199);

export default defineConfig({
  testDir: 'tests/browser',
  // SwiftShader runs WebGPU on the CPU: one worker at a time keeps both cores on one page.
  workers: 1,
  timeout: 180_000,
  reporter: process.env.CI ? [['list'], ['line']] : 'list',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: 'chromium',
    launchOptions: { executablePath: findChromium(), args: chromiumArgs() },
  },
  webServer: {
    command: `npx vite --port ${PORT} --logLevel warn`,
    url: `http://127.0.0.1:${PORT}/tests/browser/harness.html`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
