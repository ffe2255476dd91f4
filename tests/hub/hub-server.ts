// A Hugging Face hub on 127.0.0.1, as the hub answers `resolve` URLs: small files 200 with their git blob sha1
// as ETag, LFS files (*.safetensors) a 302 to a CDN URL on another origin (localhost, where the hub is
// 127.0.0.1) with X-Linked-Etag (sha256) and X-Linked-Size,
// X-Repo-Commit on every answer, X-Error-Code on 404s (RepositoryNotFound, RevisionNotFound,
// EntryNotFound), 401 for a gated repo without the right Bearer token, and a 307 from a renamed repo to its
// new name; CORS headers on every answer, as the hub has them. It counts requests, so tests can tell a
// download from a cache hit.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface HubRepo {
  /** revision (branch or tag) -> commit -> files */
  revisions: Record<string, string>;
  commits: Record<string, Map<string, Uint8Array>>;
  /** A token this repo requires (gated). */
  token?: string;
}

export interface LocalHub {
  endpoint: string;
  /** `${method} ${path}` -> count */
  requests: Map<string, number>;
  /** GETs of file bodies (small files and CDN blobs), by repo path and file. */
  downloads(file?: string): number;
  close(): Promise<void>;
}

const gitSha1 = (b: Uint8Array) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const isLfs = (file: string) => file.endsWith('.safetensors');

export function commitOf(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

export async function startHub(repos: Record<string, HubRepo>, renamed: Record<string, string> = {}): Promise<LocalHub> {
  const requests = new Map<string, number>();
  const bodies: { file: string }[] = [];
  const blobs = new Map<string, { bytes: Uint8Array; file: string }>();
  for (const [id, repo] of Object.entries(repos)) {
    for (const files of Object.values(repo.commits)) for (const [file, bytes] of files) blobs.set(sha256(bytes), { bytes, file: `${id}/${file}` });
  }

  // CORS as the hub sends it, so pages on another origin can read the files and these headers.
  const CORS = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Headers': 'Authorization, Range, Content-Type',
    'Access-Control-Expose-Headers': 'X-Repo-Commit, X-Linked-Etag, X-Linked-Size, ETag, X-Error-Code, Content-Length, Location',
  };
  const send = (res: ServerResponse, req: IncomingMessage, status: number, headers: Record<string, string>, body?: Uint8Array) => {
    res.writeHead(status, { ...CORS, ...headers, ...(body && { 'Content-Length': String(body.length) }) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  let port = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const key = `${req.method} ${url.pathname}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    if (req.method === 'OPTIONS') return send(res, req, 204, { 'Access-Control-Allow-Methods': 'GET, HEAD' });
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
    if (cdn) {
      const blob = blobs.get(cdn[1]);
      if (!blob) return send(res, req, 404, {});
      if (req.method === 'GET') bodies.push({ file: blob.file });
      return send(res, req, 200, { 'Content-Type': 'application/octet-stream' }, blob.bytes);
    }
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!m) return send(res, req, 404, {}, new TextEncoder().encode('not found'));
    const [, id, revision, file] = [m[0], m[1], decodeURIComponent(m[2]), decodeURIComponent(m[3])];
    if (renamed[id]) return send(res, req, 307, { Location: `/${renamed[id]}/resolve/${m[2]}/${m[3]}` });
    const repo = repos[id];
    if (!repo) return send(res, req, 401, { 'X-Error-Code': 'RepoNotFound' }, new TextEncoder().encode('Repository not found'));
    if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) {
      return send(res, req, 401, { 'X-Error-Code': 'GatedRepo' }, new TextEncoder().encode('Access to this model is restricted'));
    }
    const commit = repo.revisions[revision] ?? (repo.commits[revision] ? revision : undefined);
    if (!commit) return send(res, req, 404, { 'X-Error-Code': 'RevisionNotFound' }, new TextEncoder().encode('Invalid rev id'));
    const body = repo.commits[commit].get(file);
    if (!body) return send(res, req, 404, { 'X-Error-Code': 'EntryNotFound', 'X-Repo-Commit': commit }, new TextEncoder().encode('Entry not found'));
    if (isLfs(file)) {
      const hash = sha256(body);
      return send(res, req, 302, {
        Location: `http://localhost:${port}/cdn/${hash}`, 'X-Repo-Commit': commit, 'X-Linked-Etag': `"${hash}"`, 'X-Linked-Size': String(body.length), ETag: `"${gitSha1(body)}"`,
      });
    }
    if (req.method === 'GET') bodies.push({ file: `${id}/${file}` });
    return send(res, req, 200, { 'X-Repo-Commit': commit, ETag: `"${gitSha1(body)}"`, 'Content-Type': 'application/octet-stream' }, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    downloads: (file) => bodies.filter((b) => file === undefined || b.file.endsWith(file)).length,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
