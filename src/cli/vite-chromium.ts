// A Vite dev server for the repository on a free 127.0.0.1 port (a secure context, so navigator.gpu exists)
// and headless Chromium with the WebGPU flags of chromium.ts, with one page open: what `--runtime browser`
// and the browser benchmarks both run in. Vite's messages go to `log` (stdout belongs to results), file
// watching and hot reload are off. close() shuts both down; so does Ctrl-C or a kill while they run.
import { createServer as createNetServer } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import type { Plugin, ViteDevServer } from 'vite';
import { chromiumArgs, chromiumSearchDescription, findChromium } from './chromium.ts';
import { CliError, oneLine } from './errors.ts';

export interface ViteChromium {
  origin: string;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

export interface ViteChromiumOptions {
  root: string;
  /** The Vite config file, or false for Vite's defaults. */
  configFile: string | false;
  plugins?: Plugin[];
  /** Where Vite's lines go; `debug` passes its info lines too. */
  log: (line: string) => void;
  debug: boolean;
  /** What the optional packages are for, in the message when one is missing ("--runtime browser"). */
  purpose: string;
}

/** A port the OS says is free now; Vite then binds it with strictPort (a race only with another process). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A dynamic import of an optional dependency, with an install hint instead of a module-resolution stack. */
async function importOrExplain<T>(name: string, purpose: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (e) {
    throw new CliError(`${purpose} needs the npm package "${name}" (npm install -D @playwright/test vite): ${oneLine((e as Error).message).slice(0, 200)}`);
  }
}

export async function openViteChromium(o: ViteChromiumOptions): Promise<ViteChromium> {
  const [{ createServer }, { chromium }] = await Promise.all([
    importOrExplain<typeof import('vite')>('vite', o.purpose),
    importOrExplain<typeof import('playwright-core')>('playwright-core', o.purpose),
  ]);
  let server: ViteDevServer | undefined;
  let browser: Browser | undefined;
  let closing: Promise<void> | undefined;
  const shutdown = () => (closing ??= (async () => {
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  })());
  const onSignal = (signal: NodeJS.Signals) => void shutdown().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const close = async () => {
    await shutdown();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  try {
    const port = await freePort();
    const write = (m: string) => o.log(`[vite] ${m}`);
    const warned = new Set<string>();
    server = await createServer({
      configFile: o.configFile,
      root: o.root,
      logLevel: o.debug ? 'info' : 'warn',
      clearScreen: false,
      customLogger: {
        hasWarned: false,
        info: (m) => o.debug && write(m),
        warn: write,
        warnOnce: (m) => {
          if (!warned.has(m)) write(m);
          warned.add(m);
        },
        error: write,
        clearScreen: () => {},
        hasErrorLogged: () => false,
      },
      server: { host: '127.0.0.1', port, strictPort: true, hmr: false, watch: null, open: false },
      plugins: o.plugins,
    });
    await server.listen();
    try {
      browser = await chromium.launch({ executablePath: findChromium(), args: chromiumArgs(), headless: true });
    } catch (e) {
      throw new CliError(`cannot start Chromium for ${o.purpose} (tried ${chromiumSearchDescription()}): ${oneLine((e as Error).message).slice(0, 300)}`);
    }
    const page = await browser.newPage();
    return { origin: `http://127.0.0.1:${port}`, browser, page, close };
  } catch (e) {
    await close();
    throw e;
  }
}
