// The peers the end-to-end benchmark can run, by name. Each is imported only when asked for, so a page
// that runs one peer does not load the others' packages.
import type { Peer } from './peer.ts';

export const PEERS: Record<string, () => Promise<Peer>> = {
  'transformers.js-webgpu': async () => (await import('./transformers.ts')).transformersPeer('webgpu'),
  'transformers.js-wasm': async () => (await import('./transformers.ts')).transformersPeer('wasm'),
  'tfjs-webgpu': async () => (await import('./tfjs.ts')).tfjsPeer(),
};
