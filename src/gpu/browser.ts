// Browser entry to the GPU: navigator.gpu, which exists only in a secure context (https or 127.0.0.1).
import { createGpuFrom, type Gpu, type GpuOptions } from './device.ts';
import { GpuUnavailableError } from './errors.ts';

export async function createBrowserGpu(options: GpuOptions = {}): Promise<Gpu> {
  const gpu = (globalThis as { navigator?: Navigator }).navigator?.gpu;
  if (!gpu) {
    const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
    throw new GpuUnavailableError(secure === false
      ? 'WebGPU needs a secure context: open the page over https or from 127.0.0.1/localhost'
      : 'this browser has no WebGPU (navigator.gpu is missing): use a recent Chrome/Edge, or enable WebGPU');
  }
  return createGpuFrom(gpu, 'browser', options);
}
