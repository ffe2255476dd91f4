/**
 * The Hugging Face hub cache on disk, in the layout Python's huggingface_hub writes and reads, so each side
 * reuses what the other downloaded:
 *
 *   {cache}/models--{org}--{name}/blobs/{etag}                      the file's bytes, named by its hash
 *   {cache}/models--{org}--{name}/snapshots/{commit}/{file}         a relative symlink to ../../blobs/{etag}
 *   {cache}/models--{org}--{name}/refs/{revision}                   the commit a branch or tag points at
 *   {cache}/models--{org}--{name}/.no_exist/{commit}/{file}         an empty file: the revision has no such file
 *
 * {cache} is $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. A blob is written to a
 * temporary name and renamed, so a reader never sees half a file; a cached blob whose size differs from the
 * hub's (or, offline, whose content does not hash to its name) is treated as absent and fetched again.
 * Node's built-ins are imported dynamically through variables, so browser bundles leave them out (the
 * browser caches in the Cache API instead: hub.ts).
 */

/** What the hub says of one file of one revision, from a HEAD request that does not follow the CDN redirect. */
export interface FileMeta {
  /** The commit the revision resolved to (X-Repo-Commit), or the revision itself when the server gives none. */
  commit: string;
  /** The blob's name in the cache: the LFS sha256 (X-Linked-Etag) or the git blob sha1 (ETag), unquoted. */
  etag: string | undefined;
  size: number | undefined;
}

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Whether `bytes` are the blob an ETag names: a 64-hex ETag is the LFS sha256 of the content, a 40-hex one
 * git's blob sha1 (sha1 of "blob {size}\0" + content); anything else cannot be checked and passes.
 */
export async function matchesEtag(bytes: Uint8Array, etag: string): Promise<boolean> {
  if (/^[0-9a-f]{64}$/.test(etag)) return hex(await crypto.subtle.digest('SHA-256', bytes as BufferSource)) === etag;
  if (/^[0-9a-f]{40}$/.test(etag)) {
    const header = new TextEncoder().encode(`blob ${bytes.length}\0`);
    const whole = new Uint8Array(header.length + bytes.length);
    whole.set(header);
    whole.set(bytes, header.length);
    return hex(await crypto.subtle.digest('SHA-1', whole)) === etag;
  }
  return true;
}

export interface HubCache {
  /** The cache folder, for messages. */
  root?: string;
  /** The snapshot folder of a revision, once a file of it has been cached. */
  snapshotDir?(revision: string): Promise<string | undefined>;
  /** Offline: the revision's cached file, 'missing' when the revision is known to lack it, else undefined. */
  lookup(revision: string, file: string, url: string): Promise<Uint8Array | 'missing' | undefined>;
  /** Online: the blob the hub named, when cached whole. */
  read(meta: FileMeta, file: string, url: string): Promise<Uint8Array | undefined>;
  write(revision: string, meta: FileMeta, file: string, url: string, bytes: Uint8Array): Promise<void>;
  /** Points the revision's snapshot (and ref) at a cached blob. */
  link(revision: string, meta: FileMeta, file: string): Promise<void>;
  recordMissing(revision: string, commit: string, file: string, url: string): Promise<void>;
}

const NODE_FS = 'node:fs/promises';
const NODE_PATH = 'node:path';
const NODE_OS = 'node:os';
const NODE_CRYPTO = 'node:crypto';

const env = (name: string): string | undefined => process.env[name] || undefined;
const isCommit = (s: string) => /^[0-9a-f]{40}$/.test(s);

/** The hub cache folder huggingface_hub uses. */
export async function hubCacheRoot(cacheDir?: string): Promise<string> {
  const path = (await import(/* @vite-ignore */ NODE_PATH)) as typeof import('node:path');
  const os = (await import(/* @vite-ignore */ NODE_OS)) as typeof import('node:os');
  if (cacheDir) return path.resolve(cacheDir);
  const hub = env('HF_HUB_CACHE') ?? env('HUGGINGFACE_HUB_CACHE');
  if (hub) return path.resolve(hub);
  const home = env('HF_HOME') ?? path.join(env('XDG_CACHE_HOME') ?? path.join(os.homedir(), '.cache'), 'huggingface');
  return path.join(path.resolve(home), 'hub');
}

