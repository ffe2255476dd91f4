// Node side of a benchmark run in the browser: src/cli/vite-chromium.ts's Vite dev server for the
// repository (it also serves bench/models/ to the page and the peers) and headless Chromium, with
// bench/page.html open. The page's progress lines are forwarded to stderr. close() shuts both down; so does Ctrl-C.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneLine } from '../src/cli/errors.ts';
import { openViteChromium } from '../src/cli/vite-chromium.ts';
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


export async function openBenchPage(log: (line: string) => void): Promise<BenchBrowser> {
  if (!existsSync(path.join(REPO_ROOT, 'vite.config.ts'))) throw new Error(`the browser benchmark runs from a checkout of the repository (no vite.config.ts in ${REPO_ROOT})`);
  // No file watching and no hot reload (vite-chromium.ts): generated models land in bench/models/ while the page runs.
  const session = await openViteChromium({
    root: REPO_ROOT, configFile: path.join(REPO_ROOT, 'vite.config.ts'), log, debug: Boolean(process.env.WEBGPU_BERT_DEBUG), purpose: 'the browser benchmark',
  });
  try {
    const { page, browser, origin } = session;
    page.on('console', (m) => {
      const text = m.text();
      if (text.startsWith('[bench] ')) log(text.slice(8));
      else if (process.env.WEBGPU_BERT_DEBUG || m.type() === 'error') log(`[page ${m.type()}] ${oneLine(text)}`);
    });
    page.on('pageerror', (e) => log(`[page error] ${oneLine(e.message)}`));
    await page.goto(`${origin}${PAGE}`);
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
      close: () => session.close(),
    };
  } catch (e) {
    await session.close();
    throw e;
  }
}
