/**
 * Hugging Face hub model ids (`org/name`, or a bare legacy name like `bert-base-uncased`) as a checkpoint
 * source: each file the loader asks for is resolved as the hub resolves it,
 * `{endpoint}/{id}/resolve/{revision}/{file}` (redirects followed), with `HF_ENDPOINT` for mirrors and
 * `HF_TOKEN` for gated or private models. Only the files the loader reads are fetched.
 *
 * Caching: in Node, the hub's own cache layout (hub-cache.ts), shared with Python's huggingface_hub; in the
 * browser, the Cache API. Offline (`HF_HUB_OFFLINE=1` or `offline: true`) reads the cache only; online, a
 * server that cannot be reached falls back to the cache too, as huggingface_hub does.
 *
 * The server is not trusted with paths or memory: X-Repo-Commit must be a commit hash and ETag/X-Linked-Etag a
 * 40- or 64-hex hash, else the file is refused with an error naming the header and the server and nothing is
 * cached; revisions and file names are checked by file-names.ts; bodies are bounded (http.ts readBody). The
 * token goes only to the endpoint's origin (fetch drops Authorization on a redirect to another origin).
 * docs/security.md lists the limits.
 */
import { CheckpointError } from '../errors.ts';
import { checkFileName, revisionProblem, showName } from './file-names.ts';
import { errorText, fetchWithin, readBody, transferLimits } from './http.ts';
import { type FileMeta, type HubCache, isBlobName, isCommit, matchesEtag, openNodeHubCache } from './hub-cache.ts';
import type { CheckpointSource, ProgressFn } from './checkpoint-source.ts';

export interface HubOptions {
  /** Branch, tag or commit hash; default 'main'. */
  revision?: string;
  /** Default: $HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Access token for gated and private models; default: $HF_TOKEN. */
  token?: string;
  /** Cache only, no network; default: $HF_HUB_OFFLINE is 1 or true. */
  offline?: boolean;
  /** Node: the hub cache folder; default $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. */
  cacheDir?: string;
  /** false: neither read nor write a cache (Node's hub cache, the browser's Cache API). Default true. */
  cache?: boolean;
  /**
   * The most bytes one downloaded file may have (hub ids and http(s) URLs): a larger announced size is
   * refused, a body that runs past it is cut off. Default 4 GiB (DEFAULT_MAX_DOWNLOAD_BYTES), above the
   * largest file of a supported model.
   */
  maxDownloadBytes?: number;
  /**
   * The longest wait in milliseconds for a server's answer or for the next part of a body (hub ids and
   * http(s) URLs); default 30 s (DEFAULT_TIMEOUT_MS). A HEAD that times out counts as an unreachable server
   * (the cache serves).
   */
  timeoutMs?: number;
}

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

const env = (name: string): string | undefined => (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] || undefined;
const isNode = () => typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/** huggingface_hub's repo id rule: an optional namespace and a name of [A-Za-z0-9_.-], no "..", no "--" edges. */
export function isHubId(s: string): boolean {
  if (s.length > 96 || s.includes('..') || s.includes('--') || /\.git$/.test(s)) return false;
  return /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/.test(s) && !/[.-]$/.test(s);
}

type HeadResult = { kind: 'file'; meta: FileMeta } | { kind: 'missing'; commit: string | undefined };

class HubFailure extends Error {
  constructor(message: string, readonly network: boolean) {
    super(message);
  }
}

const unquote = (etag: string) => etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');

