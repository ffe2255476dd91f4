// The page side of the browser tests: one device for the whole page, cases run by name.
import { createBrowserGpu, describeAdapter, UniformArena, type AdapterSummary, type Gpu } from '../../src/browser.ts';
import { kernelCases } from '../kernels/cases.ts';
import { runCase } from '../kernels/harness.ts';

export interface Harness {
  ready: Promise<AdapterSummary>;
  describe(): string;
  runKernelCase(name: string): Promise<{ ok: boolean; message: string }>;
}

let gpu: Gpu | undefined;
let uniforms: UniformArena | undefined;
const log = document.getElementById('log')!;

const ready = createBrowserGpu().then((g) => {
  gpu = g;
  uniforms = new UniformArena(g, 'test uniforms');
  log.textContent = `adapter: ${describeAdapter(g.adapter)}`;
  return g.adapter;
});

const harness: Harness = {
  ready,
  describe: () => (gpu ? describeAdapter(gpu.adapter) : 'no adapter'),
  async runKernelCase(name) {
    await ready;
    const c = kernelCases.find((k) => k.name === name);
    if (!c) return { ok: false, message: `no kernel case named "${name}"` };
    return runCase(gpu!, uniforms!, c);
  },
};

(window as unknown as { harness: Harness }).harness = harness;