export async function openNodeHubCache(id: string, cacheDir?: string): Promise<HubCache> {
  const fs = (await import(/* @vite-ignore */ NODE_FS)) as typeof import('node:fs/promises');
  const path = (await import(/* @vite-ignore */ NODE_PATH)) as typeof import('node:path');
  const { randomBytes } = (await import(/* @vite-ignore */ NODE_CRYPTO)) as typeof import('node:crypto');
  const root = await hubCacheRoot(cacheDir);
  const repo = path.join(root, `models--${id.split('/').join('--')}`);
  const blobOf = (etag: string) => path.join(repo, 'blobs', etag);
  const snapshot = (commit: string, file: string) => path.join(repo, 'snapshots', commit, ...file.split('/'));
  const readIf = (p: string) => fs.readFile(p).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength), () => undefined);

  async function commitOf(revision: string): Promise<string | undefined> {
    if (isCommit(revision)) return revision;
    const ref = await fs.readFile(path.join(repo, 'refs', ...revision.split('/')), 'utf8').catch(() => undefined);
    return ref?.trim() || undefined;
  }

  /** Writes `bytes` at `target` through a temporary file in the same folder and a rename. */
  async function atomicWrite(target: string, bytes: Uint8Array): Promise<void> {
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.incomplete.${process.pid}.${randomBytes(4).toString('hex')}`;
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, target).catch(async (e) => {
      await fs.rm(tmp, { force: true });
      throw e;
    });
  }

  async function linkSnapshot(commit: string, file: string, etag: string): Promise<void> {
    const link = snapshot(commit, file);
    const relative = path.relative(path.dirname(link), blobOf(etag));
    const current = await fs.readlink(link).catch(() => undefined);
    if (current === relative) return;
    await fs.mkdir(path.dirname(link), { recursive: true });
    await fs.rm(link, { force: true });
    await fs.symlink(relative, link).catch(async () => {
      await fs.copyFile(blobOf(etag), link); // no symlinks (some Windows setups): a copy, as huggingface_hub does
    });
  }

  async function writeRef(revision: string, commit: string): Promise<void> {
    if (isCommit(revision) || revision === commit) return;
    const ref = path.join(repo, 'refs', ...revision.split('/'));
    if ((await fs.readFile(ref, 'utf8').catch(() => undefined))?.trim() === commit) return;
    await atomicWrite(ref, new TextEncoder().encode(commit));
  }

  return {
    root,
    async snapshotDir(revision) {
      const commit = await commitOf(revision);
      return commit && path.join(repo, 'snapshots', commit);
    },
    async lookup(revision, file) {
      const commit = await commitOf(revision);
      if (!commit) return undefined;
      const bytes = await readIf(snapshot(commit, file));
      if (!bytes) {
        const marked = await fs.stat(path.join(repo, '.no_exist', commit, ...file.split('/'))).then(() => true, () => false);
        return marked ? 'missing' : undefined;
      }
      // Offline there is no size to compare with: the content must hash to the blob's name.
      const target = await fs.realpath(snapshot(commit, file)).catch(() => '');
      const etag = path.dirname(target) === path.join(await fs.realpath(repo).catch(() => repo), 'blobs') ? path.basename(target) : undefined;
      if (etag && !(await matchesEtag(bytes, etag))) return undefined;
      return bytes;
    },
    async read(meta) {
      if (!meta.etag) return undefined;
      const info = await fs.stat(blobOf(meta.etag)).catch(() => undefined);
      if (!info?.isFile() || (meta.size !== undefined && info.size !== meta.size)) return undefined; // partial or other: fetch again
      return readIf(blobOf(meta.etag));
    },
    async write(revision, meta, file, _url, bytes) {
      const etag = meta.etag ?? Buffer.from(await crypto.subtle.digest('SHA-256', bytes as BufferSource)).toString('hex');
      await atomicWrite(blobOf(etag), bytes);
      await linkSnapshot(meta.commit, file, etag);
      await writeRef(revision, meta.commit);
    },
    async link(revision, meta, file) {
      if (!meta.etag) return;
      await linkSnapshot(meta.commit, file, meta.etag);
      await writeRef(revision, meta.commit);
    },
    async recordMissing(revision, commit, file) {
      const marker = path.join(repo, '.no_exist', commit, ...file.split('/'));
      await fs.mkdir(path.dirname(marker), { recursive: true });
      await fs.writeFile(marker, '');
      await writeRef(revision, commit);
    },
  };
}
