// Typed errors for everything that can go wrong between the engine and the GPU. Each message is one line
// that a user can act on; the class tells a caller what kind of failure it was without parsing text.

/** No WebGPU implementation or no adapter: nothing was created, nothing needs cleaning up. */
export class GpuUnavailableError extends Error {
  override name = 'GpuUnavailableError';
}

/** A WebGPU validation error: a bug in the engine or a request outside the device's limits. */
export class GpuValidationError extends Error {
  override name = 'GpuValidationError';
}

/** What was asked is over one of this adapter's limits (a buffer above maxBufferSize, a weight row wider than a binding). */
export class GpuLimitError extends Error {
  override name = 'GpuLimitError';
}

/** The device could not allocate memory for a buffer or a pipeline. */
export class GpuOutOfMemoryError extends Error {
  override name = 'GpuOutOfMemoryError';
}

/** An internal error of the WebGPU implementation (e.g. a shader that compiled but could not be lowered). */
export class GpuInternalError extends Error {
  override name = 'GpuInternalError';
}

/** The device was lost (driver reset, destroy(), tab backgrounded on some platforms). Every pending and later call rejects with it. */
export class GpuDeviceLostError extends Error {
  override name = 'GpuDeviceLostError';
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

/** Turns a GPUError popped from an error scope into the matching typed error, with what was being done. */
export function toTypedError(error: GPUError, doing: string): Error {
  const text = `${doing}: ${error.message.split('\n')[0]}`;
  // By constructor name: the GPU* error classes are globals in the browser but only exist in Node once
  // Dawn's globals are installed, and an `instanceof` against a missing global would throw.
  const kind = error.constructor?.name;
  if (kind === 'GPUOutOfMemoryError') return new GpuOutOfMemoryError(text);
  if (kind === 'GPUValidationError') return new GpuValidationError(text);
  return new GpuInternalError(text);
}
