// The page side of the browser tests: one device for the whole page, cases run by name.
import { createBrowserGpu, describeAdapter, fillMask, loadModel, type AdapterSummary, type Gpu, type HubOptions } from '../../src/browser.ts';
import { generateCheckpoint, UniformArena, type GenerateOptions } from '../../src/lab.ts';
import { kernelCases } from '../kernels/cases.ts';
import { runCase } from '../kernels/harness.ts';
import { modelCases, type FixtureEnv } from '../model/cases.ts';
import { taskCases } from '../tasks/cases.ts';

// Fixtures are fetched over HTTP from the same Vite server (127.0.0.1): the loader's URL path, for real.
const fixtures: FixtureEnv = {
  source: (fixture) => new URL(`/tests/fixtures/${fixture}/`, location.href).href,
  readJson: async (fixture, file) => (await fetch(`/tests/fixtures/${fixture}/${file}`)).json(),
};

export interface Harness {
  ready: Promise<AdapterSummary>;
  describe(): string;
  runKernelCase(name: string): Promise<{ ok: boolean; message: string }>;
  runModelCase(name: string): Promise<{ ok: boolean; message: string }>;
  runTaskCase(name: string): Promise<{ ok: boolean; message: string }>;
  /** loadModel of a hub id, then fill-mask: the tokens, or the error's name and message. */
  hubFillMask(id: string, hub: HubOptions): Promise<{ ok: true; tokens: string[] } | { ok: false; error: string }>;
  /** The URLs in the hub's Cache API cache; cut one entry's body short (its Content-Length kept). */
  hubCache(action: 'keys' | 'clear' | { truncate: string }): Promise<string[]>;
  /** Memory of a load, in steps the test measures between: generate a checkpoint in the page (its weight file's
   * bytes), load it and let go of the files, then run a forward and dispose. */
  heldCheckpoint(options: GenerateOptions): number;
  loadHeld(): Promise<number>;
  forwardHeld(): Promise<boolean>;
}

let heldFiles: Map<string, Uint8Array> | undefined;
let heldModel: Awaited<ReturnType<typeof loadModel>> | undefined;

const HUB_CACHE = 'webgpu-bert-hub';

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
  async runModelCase(name) {
    await ready;
    const c = modelCases.find((k) => k.name === name);
    if (!c) return { ok: false, message: `no model case named "${name}"` };
    const reports = await c.run(gpu!, fixtures);
    return { ok: reports.every((r) => r.pass), message: reports.map((r) => r.message).join('; ') };
  },
  async runTaskCase(name) {
    await ready;
    const c = taskCases.find((k) => k.name === name);
    if (!c) return { ok: false, message: `no task case named "${name}"` };
    const checks = await c.run(gpu!);
    const failed = checks.filter((x) => !x.pass);
    return { ok: checks.length > 0 && failed.length === 0, message: (failed.length ? failed : checks).map((x) => x.message).join('; ') };
  },
  async hubFillMask(id, hub) {
    await ready;
    try {
      const model = await loadModel(id, { gpu: gpu!, matmul: 'naive', hub });
      const [candidates] = await fillMask(model, 'the [MASK] sat', { topK: 3 });
      model.dispose();
      return { ok: true, tokens: candidates.map((c) => c.token) };
    } catch (e) {
      return { ok: false, error: `${(e as Error).name}: ${(e as Error).message}` };
    }
  },
  async hubCache(action) {
    const cache = await caches.open(HUB_CACHE);
    if (action === 'clear') await caches.delete(HUB_CACHE);
    else if (action !== 'keys') {
      const res = (await cache.match(action.truncate))!;
      const body = new Uint8Array(await res.arrayBuffer());
      await cache.put(action.truncate, new Response(body.slice(0, 64), { headers: { 'Content-Length': String(body.length) } }));
    }
    return (await (await caches.open(HUB_CACHE)).keys()).map((r) => r.url);
  },
  heldCheckpoint(options) {
    heldFiles = generateCheckpoint(options);
    return heldFiles.get('model.safetensors')!.byteLength;
  },
  async loadHeld() {
    await ready;
    const files = heldFiles!;
    heldFiles = undefined;
    heldModel = await loadModel(files, { gpu: gpu!, matmul: 'unrolled4x4' });
    return heldModel.stats().weightBytes;
  },
  async forwardHeld() {
    const out = await heldModel!.forward({ inputIds: [[2, 7, 9, 3]] });
    heldModel!.dispose();
    heldModel = undefined;
    return out.lastHiddenState.every(Number.isFinite);
  },
};

(window as unknown as { harness: Harness }).harness = harness;
