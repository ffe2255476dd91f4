// What a checkpoint source is (a folder, a URL base, the hub cache, files in memory: source.ts and hub.ts make
// them) and how reading one reports progress: the types the readers share, apart so none imports another.
import type { CheckpointError } from '../errors.ts';

export interface Progress {
  file: string;
  loaded: number;
  /** Bytes expected; undefined while a download of unknown length is running. */
  total?: number;
}
export type ProgressFn = (p: Progress) => void;

export interface CheckpointSource {
  /** The folder path or base URL, for messages. */
  location: string;
  /** The file's bytes, or undefined when it does not exist there. */
  tryRead(file: string, onProgress?: ProgressFn): Promise<Uint8Array | undefined>;
  /** The error for a required file that tryRead found missing. */
  notFound(file: string, why?: string): CheckpointError;
  /** Hub models in Node: the cache's snapshot folder of the revision, once its files are cached. */
  snapshotDir?(): Promise<string | undefined>;
}
