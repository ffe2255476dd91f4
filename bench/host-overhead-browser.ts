// The Chromium half of bench/host-overhead.ts: builds each checkout's browser entry (src/browser.ts) into an
// ES module with Vite's build() in library mode (root = that checkout, so its own shaders-vite.ts inlines its
// own WGSL), builds the page module, serves both bundles, the page and the checkpoint bytes from a static
// server on 127.0.0.1 (navigator.gpu needs a secure context), and runs the measurement in headless Chromium
// launched with the repository's WebGPU flags (src/cli/chromium.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, type Plugin } from 'vite';
import { chromiumArgs, chromiumSearchDescription, findChromium } from '../src/cli/chromium.ts';
import type { MeasureOptions, PlatformResult } from './host-overhead-measure.ts';

const HERE = fileURLToPath(new URL('./', import.meta.url));

/**
 * The entries and their shader registration run for their side effects. A checkout whose package.json
 * `sideEffects` names only dist/ files (as the older one does) would otherwise lose the WGSL import when
 * built from src/, and its kernels would find no shader.
 */
function keepSideEffects(files: string[]): Plugin {
  return {
    name: 'keep-entry-side-effects',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved && files.includes(resolved.id) ? { ...resolved, moduleSideEffects: true } : resolved;
    },
  };
}

/** One ES module (plus the chunks of its dynamic imports) in `outDir`, named entry.js. */
async function buildModule(root: string, entry: string, outDir: string, sideEffectFiles: string[]): Promise<void> {
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    publicDir: false,
    plugins: [keepSideEffects([entry, ...sideEffectFiles])],
    build: {
      lib: { entry, formats: ['es'], fileName: () => 'entry.js' },
      outDir,
      emptyOutDir: true,
      reportCompressedSize: false,
    },
  });
}

const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.json': 'application/json', '.html': 'text/html', '.map': 'application/json' };

/** Serves `/` (the page), `/checkpoint/*` (from memory) and every other path from `dir`. */
function serve(dir: string, files: Map<string, Uint8Array>): Promise<{ server: Server; origin: string }> {
  const page = '<!doctype html><meta charset="utf-8"><title>host overhead</title><script type="module" src="/page/entry.js"></script>\n';
  const server = createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let body: Uint8Array | string | undefined;
    let type = 'application/octet-stream';
    if (url === '/favicon.ico') return void res.writeHead(204).end();
    if (url === '/') [body, type] = [page, TYPES['.html']];
    else if (url === '/checkpoint/manifest.json') [body, type] = [JSON.stringify([...files.keys()]), TYPES['.json']];
    else if (url.startsWith('/checkpoint/')) body = files.get(url.slice('/checkpoint/'.length));
    else {
      const file = path.join(dir, path.normalize(url));
      if (file.startsWith(dir)) {
        try {
          body = readFileSync(file);
          type = TYPES[path.extname(file)] ?? type;
        } catch { /* 404 below */ }
      }
    }
    if (body === undefined) res.writeHead(404).end();
    // Cross-origin isolation gives the page performance.now() at 5 us instead of 100 us.
    else res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', ...ISOLATED }).end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, origin: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
    });
  });
}

export async function measureInChromium(roots: Record<string, string>, files: Map<string, Uint8Array>, options: MeasureOptions,
  log: (line: string) => void): Promise<{ result: PlatformResult; chromiumVersion: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'host-overhead-'));
  let server: Server | undefined;
  let browser: import('playwright-core').Browser | undefined;
  try {
    for (const [label, root] of Object.entries(roots)) {
      log(`chromium: building ${label} (${root}/src/browser.ts)`);
      await buildModule(root, path.join(root, 'src/browser.ts'), path.join(dir, label), [path.join(root, 'src/shaders-vite.ts')]);
    }
    await buildModule(path.dirname(HERE), path.join(HERE, 'host-overhead-page.ts'), path.join(dir, 'page'), []);
    const served = await serve(dir, files);
    server = served.server;
    try {
      browser = await chromium.launch({ executablePath: findChromium(), args: chromiumArgs(), headless: true });
    } catch (e) {
      throw new Error(`cannot start Chromium (tried ${chromiumSearchDescription()}): ${(e as Error).message.split('\n')[0]}`);
    }
    const page = await browser.newPage();
    page.on('console', (m) => {
      const text = m.text();
      if (text.startsWith('[host-overhead] ')) log(`chromium: ${text.slice(16)}`);
      else if (m.type() === 'error') log(`chromium [page error] ${text.split('\n')[0]}`);
    });
    page.on('pageerror', (e) => log(`chromium [page error] ${e.message.split('\n')[0]}`));
    await page.goto(`${served.origin}/`);
    await page.waitForFunction(() => 'hostOverhead' in window, undefined, { timeout: 60_000 });
    const engines = Object.fromEntries(Object.keys(roots).map((label) => [label, `/${label}/entry.js`]));
    const json = await page.evaluate(([e, o]) => (window as unknown as { hostOverhead: { run(e: Record<string, string>, o: MeasureOptions): Promise<string> } })
      .hostOverhead.run(e, o), [engines, options] as const);
    return { result: JSON.parse(json) as PlatformResult, chromiumVersion: browser.version() };
  } finally {
    await browser?.close().catch(() => undefined);
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    rmSync(dir, { recursive: true, force: true });
  }
}
