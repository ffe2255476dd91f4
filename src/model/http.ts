// Reading HTTP responses for the checkpoint sources (source.ts's URL loader, hub.ts): streamed bodies with
// progress and length checks, and network errors as one line with their cause.
import { CheckpointError } from '../errors.ts';
import type { ProgressFn } from './source.ts';

/**
 * A response body, streamed so the caller sees progress. The total is `expected` (the hub's X-Linked-Size)
 * or the Content-Length; with gzip/br the decoded body is longer than Content-Length, so that is no total.
 * A body that ends short of a known total is an error.
 */
export async function readBody(res: Response, file: string, url: string, onProgress?: ProgressFn, expected?: number): Promise<Uint8Array> {
  const encoding = res.headers.get('content-encoding');
  const lengthHeader = res.headers.get('content-length');
  const known = (!encoding || encoding === 'identity') && lengthHeader !== null && /^\d+$/.test(lengthHeader);
  const total = expected ?? (known ? Number(lengthHeader) : undefined);
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress?.({ file, loaded, total });
  if (res.body) {
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        loaded += value.byteLength;
        onProgress?.({ file, loaded, total: total === undefined ? undefined : Math.max(total, loaded) });
      }
    } catch (e) {
      throw new CheckpointError(file, `network error downloading ${url} after ${loaded} bytes: ${errorText(e)}`, { cause: e });
    }
  }
  if (total !== undefined && loaded !== total) {
    throw new CheckpointError(file, `download of ${url} ended after ${loaded} of ${total} bytes`);
  }
  if (total === undefined) onProgress?.({ file, loaded, total: loaded });
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}

export function errorText(e: unknown): string {
  const err = e as Error & { cause?: Error & { code?: string } };
  const cause = err.cause ? `: ${err.cause.code ?? ''} ${err.cause.message ?? ''}`.trimEnd() : '';
  return `${err.message ?? String(e)}${cause}`;
}
