// The header's status line (what the page is doing now) and the notice boxes under the header (no WebGPU,
// software adapter, random weights). Shared by every panel.
import { createBrowserGpu, describeAdapter, type AdapterSummary, type Gpu } from '../src/browser.ts';
import { el, errorMessage } from './dom.ts';

export type StatusKind = 'busy' | 'ok' | 'error';

export function setStatus(text: string, kind: StatusKind = 'ok'): void {
  const node = document.getElementById('status')!;
  node.textContent = text;
  node.dataset.kind = kind;
}

export function showAdapter(adapter: AdapterSummary | undefined): void {
  const node = document.getElementById('adapter')!;
  node.textContent = adapter ? describeAdapter(adapter) : 'no WebGPU adapter';
  node.title = node.textContent; // the header cuts long adapter names
  node.classList.toggle('fallback', Boolean(adapter?.isFallback));
}

/** Adds (or replaces, by id) a notice box under the header. `level` picks the colour and the ARIA role. */
export function notice(id: string, level: 'error' | 'warning' | 'info', title: string, body: (Node | string)[]): HTMLElement {
  document.getElementById(id)?.remove();
  const box = el('section', { class: `notice ${level}`, attrs: { id, role: level === 'error' ? 'alert' : 'note', 'aria-label': title } }, [
    el('h2', { text: title }),
    ...body.map((b) => (typeof b === 'string' ? el('p', { text: b }) : b)),
  ]);
  document.getElementById('notices')!.append(box);
  return box;
}

export function clearNotice(id: string): void {
  document.getElementById(id)?.remove();
}

/** No navigator.gpu, or no adapter: the page cannot run anything, so it says why and how to get WebGPU. */
export function showNoWebGpu(reason: string): void {
  notice('no-webgpu', 'error', 'This demo needs WebGPU', [
    `Why: ${reason}.`,
    el('ul', {}, [
      el('li', { text: 'Use Chrome or Edge 113 or newer on Windows, macOS or ChromeOS (WebGPU is on by default there), or Chrome 121+ on Android.' }),
      el('li', { text: 'On Linux, start Chrome/Chromium with --enable-unsafe-webgpu --enable-features=Vulkan (or turn on chrome://flags/#enable-unsafe-webgpu).' }),
      el('li', { text: 'Without a GPU, Chromium can still run WebGPU on the CPU: add --use-webgpu-adapter=swiftshader --enable-unsafe-swiftshader.' }),
      el('li', { text: 'Open the page over https or from http://127.0.0.1 / localhost: WebGPU exists only in a secure context.' }),
      el('li', { text: 'Firefox Nightly and Safari Technology Preview have WebGPU behind settings; this demo is tested in Chromium.' }),
    ]),
  ]);
}

/** A software adapter (SwiftShader) works, slowly: say so once, plainly; `consequence` says what the page does about it. */
export function showFallbackNote(adapter: AdapterSummary, consequence: string): void {
  const where = adapter.architecture !== 'unknown' ? adapter.architecture : 'a CPU implementation';
  notice('fallback-adapter', 'warning', 'Running on a software adapter', [
    `WebGPU found no GPU and runs on ${where}, on the CPU: everything works, but slowly, and the timings describe the CPU, not a GPU. ${consequence}`,
  ]);
}

/**
 * The page's WebGPU device, with the header and notices set: the adapter, a note when it is a software one
 * (`fallbackConsequence` says what the page does about it), or, with no WebGPU at all, the explanation box
 * and undefined.
 */
export async function openPageGpu(fallbackConsequence: string, options: { timestamps?: boolean } = {}): Promise<Gpu | undefined> {
  let gpu: Gpu;
  try {
    gpu = await createBrowserGpu(options);
  } catch (e) {
    showAdapter(undefined);
    showNoWebGpu(errorMessage(e));
    setStatus('WebGPU is not available', 'error');
    return undefined;
  }
  showAdapter(gpu.adapter);
  if (gpu.adapter.isFallback) showFallbackNote(gpu.adapter, fallbackConsequence);
  return gpu;
}
