// Files the CLI writes (run --output, embed --output, quantize --out): each is written to a new temporary file
// in the target's folder and renamed over the target only once complete. So an existing output is replaced
// whole or not at all, a symlink at the target is replaced rather than written through (it cannot truncate the
// file it points at), and a failed run leaves neither a partial file nor a temporary one behind.
import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * Whether two paths name the same file: the same device and inode, after symlinks, so a link to the input
 * or a hard link to it is caught as well as the same name. False when either does not exist.
 */
export async function sameFile(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([stat(a).catch(() => undefined), stat(b).catch(() => undefined)]);
  return x !== undefined && y !== undefined && x.dev === y.dev && x.ino === y.ino;
}

/** A fresh name beside `target` (same folder, so the rename is atomic), hidden, and unlike any other run's. */
export function tempNameFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** An output being written: `handle` writes the temporary file; commit renames it over the target. */
export interface PendingFile {
  target: string;
  handle: FileHandle;
  commit(): Promise<void>;
  /** Closes and removes the temporary file; the target is left as it was. */
  discard(): Promise<void>;
}

export async function openPending(target: string): Promise<PendingFile> {
  const temp = tempNameFor(target);
  const handle = await open(temp, 'wx'); // a new file: never one that is there, nor a link's target
  let closed = false;
  const close = async () => {
    if (!closed) await handle.close();
    closed = true;
  };
  return {
    target,
    handle,
    async commit() {
      try {
        await close();
        await rename(temp, target);
      } catch (e) {
        await rm(temp, { force: true });
        throw e;
      }
    },
    async discard() {
      await close().catch(() => undefined);
      await rm(temp, { force: true });
    },
  };
}

/** `data` at `target`, through a temporary file and a rename. */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const pending = await openPending(target);
  try {
    await pending.handle.writeFile(data);
  } catch (e) {
    await pending.discard();
    throw e;
  }
  await pending.commit();
}
