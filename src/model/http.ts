// Reading HTTP responses for the checkpoint sources (source.ts's URL loader, hub.ts): streamed bodies with
// progress and length checks, bounded in size and in silence (a server is not trusted with memory or time),
// and network errors as one line with their cause.
import { CheckpointError } from '../errors.ts';
import type { ProgressFn } from './checkpoint-source.ts';

/**
 * The most bytes one downloaded file may have, unless `HubOptions.maxDownloadBytes` says otherwise (hub ids
 * and http(s) URLs, in Node and in pages). Above the largest single file of a supported model
 * (xlm-roberta-large's model.safetensors, 2.24 GB; larger checkpoints are sharded), so only a broken or
 * hostile server reaches it: without a bound, a body that never ends exhausts memory.
 */
export const DEFAULT_MAX_DOWNLOAD_BYTES = 4 * 1024 ** 3;

/**
 * The longest wait, unless `HubOptions.timeoutMs` says otherwise, for a server's answer (its status and headers)
 * or for the next part of a body: a server that accepts the connection and then sends nothing, or trickles,
 * would otherwise hold the loader forever. huggingface_hub waits 10 s (HF_HUB_DOWNLOAD_TIMEOUT); this is looser
 * for pages on slow networks.
 */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** How much one download may take: its size and the longest silence. */
export interface TransferLimits {
  maxBytes: number;
  timeoutMs: number;
}

/** `HubOptions.maxDownloadBytes` and `timeoutMs`, checked (positive whole numbers), with their defaults. */
export function transferLimits(opts: { maxDownloadBytes?: number; timeoutMs?: number } | undefined, where: string): TransferLimits {
  const positive = (name: string, value: number | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    if (!Number.isSafeInteger(value) || value < 1) throw new CheckpointError(where, `${name} must be a positive whole number, got ${String(value)}`);
    return value;
  };
  return { maxBytes: positive('maxDownloadBytes', opts?.maxDownloadBytes, DEFAULT_MAX_DOWNLOAD_BYTES), timeoutMs: positive('timeoutMs', opts?.timeoutMs, DEFAULT_TIMEOUT_MS) };
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

/**
 * fetch, failing (with a one-line "no answer from … in N s") when the answer's status and headers do not come
 * within `timeoutMs`; the body's silences are bounded by readBody. The caller's signal still aborts it.
 */
export async function fetchWithin(url: string, init: RequestInit, timeoutMs: number, signal?: AbortSignal): Promise<Response> {
  const controller = new AbortController();
  const forward = () => controller.abort(signal!.reason);
  if (signal?.aborted) forward();
  else signal?.addEventListener('abort', forward, { once: true });
  const timer = setTimeout(() => {
    const e = new Error(`no answer from ${new URL(url).origin} in ${seconds(timeoutMs)}`);
    e.name = 'TimeoutError';
    controller.abort(e);
  }, timeoutMs);
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A response body, streamed so the caller sees progress. The total is `expected` (the hub's X-Linked-Size)
 * or the Content-Length; with gzip/br the decoded body is longer than Content-Length, so that is no total.
 * The body is bounded: a total above `maxBytes` is refused before reading, and reading stops (and the
 * download is cancelled) as soon as the body passes its total, or `maxBytes` when none was announced, or
 * when no data comes for `timeoutMs`; so memory holds at most the announced size plus one chunk, and a
 * silent server cannot hold the loader. A body that ends short of a known total is an error.
 */
export async function readBody(
  res: Response, file: string, url: string,
  opts: { onProgress?: ProgressFn; expected?: number } & Partial<TransferLimits> = {},
): Promise<Uint8Array> {
  const { onProgress, expected, maxBytes = DEFAULT_MAX_DOWNLOAD_BYTES, timeoutMs = DEFAULT_TIMEOUT_MS } = opts;
  const encoding = res.headers.get('content-encoding');
  const lengthHeader = res.headers.get('content-length');
  const known = (!encoding || encoding === 'identity') && lengthHeader !== null && /^\d+$/.test(lengthHeader);
  const total = expected ?? (known ? Number(lengthHeader) : undefined);
  if (total !== undefined && total > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new CheckpointError(file, `${url} announces ${total} bytes, more than the download limit of ${maxBytes} bytes (maxDownloadBytes)`);
  }
  const bound = total ?? maxBytes;
  // With a known total the body goes straight into one array of that size, made when the first bytes come (a
  // model file is never held twice, as chunks and joined); otherwise chunks are kept and joined at the end.
  let whole: Uint8Array | undefined;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress?.({ file, loaded, total });
  if (res.body) {
    const reader = res.body.getReader();
    const stop = async (detail: string): Promise<never> => {
      await reader.cancel().catch(() => undefined);
      throw new CheckpointError(file, detail);
    };
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array> | 'silent';
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        step = await Promise.race([reader.read(), new Promise<'silent'>((resolve) => (timer = setTimeout(() => resolve('silent'), timeoutMs)))]);
      } catch (e) {
        throw new CheckpointError(file, `network error downloading ${url} after ${loaded} bytes: ${errorText(e)}`, { cause: e });
      } finally {
        clearTimeout(timer);
      }
      if (step === 'silent') await stop(`download of ${url} stalled: no data for ${seconds(timeoutMs)} after ${loaded} bytes (timeoutMs)`);
      else if (step.done) break;
      else {
        loaded += step.value.byteLength;
        if (loaded > bound) {
          await stop(total !== undefined
            ? `download of ${url} stopped: the server sent more than the ${total} bytes it announced`
            : `download of ${url} stopped: more than ${maxBytes} bytes, the download limit (maxDownloadBytes)`);
        }
        if (total !== undefined) {
          try {
            whole ??= new Uint8Array(total);
          } catch {
            await stop(`${url} announces ${total} bytes, more than this ${typeof window === 'undefined' ? 'process' : 'page'} can hold`);
          }
          whole!.set(step.value, loaded - step.value.byteLength);
        } else {
          chunks.push(step.value);
        }
        onProgress?.({ file, loaded, total: total === undefined ? undefined : Math.max(total, loaded) });
      }
    }
  }
  if (total !== undefined && loaded !== total) {
    throw new CheckpointError(file, `download of ${url} ended after ${loaded} of ${total} bytes`);
  }
  if (total !== undefined) return whole ?? new Uint8Array(0);
  onProgress?.({ file, loaded, total: loaded });
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
  const cause = err.cause ? `: ${[err.cause.code, err.cause.message].filter(Boolean).join(' ')}` : '';
  return `${err.message ?? String(e)}${cause}`;
}
