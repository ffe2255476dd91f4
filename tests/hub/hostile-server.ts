// A hub-shaped server on 127.0.0.1 that lies: each test installs a route that answers some requests as an
// attacker would (headers naming paths, bodies longer than announced or endless, redirects elsewhere, errors
// half-way) and leaves the rest to an honest hub answer (the one tests/hub/hub-server.ts gives: small files 200
// with their git sha1 ETag, *.safetensors a 302 to a CDN on another origin with X-Linked-Etag/-Size,
// X-Repo-Commit everywhere, EntryNotFound 404s). The same server answers as a second origin through
// `localhost`, and every request is recorded with its Host and Authorization, so a test can tell where the
// token went. Body bytes written are counted, so a test can tell when the client stopped reading.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface Seen {
  method: string;
  host: string;
  path: string;
  authorization?: string;
}

/** What a route does with a request: answer it (true) or leave it to the honest hub (false / undefined). */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL, hub: HonestHub) => boolean | undefined | Promise<boolean | undefined>;

export interface HonestHub {
  /** The repo's commit, as X-Repo-Commit gives it. */
  commit: string;
  files: Map<string, Uint8Array>;
  /** The CDN URL of an LFS file (on the other origin). */
  cdnUrl(file: string): string;
}

export interface HostileHub {
  /** http://127.0.0.1:PORT: the endpoint, the only origin the token may reach. */
  endpoint: string;
  /** http://localhost:PORT: the same server as another origin (the CDN, or an attacker's host). */
  other: string;
  seen: Seen[];
  /** Body bytes handed to sockets by stream() since the last reset. */
  sentBytes: number;
  /** Installs the attack of one test (and forgets the requests seen so far). */
  reset(files: Map<string, Uint8Array>, route?: Route): void;
  close(): Promise<void>;
}

export const gitSha1 = (b: Uint8Array) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
export const COMMIT = createHash('sha1').update('hostile').digest('hex');

/**
 * Writes `total` bytes (Infinity: until the client goes away) in 64 KiB chunks, waiting for the socket to
 * drain, then ends or, with `cut`, destroys the connection instead of ending it.
 */
export async function stream(hub: HostileHub, res: ServerResponse, total: number, cut = false): Promise<void> {
  const chunk = new Uint8Array(64 * 1024).fill(0x41);
  let left = total;
  while (left > 0 && !res.destroyed) {
    const n = Math.min(chunk.length, left);
    hub.sentBytes += n;
    left -= n;
    if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  if (cut) res.socket?.destroy();
  else if (!res.destroyed) res.end();
}

export async function startHostileHub(): Promise<HostileHub> {
  let files = new Map<string, Uint8Array>();
  let route: Route | undefined;
  const sockets = new Set<Socket>();
  let port = 0;
  const honest: HonestHub = {
    commit: COMMIT,
    get files() {
      return files;
    },
    cdnUrl: (file) => `http://localhost:${port}/cdn/${sha256(files.get(file)!)}`,
  };

  const answer = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const send = (status: number, headers: Record<string, string>, body?: Uint8Array) => {
      res.writeHead(status, { ...headers, ...(body && { 'Content-Length': String(body.length) }) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
    if (cdn) {
      const body = [...files.values()].find((b) => sha256(b) === cdn[1]);
      return body ? send(200, { 'Content-Type': 'application/octet-stream' }, body) : send(404, {});
    }
    const m = /^\/[^/]+\/[^/]+\/resolve\/[^/]+\/(.+)$/.exec(url.pathname);
    if (!m) return send(404, { 'X-Error-Code': 'RepoNotFound' });
    const file = decodeURIComponent(m[1]);
    const body = files.get(file);
    if (!body) return send(404, { 'X-Error-Code': 'EntryNotFound', 'X-Repo-Commit': COMMIT }, new TextEncoder().encode('Entry not found'));
    if (file.endsWith('.safetensors')) {
      return send(302, { Location: honest.cdnUrl(file), 'X-Repo-Commit': COMMIT, 'X-Linked-Etag': `"${sha256(body)}"`, 'X-Linked-Size': String(body.length), ETag: `"${gitSha1(body)}"` });
    }
    return send(200, { 'X-Repo-Commit': COMMIT, ETag: `"${gitSha1(body)}"`, 'Content-Type': 'application/octet-stream' }, body);
  };

  const hub: HostileHub = {
    endpoint: '',
    other: '',
    seen: [],
    sentBytes: 0,
    reset(f, r) {
      files = f;
      route = r;
      hub.seen.length = 0;
      hub.sentBytes = 0;
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    hub.seen.push({ method: req.method ?? '', host: req.headers.host ?? '', path: url.pathname, ...(req.headers.authorization && { authorization: req.headers.authorization }) });
    res.on('error', () => undefined);
    void (async () => {
      if (route && (await route(req, res, url, honest))) return;
      answer(req, res, url);
    })().catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  hub.endpoint = `http://127.0.0.1:${port}`;
  hub.other = `http://localhost:${port}`;
  return hub;
}
