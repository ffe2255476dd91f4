// The page side of bench/host-overhead.ts: fetches the checkpoint the Node side generated and the engine
// bundles it built (one per checkout, each with its own copy of every module), and runs the same measurement
// as in Node. Progress lines go to the console with a prefix the Node side forwards.
import { measureHostOverhead, type EngineModule, type MeasureOptions } from './host-overhead-measure.ts';

async function bytesOf(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** `engines`: label → URL of that checkout's browser entry, built as an ES module. Resolves with the result as JSON. */
async function run(engines: Record<string, string>, options: MeasureOptions): Promise<string> {
  const names = JSON.parse(new TextDecoder().decode(await bytesOf('/checkpoint/manifest.json'))) as string[];
  const files = new Map(await Promise.all(names.map(async (n) => [n, await bytesOf(`/checkpoint/${encodeURIComponent(n)}`)] as const)));
  const loaded = await Promise.all(Object.entries(engines).map(async ([label, url]) => {
    const module = (await import(/* @vite-ignore */ url)) as EngineModule & { createBrowserGpu(): Promise<unknown> };
    return { label, module, createGpu: () => module.createBrowserGpu() };
  }));
  const result = await measureHostOverhead('chromium', loaded, files, options, (line) => console.log(`[host-overhead] ${line}`));
  return JSON.stringify({ ...result, crossOriginIsolated: globalThis.crossOriginIsolated });
}

(window as unknown as { hostOverhead: { run: typeof run } }).hostOverhead = { run };
