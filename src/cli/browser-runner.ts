// The page side of `--runtime browser`: runs a CLI job (job.ts) on navigator.gpu and hands the result back
// to Node as JSON with each Float32Array as base64 of its bytes (a string crosses the DevTools protocol far
// more cheaply than an array of a million numbers). Errors come back as { name, message } so the CLI can
// print the engine's one-line messages (CheckpointError, InputError, GpuUnavailableError) as it does in Node.
import { createBrowserGpu, type Gpu } from '../browser.ts';
import type { ForwardResult } from '../runtime/forward.ts';
import { runJob, type Job, type JobProgress, type JobResult } from './job.ts';

/** A ForwardResult with every Float32Array as a base64 string (and arrays of them as arrays of strings). */
export type EncodedForward = { [K in keyof ForwardResult]: ForwardResult[K] extends Float32Array | undefined ? string : ForwardResult[K] extends Float32Array[] | undefined ? string[] : ForwardResult[K] };

/** JobResult with its tensors as base64 strings. */
export interface PageResult extends Omit<JobResult, 'forward'> {
  forward: EncodedForward;
}

export type PageReply = { ok: true; result: PageResult } | { ok: false; error: { name: string; message: string; stack?: string } };

export interface CliRunner {
  run(job: Job): Promise<PageReply>;
}

/** Exposed by the CLI with page.exposeFunction; absent when the page is opened by hand. */
type ProgressBridge = (kind: 'stage' | 'bytes', what: string, loaded?: number, total?: number) => Promise<void>;

const status = document.getElementById('status')!;
const bridge = () => (window as unknown as { __cliProgress?: ProgressBridge }).__cliProgress;
const progress: JobProgress = {
  stage(text) {
    status.textContent = text;
    void bridge()?.('stage', text);
  },
  bytes(what, loaded, total) {
    void bridge()?.('bytes', what, loaded, total);
  },
};

function toBase64(data: Float32Array): string {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const native = (bytes as Uint8Array & { toBase64?: () => string }).toBase64;
  if (native) return native.call(bytes);
  let binary = '';
  const CHUNK = 0x8000; // String.fromCharCode takes its bytes as arguments: keep well under the arg limit
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

let gpu: Promise<Gpu> | undefined;

const runner: CliRunner = {
  async run(job) {
    try {
      progress.stage('creating a WebGPU device (browser)');
      gpu ??= createBrowserGpu();
      const { forward, ...rest } = await runJob(await gpu, job, progress);
      const encoded = Object.fromEntries(Object.entries(forward).map(([k, v]) => [k,
        v instanceof Float32Array ? toBase64(v) : Array.isArray(v) ? v.map((a: Float32Array) => toBase64(a)) : v]));
      const result: PageResult = { ...rest, forward: encoded as EncodedForward };
      progress.stage('done');
      return { ok: true, result };
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      status.textContent = `${error.name}: ${error.message}`;
      return { ok: false, error: { name: error.name, message: error.message, stack: error.stack } };
    }
  },
};

(window as unknown as { cliRunner: CliRunner }).cliRunner = runner;