export async function hubSource(id: string, opts: HubOptions = {}, signal?: AbortSignal): Promise<CheckpointSource> {
  const revision = opts.revision ?? 'main';
  if (!isHubId(id)) throw new CheckpointError(id, 'not a hub model id (org/name)');
  const badRevision = typeof revision === 'string' ? revisionProblem(revision) : 'it is not a string';
  if (badRevision) throw new CheckpointError(id, `revision ${showName(revision)} is not a branch, tag or commit: ${badRevision}`);
  const limits = transferLimits(opts, id);
  const endpoint = (opts.endpoint ?? env('HF_ENDPOINT') ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  const token = opts.token ?? env('HF_TOKEN') ?? env('HUGGING_FACE_HUB_TOKEN');
  const offline = opts.offline ?? /^(1|true|yes|on)$/i.test(env('HF_HUB_OFFLINE') ?? '');
  const useCache = opts.cache ?? true;
  const cache: HubCache | undefined = !useCache ? undefined : isNode() ? await openNodeHubCache(id, opts.cacheDir) : await openBrowserCache();
  const urlOf = (file: string) => `${endpoint}/${id}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const where = `${id}@${revision}`;

  /**
   * The headers of a HEAD answer that become cache paths, checked: a server's word is refused (naming the
   * header and the server) unless it is a commit hash, or a blob hash; nothing is cached from such an answer.
   */
  const refuse = (header: string, value: string, url: string, what: string): never => {
    throw new HubFailure(`${header} ${showName(value)} from ${new URL(url).origin} (for ${url}) is not ${what}; nothing was cached`, false);
  };
  const commitHeader = (res: Response, url: string): string | undefined => {
    const value = res.headers.get('x-repo-commit');
    if (value === null) return undefined;
    const commit = value.trim().toLowerCase();
    return isCommit(commit) ? commit : refuse('X-Repo-Commit', value, url, 'a commit hash (40 hex digits)');
  };
  const etagHeader = (res: Response, url: string): string | undefined => {
    const linked = res.headers.get('x-linked-etag');
    const [header, value] = linked !== null ? ['X-Linked-Etag', linked] : ['ETag', res.headers.get('etag')];
    if (value === null) return undefined;
    const etag = unquote(value).toLowerCase();
    return isBlobName(etag) ? etag : refuse(header, value, url, 'a 40- or 64-hex blob hash (git sha1 or LFS sha256)');
  };

  async function head(file: string): Promise<HeadResult> {
    let url = urlOf(file);
    // Kept across the hops of a same-origin redirect: the hub names the commit on the first hop of a renamed repo.
    let commit: string | undefined;
    const metaOf = (res: Response): FileMeta => ({
      commit: commit ?? (isCommit(revision) ? revision : undefined),
      etag: etagHeader(res, url),
      size: sizeOf(res.headers.get('x-linked-size') ?? res.headers.get('content-length')),
    });
    for (let hop = 0; hop < 5; hop++) {
      let res: Response;
      try {
        res = await fetchWithin(url, { method: 'HEAD', headers: { ...headers, 'Accept-Encoding': 'identity' }, redirect: 'manual' }, limits.timeoutMs, signal);
      } catch (e) {
        throw new HubFailure(`cannot reach ${endpoint} for ${url}: ${errorText(e)}`, true);
      }
      commit = commitHeader(res, url) ?? commit;
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw new HubFailure(`Location ${showName(location)} from ${new URL(url).origin} (for ${url}) is not a URL`, false);
        }
        // A redirect within the hub (a renamed repo) is followed for metadata; one to the CDN carries it.
        if (next.origin === new URL(url).origin && !res.headers.get('x-linked-etag')) {
          url = next.href;
          continue;
        }
        return { kind: 'file', meta: metaOf(res) };
      }
      if (res.ok) return { kind: 'file', meta: metaOf(res) };
      const code = res.headers.get('x-error-code');
      if (res.status === 404 && (code === 'EntryNotFound' || (!code && file !== 'config.json'))) return { kind: 'missing', commit: commit ?? (isCommit(revision) ? revision : undefined) };
      throw new HubFailure(httpMessage(res.status, code, url, where, token !== undefined), false);
    }
    throw new HubFailure(`too many redirects resolving ${urlOf(file)} (more than 5 within ${new URL(endpoint).origin})`, false);
  }

  async function download(file: string, meta: FileMeta, onProgress?: ProgressFn): Promise<Uint8Array> {
    const url = urlOf(file);
    let res: Response;
    try {
      res = await fetchWithin(url, { headers }, limits.timeoutMs, signal);
    } catch (e) {
      throw new CheckpointError(file, `network error downloading ${url}: ${errorText(e)}`, { cause: e });
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new CheckpointError(file, httpMessage(res.status, res.headers.get('x-error-code'), url, where, token !== undefined));
    }
    const bytes = await readBody(res, file, url, { onProgress, expected: meta.size, ...limits });
    if (meta.size !== undefined && bytes.length !== meta.size) {
      throw new CheckpointError(file, `download of ${url} ended after ${bytes.length} of ${meta.size} bytes`);
    }
    if (meta.etag && !(await matchesEtag(bytes, meta.etag))) {
      throw new CheckpointError(file, `download of ${url} does not match its hash ${meta.etag}: the file changed or was corrupted in transit`);
    }
    return bytes;
  }

  /** The cached copy of the revision's file, for offline use or when the server cannot be reached. */
  async function fromCache(file: string, reason: string, onProgress?: ProgressFn): Promise<Uint8Array | undefined> {
    const hit = await cache?.lookup(revision, file, urlOf(file));
    if (hit === 'missing') return undefined;
    if (hit) {
      onProgress?.({ file, loaded: hit.length, total: hit.length });
      return hit;
    }
    missingOffline.add(file);
    if (reason) lastOfflineReason = reason;
    return undefined;
  }

  /**
   * In a page a HEAD cannot stop at the CDN redirect (a manual redirect is opaque there), so the Cache API
   * entry of the URL is used when whole, and otherwise the file is fetched and cached.
   */
  async function browserRead(file: string, onProgress?: ProgressFn): Promise<Uint8Array | undefined> {
    const url = urlOf(file);
    const hit = await cache?.lookup(revision, file, url);
    if (hit === 'missing') return undefined;
    if (hit) {
      onProgress?.({ file, loaded: hit.length, total: hit.length });
      return hit;
    }
    let res: Response;
    try {
      res = await fetchWithin(url, { headers }, limits.timeoutMs, signal);
    } catch (e) {
      throw new CheckpointError(file, `cannot reach ${endpoint} for ${url}: ${errorText(e)}`, { cause: e });
    }
    const code = res.headers.get('x-error-code');
    if (res.status === 404 && (code === 'EntryNotFound' || (!code && file !== 'config.json'))) {
      if (file === 'config.json') throw new CheckpointError(id, `no config.json in ${where} on ${endpoint}: not a transformers model`);
      await cache?.recordMissing(revision, revision, file, url).catch(() => undefined);
      return undefined;
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new CheckpointError(file, httpMessage(res.status, code, url, where, token !== undefined));
    }
    // The headers are the CDN's (the redirect's X-Linked-* are not visible to a page): its length is checked,
    // not its hash. The Cache API is keyed by URL, so no header becomes a path there.
    const bytes = await readBody(res, file, url, { onProgress, ...limits });
    await cache?.write(revision, { commit: undefined, etag: undefined, size: bytes.length }, file, url, bytes).catch(() => undefined);
    return bytes;
  }

  const missingOffline = new Set<string>();
  let lastOfflineReason = offline ? 'offline mode (HF_HUB_OFFLINE)' : '';

  return {
    location: `${endpoint}/${id} (revision ${revision})`,
    snapshotDir: cache?.snapshotDir ? () => cache.snapshotDir!(revision) : undefined,
    notFound(file, why) {
      if (missingOffline.has(file)) {
        return new CheckpointError(file, `not in the cache for ${where} (${lastOfflineReason}${cache?.root ? `; cache: ${cache.root}` : ''})${why ? ` (${why})` : ''}`);
      }
      return new CheckpointError(file, `not found in ${where} on ${endpoint}${why ? ` (${why})` : ''}`);
    },
    async tryRead(file, onProgress) {
      checkFileName(file);
      if (offline) return fromCache(file, 'offline mode (HF_HUB_OFFLINE)', onProgress);
      if (!isNode()) return browserRead(file, onProgress);
      let found: HeadResult;
      try {
        found = await head(file);
      } catch (e) {
        if (e instanceof HubFailure && e.network) {
          // huggingface_hub's rule: the server is unreachable, so the cached revision serves.
          const cached = await fromCache(file, e.message, onProgress);
          if (cached || !missingOffline.has(file)) return cached;
          if (file === 'config.json') throw new CheckpointError(id, `${e.message}; and ${file} of ${where} is not in the cache${cache?.root ? ` (${cache.root})` : ''}`);
          return undefined;
        }
        throw new CheckpointError(file, (e as Error).message);
      }
      if (found.kind === 'missing') {
        if (found.commit) await cache?.recordMissing(revision, found.commit, file, urlOf(file)).catch(() => undefined);
        if (file === 'config.json') throw new CheckpointError(id, `no config.json in ${where} on ${endpoint}: not a transformers model`);
        return undefined;
      }
      const meta = found.meta;
      const cached = meta.commit ? await cache?.read(meta, file, urlOf(file)) : undefined;
      if (cached) {
        await cache?.link(revision, meta, file).catch(() => undefined);
        onProgress?.({ file, loaded: cached.length, total: cached.length });
        return cached;
      }
      const bytes = await download(file, meta, onProgress);
      await cache?.write(revision, meta, file, urlOf(file), bytes).catch(() => undefined); // a read-only cache still loads
      return bytes;
    },
  };
}

function sizeOf(h: string | null): number | undefined {
  return h !== null && /^\d+$/.test(h) ? Number(h) : undefined;
}

function httpMessage(status: number, code: string | null, url: string, where: string, hasToken: boolean): string {
  const id = where.split('@')[0];
  if (status === 401 && code === 'RepoNotFound') {
    return `HTTP 401 for ${url}: no model ${id} on this hub, or it is private${hasToken ? ' and the token given (HF_TOKEN) has no access to it' : ' (set HF_TOKEN to a token with access)'}`;
  }
  if (status === 401 || status === 403) {
    return `HTTP ${status} for ${url}: ${where} is gated or private; ${hasToken ? 'the token given (HF_TOKEN) has no access to it' : 'set HF_TOKEN to a token with access'}`;
  }
  if (status === 404 && code === 'RevisionNotFound') return `HTTP 404 for ${url}: ${where}: no such revision`;
  if (status === 404) return `HTTP 404 for ${url}: no model ${id} on this hub${code ? ` (${code})` : ''}`;
  return `HTTP ${status} for ${url}`;
}

const BROWSER_CACHE = 'webgpu-bert-hub';
/** The header of an entry that records a file the revision does not have (huggingface_hub's .no_exist). */
const MISSING = 'x-webgpu-bert-missing';

/**
 * The browser's Cache API, keyed by resolve URL: a hit is used when its body is as long as its
 * Content-Length said (a truncated entry is dropped and fetched again). Entries of a branch name are
 * reused until dropped: pass a commit hash as the revision to pin, or `cache: false`.
 */
async function openBrowserCache(): Promise<HubCache | undefined> {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  if (!storage) return undefined; // not a secure context, or no Cache API
  const cache = await storage.open(BROWSER_CACHE).catch(() => undefined);
  if (!cache) return undefined;
  const get = async (url: string): Promise<Uint8Array | 'missing' | undefined> => {
    const res = await cache.match(url);
    if (!res) return undefined;
    if (res.headers.get(MISSING) === '1') return 'missing';
    const bytes = new Uint8Array(await res.arrayBuffer());
    const length = sizeOf(res.headers.get('content-length'));
    const etag = res.headers.get('x-webgpu-bert-etag');
    if ((length !== undefined && bytes.length !== length) || (etag && !(await matchesEtag(bytes, etag)))) {
      await cache.delete(url);
      return undefined;
    }
    return bytes;
  };
  return {
    async lookup(_revision, _file, url) {
      return get(url);
    },
    async read(meta, _file, url) {
      const bytes = await get(url);
      return bytes instanceof Uint8Array && (meta.size === undefined || bytes.length === meta.size) ? bytes : undefined;
    },
    async write(_revision, meta, _file, url, bytes) {
      const h: Record<string, string> = { 'Content-Length': String(bytes.length) };
      if (meta.etag) h['X-WebGPU-Bert-Etag'] = meta.etag;
      await cache.put(url, new Response(bytes as BodyInit, { headers: h }));
    },
    async link() {},
    async recordMissing(_revision, _commit, _file, url) {
      await cache.put(url, new Response('', { headers: { [MISSING]: '1' } }));
    },
  };
}
