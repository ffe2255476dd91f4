/**
 * Node side of generate.ts: writing a generated checkpoint to a folder, and the on-disk cache of the
 * default model that Node tests, benchmarks and the CLI load with `loadCheckpoint(await ensureDefaultModel())`.
 *
 * The cache folder is replaced whole: the model is written to a temporary sibling folder, its stamp file
 * last, then renamed into place. A folder whose stamp matches is therefore always complete, and two
 * processes that race both end with the same bytes in place (the loser drops its copy).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheRoot } from '../gpu/cache-folder.ts';
import { DEFAULT_MODEL_OPTIONS, GENERATOR_VERSION, type GenerateOptions, defaultVocabulary, generateCheckpoint } from './generate.ts';

/** Written last into a generated folder: the hash of what generated it. */
export const STAMP_FILE = 'generator-stamp.json';

export async function writeCheckpointFolder(dir: string, files: Map<string, Uint8Array>): Promise<void> {
  for (const name of files.keys()) {
    if (name !== path.basename(name) || name === '.' || name === '..' || name === '') {
      throw new RangeError(`writeCheckpointFolder: ${JSON.stringify(name)} is not a plain file name`);
    }
  }
  await mkdir(dir, { recursive: true });
  await Promise.all([...files].map(([name, bytes]) => writeFile(path.join(dir, name), bytes)));
}

export function defaultModelDir(): string {
  return path.join(cacheRoot(), 'default-model');
}

/** sha256 over the generator version and the options with their defaults' vocabulary spelled out. */
export function optionsHash(opts: GenerateOptions): string {
  const canonical = { generator: GENERATOR_VERSION, options: { ...opts, vocab: opts.vocab ?? defaultVocabulary() } };
  const sorted = Object.fromEntries(Object.entries(canonical.options).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash('sha256').update(JSON.stringify({ ...canonical, options: sorted })).digest('hex');
}

/** Generates DEFAULT_MODEL_OPTIONS into defaultModelDir() unless it is there already; returns the folder. */
export function ensureDefaultModel(): Promise<string> {
  return ensureGeneratedModel(DEFAULT_MODEL_OPTIONS, defaultModelDir());
}

/** Generates `opts` into `dir` unless `dir`'s stamp says it holds exactly that already; returns `dir`. */
export async function ensureGeneratedModel(opts: GenerateOptions, dir: string): Promise<string> {
  const target = path.resolve(dir);
  const hash = optionsHash(opts);
  if (await stampMatches(target, hash)) return target;

  await mkdir(path.dirname(target), { recursive: true });
  const unique = () => `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = `${target}.tmp-${unique()}`;
  try {
    await writeCheckpointFolder(temp, generateCheckpoint(opts));
    const { vocab: _vocab, ...shown } = opts;
    await writeFile(path.join(temp, STAMP_FILE), JSON.stringify({ hash, generator: GENERATOR_VERSION, options: shown }, null, 2) + '\n');
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await rename(temp, target);
        return target;
      } catch (e) {
        // A non-empty folder is in the way: another process's fresh copy, or a stale one.
        if (!['ENOTEMPTY', 'EEXIST', 'EPERM', 'EBUSY'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
        if (await stampMatches(target, hash)) return target;
        const stale = `${target}.old-${unique()}`;
        await rename(target, stale).then(
          () => rm(stale, { recursive: true, force: true }),
          (err: NodeJS.ErrnoException) => {
            if (err.code !== 'ENOENT') throw err; // someone else moved it first
          },
        );
      }
    }
    throw new Error(`ensureGeneratedModel: could not move the generated model into ${target}`);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function stampMatches(dir: string, hash: string): Promise<boolean> {
  try {
    const stamp = JSON.parse(await readFile(path.join(dir, STAMP_FILE), 'utf8')) as { hash?: unknown };
    return stamp.hash === hash;
  } catch {
    return false; // absent, unreadable or not JSON: regenerate
  }
}
