// Node side of a benchmark run in the browser: a Vite dev server for the repository on a free 127.0.0.1
// port (a secure context, so navigator.gpu exists; it also serves bench/models/ to the page and the peers),
// headless Chromium with the WebGPU flags of src/cli/chromium.ts, and bench/page.html open in it. The page's
// progress lines are forwarded to stderr. close() shuts both down; so does Ctrl-C.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { freePort } from '../src/cli/browser-runtime.ts';
import { chromiumArgs, chromiumSearchDescription, findChromium } from '../src/cli/chromium.ts';
import { oneLine } from '../src/cli/errors.ts';
import type { AdapterSummary } from '../src/gpu/device.ts';
import type { BenchPage, BenchRunOptions } from './page.ts';
import type { SuiteOutput } from './suite.ts';

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const PAGE = '/bench/page.html';

export interface BenchBrowser {
  adapter: AdapterSummary;
  describe: string;
  chromiumVersion: string;
  run(suite: string, options: BenchRunOptions): Promise<SuiteOutput>;
  close(): Promise<void>;
}


async function startVite(log: (line: string) => void): Promise<{ server: ViteDevServer; origin: string }> {
  const { createServer } = await import('vite');
  const port = await freePort();
  const debug = Boolean(process.env.WEBGPU_BERT_DEBUG);
  const server = await createServer({
    configFile: path.join(REPO_ROOT, 'vite.config.ts'),
    root: REPO_ROOT,
    logLevel: debug ? 'info' : 'warn',
    clearScreen: false,
    // stdout carries the tables; the server's own messages go to stderr.
    customLogger: {
      hasWarned: false,
      info: (m) => debug && log(`[vite] ${m}`),
      warn: (m) => log(`[vite] ${m}`),
      warnOnce: (m) => log(`[vite] ${m}`),
      error: (m) => log(`[vite] ${m}`),
      clearScreen: () => {},
      hasErrorLogged: () => false,
    },
    // No file watching and no hot reload: generated models land in bench/models/ while the page runs.
    server: { host: '127.0.0.1', port, strictPort: true, hmr: false, watch: null, open: false },
  });
  await server.listen();
  return { server, origin: `http://127.0.0.1:${port}` };
}

export async function openBenchPage(log: (line: string) => void): Promise<BenchBrowser> {
  if (!existsSync(path.join(REPO_ROOT, 'vite.config.ts'))) throw new Error(`the browser benchmark runs from a checkout of the repository (no vite.config.ts in ${REPO_ROOT})`);
  const { chromium } = await import('playwright-core');
  let server: ViteDevServer | undefined;
  let browser: Browser | undefined;
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  })());
  const onSignal = (signal: NodeJS.Signals) => void close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const vite = await startVite(log);
    server = vite.server;
    try {
      browser = await chromium.launch({ executablePath: findChromium(), args: chromiumArgs(), headless: true });
    } catch (e) {
      throw new Error(`cannot start Chromium (tried ${chromiumSearchDescription()}): ${oneLine((e as Error).message).slice(0, 300)}`);
    }
    const page: Page = await browser.newPage();
    page.on('console', (m) => {
      const text = m.text();
      if (text.startsWith('[bench] ')) log(text.slice(8));
      else if (process.env.WEBGPU_BERT_DEBUG || m.type() === 'error') log(`[page ${m.type()}] ${oneLine(text)}`);
    });
    page.on('pageerror', (e) => log(`[page error] ${oneLine(e.message)}`));
    await page.goto(`${vite.origin}${PAGE}`);
    await page.waitForFunction(() => 'bench' in window, undefined, { timeout: 120_000 });
    const adapter = await page.evaluate(() => (window as unknown as { bench: BenchPage }).bench.ready);
    const describe = await page.evaluate(() => (window as unknown as { bench: BenchPage }).bench.describe());
    return {
      adapter,
      describe,
      chromiumVersion: browser.version(),
      async run(suite, options) {
        try {
          const json = await page.evaluate(([s, o]) => (window as unknown as { bench: BenchPage }).bench.run(s, o), [suite, options] as const);
          return JSON.parse(json) as SuiteOutput;
        } catch (e) {
          // Playwright wraps page errors in a multi-line message; the first line names the error.
          throw new Error(oneLine((e as Error).message.replace(/^page\.evaluate: /, '')).replace(/^Error: /, ''));
        }
      },
      async close() {
        await close();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      },
    };
  } catch (e) {
    await close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    throw e;
  }
}
