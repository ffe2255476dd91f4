/**
 * Names of files inside a model: what the loader asks a source for, and what a model's own files name
 * (modules.json module paths, weight_map shard names). A model comes from strangers, so one check here is
 * applied by every source (folder, URL, hub, memory, the files a page was given) and by every reader of such a
 * name: a name is a relative path of plain segments, so it cannot leave the model's folder, reach another host
 * through `new URL(name, base)`, or land outside the hub cache. Hub revisions follow the same rule plus git's.
 *
 * Refused: empty names and segments (a leading, doubled or trailing "/"), "." and ".." segments, backslashes,
 * colons (URL schemes, Windows drive letters and streams), control characters (NUL included), names longer than
 * MAX_NAME_LENGTH. See docs/security.md.
 */
import { CheckpointError } from '../errors.ts';

/** Longer than any file name a model has; a bound on what a hostile file can make the loader carry around. */
export const MAX_NAME_LENGTH = 1024;

/** Why `name` is not a relative path inside a folder, or undefined when it is one. */
export function pathProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name.length > MAX_NAME_LENGTH) return `it is longer than ${MAX_NAME_LENGTH} characters`;
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it holds a control character';
  if (name.includes('\\')) return 'it holds a backslash';
  if (name.includes(':')) return 'it holds a colon (a URL scheme or a drive letter)';
  if (name.startsWith('/')) return 'it is an absolute path';
  for (const segment of name.split('/')) {
    if (segment === '') return 'it has an empty segment (a doubled or trailing "/")';
    if (segment === '.' || segment === '..') return `it has a "${segment}" segment`;
  }
  return undefined;
}

/** A name as a message shows it: quoted and escaped (a NUL or a newline stays visible and on one line), cut short. */
export function showName(name: unknown): string {
  if (typeof name !== 'string') return (JSON.stringify(name) ?? String(name)).slice(0, 120);
  return JSON.stringify(name.length > 120 ? `${name.slice(0, 120)}…` : name);
}

/**
 * `name` when it is a file name inside the model's folder; otherwise a one-line CheckpointError naming
 * `namedBy` (the file that gave the name, e.g. `modules.json`; `field` says where in it) and the name, or the
 * name alone when the loader itself asked for it.
 */
export function checkFileName(name: unknown, namedBy?: string, field?: string): string {
  const problem = typeof name === 'string' ? pathProblem(name) : `it is ${name === null ? 'null' : typeof name}, not a string`;
  if (problem === undefined) return name as string;
  const detail = `not a file name inside the model folder: ${problem}`;
  if (namedBy) throw new CheckpointError(namedBy, `${field ? `${field} ` : ''}names ${showName(name)}, ${detail}`);
  throw new CheckpointError(showName(name), detail);
}

/**
 * Why `revision` cannot be a hub revision (branch, tag, commit, `refs/pr/N`), or undefined. Revisions become
 * cache paths (`refs/{revision}`, snapshot folders) and URL segments, so they follow the file-name rule, and
 * git's own: no "..", whitespace or ~ ^ * ? [ # %.
 */
export function revisionProblem(revision: string): string | undefined {
  const problem = pathProblem(revision);
  if (problem) return problem;
  if (revision.includes('..')) return 'it holds ".."';
  if (/[\s~^*?[#%]/.test(revision)) return 'it holds a character a git ref cannot have (whitespace, ~ ^ * ? [ # %)';
  return undefined;
}
