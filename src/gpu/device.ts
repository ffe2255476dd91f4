// One object, `Gpu`, holds the device and everything learnt about the adapter. It is created by the browser
// entry (navigator.gpu) or the Node entry (Dawn); nothing below this file cares which.
import {
  GpuDeviceLostError, GpuUnavailableError, toTypedError,
} from './errors.ts';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software adapter such as SwiftShader: correct, but its speed says nothing about a GPU. */
  isFallback: boolean;
  shaderF16: boolean;
  subgroups: boolean;
  timestampQuery: boolean;
  /** Which runtime found it: 'browser' or 'node (Dawn)'. */
  runtime: string;
}

export interface GpuOptions {
  powerPreference?: GPUPowerPreference;
  /** Ask for timestamp queries when the adapter has them (benchmarks). */
  timestamps?: boolean;
}

/** Limits the kernels need above WebGPU's defaults; each is raised to the adapter's maximum. */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxStorageBuffersPerShaderStage',
] as const;

export class Gpu {
  /** Set once the device is lost; every later call rejects with it. */
  lostError: GpuDeviceLostError | undefined;
  /** Resolves (never rejects) when the device is lost, so awaits can race it and never hang. */
  readonly lost: Promise<GpuDeviceLostError>;
  private uncaptured: Error[] = [];
  /** Awaited GPU round trips so far (every awaited GPU promise goes through guard()): what tests count per forward. */
  roundTrips = 0;

  /**
   * `instance` is the GPU object the device came from. It is kept because Dawn in Node destroys its
   * instance when the JS object is garbage-collected, and then crashes in the event loop of a live device.
   */
  constructor(readonly device: GPUDevice, readonly adapter: AdapterSummary, readonly instance?: GPU) {
    this.lost = device.lost.then((info) => {
      const reason = info.reason ?? 'unknown';
      const detail = info.message ? `: ${info.message.split('\n')[0]}` : '';
      this.lostError = new GpuDeviceLostError(reason, `GPU device lost (${reason})${detail}`);
      return this.lostError;
    });
    // Errors outside any scope (should not happen: every engine call is scoped) are kept and thrown at
    // the next checkpoint instead of vanishing into the console.
    device.addEventListener('uncapturederror', (event) => {
      this.uncaptured.push(toTypedError((event as GPUUncapturedErrorEvent).error, 'GPU error'));
    });
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  get hasTimestamps(): boolean {
    return this.device.features.has('timestamp-query');
  }

  /** Throws if the device is lost or an unscoped error was seen. */
  check(): void {
    if (this.lostError) throw this.lostError;
    const error = this.uncaptured.shift();
    if (error) throw error;
  }

  /** Awaits `promise`, but rejects with the device-lost error instead of hanging if the device goes away. */
  async guard<T>(promise: Promise<T>): Promise<T> {
    this.check();
    this.roundTrips++;
    const lost = this.lost.then((error) => { throw error; });
    return Promise.race([promise, lost]);
  }

  /**
   * Runs `work` inside validation, out-of-memory and internal error scopes and turns the first error into
   * a typed one. `doing` names the work in the message ("create buffer qkv (1.5 MiB)").
   */
  async scoped<T>(doing: string, work: () => T): Promise<T> {
    const { result, verdict } = this.deferScoped(doing, work);
    const error = await this.guard(verdict);
    if (error) throw error;
    return result;
  }

  /**
   * scoped() without the wait: runs `work` inside the scopes now and returns its result with the scopes'
   * verdict (the typed error, or undefined) as a promise, so a caller awaits it together with other GPU work
   * in one round trip (a forward awaits it with its readback's mapAsync). If `work` throws, the scopes are
   * still popped and the exception is rethrown.
   */
  deferScoped<T>(doing: string, work: () => T): { result: T; verdict: Promise<Error | undefined> } {
    this.check();
    const filters: GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];
    for (const filter of filters) this.device.pushErrorScope(filter);
    let result: T | undefined;
    let thrown: { error: unknown } | undefined;
    try {
      result = work();
    } catch (error) {
      thrown = { error };
    }
    const verdict = Promise.all(filters.map(() => this.device.popErrorScope())).then((errors) => {
      // Scopes pop innermost first: internal, out-of-memory, validation; report the most specific.
      const error = errors.find((e) => e !== null);
      return error ? toTypedError(error, doing) : undefined;
    });
    if (thrown) {
      verdict.catch(() => undefined);
      throw thrown.error;
    }
    return { result: result as T, verdict };
  }

  /** Resolves when all submitted work is done (or rejects if the device is lost meanwhile). */
  async idle(): Promise<void> {
    await this.guard(this.device.queue.onSubmittedWorkDone());
  }

  destroy(): void {
    this.device.destroy();
  }
}

/** Requests an adapter and a device with raised limits from a `GPU` object (navigator.gpu or Dawn's). */
export async function createGpuFrom(gpu: GPU, runtime: string, options: GpuOptions = {}): Promise<Gpu> {
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) {
    throw new GpuUnavailableError(`WebGPU is present (${runtime}) but returned no adapter`);
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) {
    const value = adapter.limits[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  const wanted: GPUFeatureName[] = ['shader-f16', 'subgroups'];
  if (options.timestamps !== false) wanted.push('timestamp-query');
  const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'webgpu-bert' });
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const summary: AdapterSummary = {
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || 'unknown',
    device: info.device || '',
    description: info.description || '',
    // `isFallbackAdapter` moved from the adapter to its info; read both. SwiftShader reports itself by name.
    isFallback: Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter
      ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter)
      || /swiftshader/i.test(`${info.architecture} ${info.description}`),
    shaderF16: device.features.has('shader-f16'),
    subgroups: device.features.has('subgroups'),
    timestampQuery: device.features.has('timestamp-query'),
    runtime,
  };
  return new Gpu(device, summary, gpu);
}

/** One line naming the adapter, for test and benchmark logs. */
export function describeAdapter(a: AdapterSummary): string {
  const kind = a.isFallback ? 'software fallback' : 'hardware';
  const features = [a.shaderF16 && 'shader-f16', a.subgroups && 'subgroups', a.timestampQuery && 'timestamp-query']
    .filter(Boolean).join(', ') || 'none';
  const name = [a.vendor, a.architecture, a.description].filter((s) => s && s !== 'unknown').join(' / ');
  return `${name || 'unknown adapter'} (${kind}, ${a.runtime}; features: ${features})`;
}
