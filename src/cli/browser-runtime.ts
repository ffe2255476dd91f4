// `--runtime browser`: the same job (job.ts) in headless Chromium (vite-chromium.ts: a Vite dev server on
// 127.0.0.1, a secure context, so navigator.gpu exists) on src/cli/browser-runner.html, which imports
// src/browser.ts. The model is served by the same server under MODEL_PREFIX, so the page loads it with the
// engine's URL loader: a local folder read-only from disk, an http(s) model proxied through Node, a hub model
// from its snapshot in the hub cache (one origin, so no CORS needed). The result comes back as base64
// Float32 bytes. Browser and server are closed on success, on error and on Ctrl-C.
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, errorFromPage } from './errors.ts';
import type { Job, JobResult } from './job.ts';
import type { CliRunner, PageResult } from './browser-runner.ts';
import type { ProgressSink } from './progress.ts';
import { openViteChromium } from './vite-chromium.ts';
import { loadCheckpoint, openCheckpointSource } from '../model/source.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUNNER_PAGE = '/src/cli/browser-runner.html';
/** URL path under which a local model folder is served to the page. */
export const MODEL_PREFIX = '/__webgpu-bert-model/';

export async function runInBrowser(job: Job, progress: ProgressSink): Promise<JobResult> {
  if (!existsSync(path.join(REPO_ROOT, RUNNER_PAGE))) {
    throw new CliError('--runtime browser runs from a checkout of the webgpu-bert repository (it serves the sources through Vite); installed, use --runtime node');
  }
  const serve = await modelResponder(job, progress);
  progress.stage('starting the Vite dev server and Chromium');
  const debug = Boolean(process.env.WEBGPU_BERT_DEBUG);
  const session = await openViteChromium({
    // The repo's config (the published package has none: "files" leaves it out, and the defaults do).
    root: REPO_ROOT,
    configFile: existsSync(path.join(REPO_ROOT, 'vite.config.ts')) ? path.join(REPO_ROOT, 'vite.config.ts') : false,
    // configureServer's middleware runs before Vite's own (static files, SPA fallback).
    plugins: [{ name: 'webgpu-bert-cli-model', configureServer: (s) => void s.middlewares.use(modelMiddleware(serve)) }],
    log: (line) => debug && process.stderr.write(`${line}\n`),
    debug,
    purpose: '--runtime browser',
  });
  try {
    const { page, origin } = session;
    await page.exposeFunction('__cliProgress', (kind: string, what: string, loaded?: number, total?: number) => {
      if (kind === 'stage') progress.stage(what);
      else progress.bytes(what, loaded ?? 0, total);
    });
    if (debug) {
      page.on('console', (m) => process.stderr.write(`[page ${m.type()}] ${m.text()}\n`));
      page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
    }
    await page.goto(`${origin}${RUNNER_PAGE}`);
    await page.waitForFunction(() => 'cliRunner' in window, undefined, { timeout: 60_000 });
    const pageJob: Job = { ...job, model: `${origin}${MODEL_PREFIX}` };
    const reply = await page.evaluate((j) => (window as unknown as { cliRunner: CliRunner }).cliRunner.run(j), pageJob);
    if (!reply.ok) throw errorFromPage(reply.error);
    return decodeResult(reply.result);
  } finally {
    await session.close();
  }
}

/**
 * What the page reads the model from: a folder from disk, an http(s) model through Node, and a hub model id
 * from its snapshot in the hub cache, downloaded here first (so the page needs no token and no CORS).
 */
async function modelResponder(job: Job, progress: ProgressSink): Promise<Responder> {
  if (/^https?:\/\//i.test(job.model)) return proxyBase(job.model);
  const source = await openCheckpointSource(job.model, { hub: job.hub });
  if (!source.snapshotDir) return serveFolder(path.resolve(job.model));
  progress.stage(`fetching ${job.model} into the hub cache`);
  await loadCheckpoint(job.model, { hub: job.hub, onProgress: (p) => progress.bytes(p.file, p.loaded, p.total) });
  const dir = await source.snapshotDir();
  if (!dir) throw new CliError(`${job.model}: --runtime browser needs the hub cache (the model was not cached)`);
  return serveFolder(dir);
}

function decodeResult(r: PageResult): JobResult {
  const f32 = (b64: string) => {
    const bytes = Buffer.from(b64, 'base64');
    // Copy into a fresh, aligned buffer: Buffer.from may return a view at any byte offset of a pool.
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  };
  const { forward, ...rest } = r;
  // Every string field of the forward is a tensor (browser-runner.ts encodes each Float32Array so).
  const decoded = Object.fromEntries(Object.entries(forward).map(([k, v]) => [k,
    typeof v === 'string' ? f32(v) : Array.isArray(v) ? v.map((s: string) => f32(s)) : v]));
  return { ...rest, forward: decoded as unknown as JobResult['forward'] };
}

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

type Responder = (name: string, req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** GET/HEAD under MODEL_PREFIX for plain file names only (no subfolders, no dot files: nothing escapes). */
function modelMiddleware(respond: Responder) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const url = req.url ?? '';
    if (!url.startsWith(MODEL_PREFIX)) return next();
    let name = '';
    try {
      name = decodeURIComponent(url.slice(MODEL_PREFIX.length).split(/[?#]/)[0]);
    } catch {
      // malformed escape: not a file name
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'read-only');
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name)) return fail(res, 404, 'not found');
    respond(name, req, res).catch((e: Error) => (res.headersSent ? res.destroy() : fail(res, 502, e.message)));
  };
}

function fail(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(text);
}

/**
 * A local folder's files with their exact Content-Length (the engine's loader checks it against the bytes
 * it receives), no compression, no caching.
 */
function serveFolder(dir: string): Responder {
  return async (name, req, res) => {
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return fail(res, 404, 'not found');
    res.statusCode = 200;
    res.setHeader('Content-Type', CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(info.size));
    res.setHeader('Cache-Control', 'no-store');
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  };
}

/** An http(s) model fetched by Node and streamed to the page; the upstream status (404 included) is kept. */
function proxyBase(base: string): Responder {
  const root = base.endsWith('/') ? base : `${base}/`;
  return async (name, req, res) => {
    const upstream = await fetch(new URL(name, root), { method: req.method });
    res.statusCode = upstream.status;
    res.setHeader('Content-Type', upstream.headers.get('content-type') ?? 'application/octet-stream');
    // fetch decodes gzip/br, so an encoded upstream length would be wrong: send such bodies chunked.
    const length = upstream.headers.get('content-length');
    const encoding = upstream.headers.get('content-encoding');
    if (length !== null && (!encoding || encoding === 'identity')) res.setHeader('Content-Length', length);
    if (!upstream.body || req.method === 'HEAD') return void res.end();
    Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream).on('error', () => res.destroy()).pipe(res);
  };
}
