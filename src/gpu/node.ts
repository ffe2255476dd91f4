// Node entry to the GPU: Dawn through the npm package `webgpu`. On a machine without a GPU, Dawn finds no
// Vulkan adapter; the Debian `chromium` package ships SwiftShader (Vulkan on the CPU), and pointing the
// Vulkan loader at its ICD file gives a working, slow, adapter. We try the machine's own drivers first.
import { existsSync } from 'node:fs';
import { createGpuFrom, type Gpu, type GpuOptions } from './device.ts';
import { dawnPollingFromEnv, setDawnPolling } from './dawn-polling.ts';
import { GpuUnavailableError } from './errors.ts';

/** Where SwiftShader's Vulkan ICD is looked for, in order (the env var first). */
export function swiftShaderIcdCandidates(): string[] {
  return [
    process.env.WEBGPU_BERT_SWIFTSHADER_ICD,
    '/usr/lib/chromium/vk_swiftshader_icd.json',
    '/usr/lib64/chromium/vk_swiftshader_icd.json',
    '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  ].filter((p): p is string => Boolean(p));
}

export interface NodeGpuOptions extends GpuOptions {
  /** 'auto' (default): machine drivers, then SwiftShader. 'swiftshader': SwiftShader only. 'hardware': never SwiftShader. */
  adapter?: 'auto' | 'swiftshader' | 'hardware';
  /** Called with one line when the engine falls back to SwiftShader. */
  log?: (line: string) => void;
}

type DawnModule = { create: (flags: string[]) => GPU; globals: Record<string, unknown> };

let dawn: DawnModule | undefined;

async function loadDawn(): Promise<DawnModule> {
  if (dawn) return dawn;
  // Before Dawn's first call: it would otherwise spin the JS thread through every await (dawn-polling.ts).
  setDawnPolling(dawnPollingFromEnv());
  try {
    dawn = (await import('webgpu')) as unknown as DawnModule;
  } catch (error) {
    throw new GpuUnavailableError(`cannot load Dawn (npm package "webgpu"): ${(error as Error).message.split('\n')[0]}`);
  }
  // Dawn's classes (GPUBufferUsage, GPUMapMode, ...) become globals, as they are in a browser.
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
  }
  // The Vulkan loader complains on every instance when this is unset; an existing directory silences it.
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  return dawn;
}

async function tryAdapter(module: DawnModule, options: GpuOptions, runtime: string): Promise<Gpu | undefined> {
  try {
    return await createGpuFrom(module.create([]), runtime, options);
  } catch (error) {
    if (error instanceof GpuUnavailableError) return undefined;
    throw error;
  }
}

/** A device in Node through Dawn: hardware if there is one, else SwiftShader (and it says so). */
export async function createNodeGpu(options: NodeGpuOptions = {}): Promise<Gpu> {
  const module = await loadDawn();
  const mode = options.adapter ?? (process.env.WEBGPU_BERT_ADAPTER as NodeGpuOptions['adapter']) ?? 'auto';
  const tried: string[] = [];
  if (mode !== 'swiftshader') {
    const gpu = await tryAdapter(module, options, 'node (Dawn)');
    if (gpu) return gpu;
    tried.push('the machine\'s Vulkan drivers (none gave an adapter; is libvulkan1 installed?)');
  }
  if (mode !== 'hardware') {
    const icd = swiftShaderIcdCandidates().find((p) => existsSync(p));
    if (icd) {
      // The loader reads this when Dawn creates its next Vulkan instance, i.e. in create() below.
      process.env.VK_ICD_FILENAMES = icd;
      const gpu = await tryAdapter(module, options, 'node (Dawn, SwiftShader)');
      if (gpu) {
        options.log?.(`no GPU adapter found; using SwiftShader (Vulkan on the CPU) from ${icd}`);
        return gpu;
      }
      tried.push(`SwiftShader at ${icd}`);
    } else {
      tried.push(`SwiftShader (looked for ${swiftShaderIcdCandidates().join(', ')}; apt-get install chromium provides it)`);
    }
  }
  throw new GpuUnavailableError(`no WebGPU adapter in Node: tried ${tried.join('; ')}`);
}
