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
 *
 * What the server says becomes paths here, so nothing is taken on trust: a commit must be 40 hex digits, a
 * blob name 40 or 64 (hub.ts refuses a header that is not, before anything is written), revisions and file
 * names are checked by file-names.ts, and every path is checked again to stay inside the repo's folder (its
 * real path: a symlink inside cannot lead out) before a write, a symlink, a delete or an offline read.
 * Node's built-ins are imported dynamically through variables, so browser bundles leave them out (the
 * browser caches in the Cache API instead: hub.ts).
 */
import { CheckpointError } from '../errors.ts';
import { checkFileName, revisionProblem } from './file-names.ts';

/** What the hub says of one file of one revision, from a HEAD request that does not follow the CDN redirect. */
export interface FileMeta {
  /**
   * The commit the revision resolved to (X-Repo-Commit, 40 hex), or the revision when it is a commit hash;
   * undefined when the server named none: the file then loads but is not cached (there is no snapshot to put it in).
   */
  commit: string | undefined;
  /** The blob's name in the cache: the LFS sha256 (X-Linked-Etag) or the git blob sha1 (ETag), unquoted. */
  etag: string | undefined;
  size: number | undefined;
}

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** A commit hash as the hub writes it (and as the cache's snapshot folders and refs hold it). */
export const isCommit = (s: string): boolean => /^[0-9a-f]{40}$/.test(s);
/** A blob's name in the cache: git's sha1 (40 hex) or the LFS sha256 (64 hex). */
export const isBlobName = (s: string): boolean => /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(s);

/**
 * Whether `bytes` are the blob an ETag names: a 64-hex ETag is the LFS sha256 of the content, a 40-hex one
 * git's blob sha1 (sha1 of "blob {size}\0" + content); anything else names no content and does not match.
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
  return false;
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
  // hub.ts's isHubId has let it through; checked here again as it becomes a folder name.
  if (!/^[A-Za-z0-9][\w.-]*(?:\/[A-Za-z0-9][\w.-]*)?$/.test(id) || id.includes('..')) throw new CheckpointError(id, 'not a hub model id: it cannot name a folder of the hub cache');
  const repo = path.join(root, `models--${id.split('/').join('--')}`);
  const readIf = (p: string) => fs.readFile(p).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength), () => undefined);

  /** A path under the repo folder from checked parts; throws when the parts would lead out of it. */
  function under(...parts: string[]): string {
    const p = path.resolve(repo, ...parts);
    if (!contains(repo, p)) throw new CheckpointError(id, `hub cache path ${JSON.stringify(parts.join('/'))} leads out of ${repo}`);
    return p;
  }
  function contains(dir: string, p: string): boolean {
    const rel = path.relative(dir, p);
    return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
  }
  const blobOf = (etag: string) => {
    if (!isBlobName(etag)) throw new CheckpointError(id, `hub cache: ${JSON.stringify(etag)} is not a blob name (40 or 64 hex digits)`);
    return under('blobs', etag);
  };
  const snapshot = (commit: string, file: string) => {
    if (!isCommit(commit)) throw new CheckpointError(id, `hub cache: ${JSON.stringify(commit)} is not a commit hash`);
    return under('snapshots', commit, ...checkFileName(file).split('/'));
  };
  const refOf = (revision: string) => {
    const problem = revisionProblem(revision);
    if (problem) throw new CheckpointError(id, `hub cache: revision ${JSON.stringify(revision)}: ${problem}`);
    return under('refs', ...revision.split('/'));
  };

  /**
   * Throws unless `p`'s deepest existing folder is, as a real path, inside the repo's real folder: checked
   * before a write, a symlink, a delete or an offline read, so that a symlink planted inside the cache (by an
   * older version, by hand) cannot lead the next write or read outside it. The repo folder itself may be a
   * link (a cache on another disk). False when the repo folder does not exist and `create` is not set.
   */
  let realRepo: string | undefined;
  async function checkReal(p: string, create: boolean): Promise<boolean> {
    if (realRepo === undefined) {
      if (create) await fs.mkdir(repo, { recursive: true });
      realRepo = await fs.realpath(repo).catch(() => undefined);
      if (realRepo === undefined) return false;
    }
    for (let dir = path.dirname(p); ; dir = path.dirname(dir)) {
      const real = await fs.realpath(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
      if (real === undefined) continue;
      if (real !== realRepo && !contains(realRepo, real)) throw new CheckpointError(id, `hub cache: ${dir} leads out of ${repo} (to ${real})`);
      return true;
    }
  }

  async function commitOf(revision: string): Promise<string | undefined> {
    if (isCommit(revision)) return revision;
    const ref = refOf(revision);
    if (!(await checkReal(ref, false))) return undefined;
    const real = await fs.realpath(ref).catch(() => undefined);
    if (real === undefined || !contains(realRepo!, real)) return undefined;
    const commit = (await fs.readFile(real, 'utf8').catch(() => undefined))?.trim();
    return commit && isCommit(commit) ? commit : undefined; // a ref that names no commit is no ref
  }

  /** Writes `bytes` at `target` through a new temporary file in the same folder and a rename (which replaces a link, never follows it). */
  async function atomicWrite(target: string, bytes: Uint8Array): Promise<void> {
    await checkReal(target, true);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.incomplete.${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      await fs.writeFile(tmp, bytes, { flag: 'wx' });
      await fs.rename(tmp, target);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  async function linkSnapshot(commit: string, file: string, etag: string): Promise<void> {
    const link = snapshot(commit, file);
    const blob = blobOf(etag);
    const relative = path.relative(path.dirname(link), blob);
    await checkReal(link, true);
    const current = await fs.readlink(link).catch(() => undefined);
    if (current === relative) return;
    await fs.mkdir(path.dirname(link), { recursive: true });
    await fs.rm(link, { force: true });
    await fs.symlink(relative, link).catch(async () => {
      await fs.copyFile(blob, link, fs.constants.COPYFILE_EXCL); // no symlinks (some Windows setups): a copy, as huggingface_hub does
    });
  }

  async function writeRef(revision: string, commit: string): Promise<void> {
    if (isCommit(revision) || revision === commit) return;
    const ref = refOf(revision);
    if ((await fs.readFile(ref, 'utf8').catch(() => undefined))?.trim() === commit) return;
    await atomicWrite(ref, new TextEncoder().encode(commit));
  }

  return {
    root,
    async snapshotDir(revision) {
      const commit = await commitOf(revision);
      return commit && under('snapshots', commit);
    },
    async lookup(revision, file) {
      const commit = await commitOf(revision);
      if (!commit) return undefined;
      const link = snapshot(commit, file);
      if (!(await checkReal(link, false))) return undefined;
      // The file itself, followed through its link, must be in the repo too (a blob, or a copy in the snapshot).
      const target = await fs.realpath(link).catch(() => undefined);
      if (target === undefined) {
        const marker = under('.no_exist', commit, ...file.split('/'));
        const marked = await fs.lstat(marker).then(() => true, () => false);
        return marked ? 'missing' : undefined;
      }
      if (!contains(realRepo!, target)) return undefined;
      const bytes = await readIf(target);
      if (!bytes) return undefined;
      // Offline there is no size to compare with: the content must hash to the blob's name.
      const etag = path.dirname(target) === path.join(realRepo!, 'blobs') ? path.basename(target) : undefined;
      if (etag && !(await matchesEtag(bytes, etag))) return undefined;
      return bytes;
    },
    async read(meta) {
      if (!meta.etag) return undefined;
      const blob = blobOf(meta.etag);
      if (!(await checkReal(blob, false))) return undefined;
      const info = await fs.lstat(blob).catch(() => undefined);
      if (!info?.isFile() || (meta.size !== undefined && info.size !== meta.size)) return undefined; // partial, a link or other: fetch again
      return readIf(blob);
    },
    async write(revision, meta, file, _url, bytes) {
      if (!meta.commit) return; // no commit, no snapshot to file it under
      const etag = meta.etag ?? Buffer.from(await crypto.subtle.digest('SHA-256', bytes as BufferSource)).toString('hex');
      snapshot(meta.commit, file); // every name checked before the first write
      await atomicWrite(blobOf(etag), bytes);
      await linkSnapshot(meta.commit, file, etag);
      await writeRef(revision, meta.commit);
    },
    async link(revision, meta, file) {
      if (!meta.etag || !meta.commit) return;
      await linkSnapshot(meta.commit, file, meta.etag);
      await writeRef(revision, meta.commit);
    },
    async recordMissing(revision, commit, file) {
      if (!isCommit(commit)) throw new CheckpointError(id, `hub cache: ${JSON.stringify(commit)} is not a commit hash`);
      const marker = under('.no_exist', commit, ...checkFileName(file).split('/'));
      refOf(revision);
      await checkReal(marker, true);
      await fs.mkdir(path.dirname(marker), { recursive: true });
      // Created, never opened for writing when there: an existing marker (or anything else there) is left as it is.
      await fs.writeFile(marker, '', { flag: 'wx' }).catch((e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? undefined : Promise.reject(e)));
      await writeRef(revision, commit);
    },
  };
}
