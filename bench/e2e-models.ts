// The end-to-end grid: which BERT-shaped models, at which batch x sequence, against which peers. Shared by the
// page (bench/suites/e2e.ts runs it) and Node (bench/main.ts writes the same models' folders before opening
// the page), so both sides read one table. Browser-safe: no node:* imports.
import type { GenerateOptions } from '../src/model/generate.ts';

export interface E2eModel {
  /** Folder name under bench/models/ and the --models key. */
  name: string;
  title: string;
  options: GenerateOptions;
}

/**
 * Random weights in the real shapes (the generator's own small vocabulary: the embedding gather is a
 * negligible part of a forward, so the timing is that of the real model). maxPositions 512 for the 1x512 rows.
 */
export const E2E_MODELS: readonly E2eModel[] = [
  { name: 'minilm-l6-h384', title: 'MiniLM shape (hidden 384, 6 layers, 12 heads, FFN 1536)', options: { architecture: 'BertModel', hiddenSize: 384, numLayers: 6, numHeads: 12, intermediateSize: 1536, maxPositions: 512, seed: 1 } },
  { name: 'bert-base', title: 'BERT-base shape (hidden 768, 12 layers, 12 heads, FFN 3072)', options: { architecture: 'BertModel', hiddenSize: 768, numLayers: 12, numHeads: 12, intermediateSize: 3072, maxPositions: 512, seed: 1 } },
  // For tests and demos on a software adapter: seconds, not minutes.
  { name: 'tiny-h64', title: 'tiny (hidden 64, 2 layers, 4 heads, FFN 256)', options: { architecture: 'BertModel', hiddenSize: 64, numLayers: 2, numHeads: 4, intermediateSize: 256, maxPositions: 128, seed: 1 } },
];

export const PEER_NAMES = ['transformers.js-webgpu', 'transformers.js-wasm', 'tfjs-webgpu'] as const;

export interface E2eCase {
  model: string;
  batch: number;
  seqLen: number;
  peers: string[];
}

const ALL = [...PEER_NAMES];

/**
 * Full: both real shapes at 1x128, 8x128 and 1x512 with every peer. Quick (software adapter): 1x128 only;
 * MiniLM with every peer, BERT-base with ours and the WASM reference point (the WebGPU peers on a CPU would
 * take most of the budget for one row; a GPU run has them all).
 */
export const E2E_GRID: Record<'quick' | 'full', E2eCase[]> = {
  quick: [
    { model: 'minilm-l6-h384', batch: 1, seqLen: 128, peers: ALL },
    { model: 'bert-base', batch: 1, seqLen: 128, peers: ['transformers.js-wasm'] },
  ],
  full: ['minilm-l6-h384', 'bert-base'].flatMap((model) => [[1, 128], [8, 128], [1, 512]].map(([batch, seqLen]) => ({ model, batch, seqLen, peers: ALL }))),
};

export function e2eModel(name: string): E2eModel {
  const m = E2E_MODELS.find((x) => x.name === name);
  if (!m) throw new Error(`e2e: unknown model "${name}" (known: ${E2E_MODELS.map((x) => x.name).join(', ')})`);
  return m;
}

/** '8x128' → [8, 128]. */
export function parseShape(text: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(text);
  const [batch, seqLen] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!(batch >= 1 && seqLen >= 1)) throw new Error(`e2e: --shapes takes batch x sequence like 1x128, got "${text}"`);
  return [batch, seqLen];
}

/** The grid after `--models a,b`, `--shapes 1x128,8x128`, `--peers x,y|none` (each replaces that part of the default). */
export function e2eCases(size: 'quick' | 'full', opts: { models?: string[]; shapes?: string[]; peers?: string[] }): E2eCase[] {
  const peers = opts.peers?.includes('none') ? [] : opts.peers;
  for (const p of peers ?? []) if (!(PEER_NAMES as readonly string[]).includes(p)) throw new Error(`e2e: unknown peer "${p}" (known: ${PEER_NAMES.join(', ')}, none)`);
  let cases = E2E_GRID[size];
  if (opts.models || opts.shapes) {
    const models = opts.models ?? [...new Set(cases.map((c) => c.model))];
    const shapes = opts.shapes?.map(parseShape) ?? [...new Set(cases.map((c) => `${c.batch}x${c.seqLen}`))].map(parseShape);
    cases = models.flatMap((model) => {
      const m = e2eModel(model);
      return shapes.map(([batch, seqLen]) => {
        const limit = m.options.maxPositions ?? 128;
        if (seqLen > limit) throw new Error(`e2e: ${model} takes at most ${limit} positions, --shapes asks for ${seqLen}`);
        return { model, batch, seqLen, peers: E2E_GRID[size].find((c) => c.model === model)?.peers ?? ALL };
      });
    });
  }
  return peers ? cases.map((c) => ({ ...c, peers })) : cases;
}
