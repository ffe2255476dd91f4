// Uploads a checkpoint's weights to the GPU once: every tensor gets a 256-byte-aligned view in a few large
// buffers (an arena), so kernels bind views and nothing is allocated per forward. Q, K and V weights
// arrive stacked ([3H, H]) so QKV is one matmul.
import type { Gpu } from '../gpu/device.ts';
import { alignUp, BYTES_PER_ELEMENT, createBuffer, VIEW_ALIGNMENT, type GpuTensor } from '../gpu/tensor.ts';
import type { BertConfig } from '../model/config.ts';
import type { BertWeights } from '../model/weights.ts';

export interface GpuLayerWeights {
  qkvWeight: GpuTensor; // [3H, H]
  qkvBias: GpuTensor; // [3H]
  attnOutWeight: GpuTensor; // [H, H]
  attnOutBias: GpuTensor; // [H]
  attnLnGamma: GpuTensor; // [H]
  attnLnBeta: GpuTensor; // [H]
  ffnInWeight: GpuTensor; // [I, H]
  ffnInBias: GpuTensor; // [I]
  ffnOutWeight: GpuTensor; // [H, I]
  ffnOutBias: GpuTensor; // [H]
  ffnLnGamma: GpuTensor; // [H]
  ffnLnBeta: GpuTensor; // [H]
}

export interface GpuBertWeights {
  wordEmbeddings: GpuTensor; // [V, H]
  positionEmbeddings: GpuTensor; // [P, H]
  tokenTypeEmbeddings: GpuTensor; // [T, H]
  embLnGamma: GpuTensor; // [H]
  embLnBeta: GpuTensor; // [H]
  layers: GpuLayerWeights[];
  pooler?: { weight: GpuTensor; bias: GpuTensor }; // [H, H], [H]
  /** decoderWeight is the word-embedding view when tied. */
  mlmHead?: { transformWeight: GpuTensor; transformBias: GpuTensor; lnGamma: GpuTensor; lnBeta: GpuTensor; decoderWeight: GpuTensor; decoderBias: GpuTensor };
  classifier?: { weight: GpuTensor; bias: GpuTensor }; // [numLabels, H], [numLabels]
  qaOutputs?: { weight: GpuTensor; bias: GpuTensor }; // [2, H], [2]
}

export interface UploadProgress { uploaded: number; total: number }

/** The weights on the GPU and the buffers holding them (destroy() frees them all). */
export class WeightArena {
  constructor(readonly weights: GpuBertWeights, readonly buffers: GPUBuffer[], readonly bytes: number) {}

  destroy(): void {
    for (const b of this.buffers) b.destroy();
  }
}

/** Largest buffer we make: within every adapter's binding limit and kind to allocators. */
const CHUNK_LIMIT = 256 * 2 ** 20;

type Shaped = { data: Float32Array; shape: number[]; label: string };

export async function uploadWeights(gpu: Gpu, config: BertConfig, w: BertWeights, onProgress?: (p: UploadProgress) => void): Promise<WeightArena> {
  const H = config.hiddenSize;
  const I = config.intermediateSize;
  const entries: Shaped[] = [];
  const add = (data: Float32Array, shape: number[], label: string): Shaped => {
    const e = { data, shape, label };
    entries.push(e);
    return e;
  };
  const plan = {
    wordEmbeddings: add(w.wordEmbeddings, [config.vocabSize, H], 'word embeddings'),
    positionEmbeddings: add(w.positionEmbeddings, [config.maxPositionEmbeddings, H], 'position embeddings'),
    tokenTypeEmbeddings: add(w.tokenTypeEmbeddings, [config.typeVocabSize, H], 'token type embeddings'),
    embLnGamma: add(w.embLnGamma, [H], 'embeddings LayerNorm weight'),
    embLnBeta: add(w.embLnBeta, [H], 'embeddings LayerNorm bias'),
    layers: w.layers.map((l, i) => ({
      qkvWeight: add(l.qkvWeight, [3 * H, H], `layer ${i} qkv weight`),
      qkvBias: add(l.qkvBias, [3 * H], `layer ${i} qkv bias`),
      attnOutWeight: add(l.attnOutWeight, [H, H], `layer ${i} attention output weight`),
      attnOutBias: add(l.attnOutBias, [H], `layer ${i} attention output bias`),
      attnLnGamma: add(l.attnLnGamma, [H], `layer ${i} attention LayerNorm weight`),
      attnLnBeta: add(l.attnLnBeta, [H], `layer ${i} attention LayerNorm bias`),
      ffnInWeight: add(l.ffnInWeight, [I, H], `layer ${i} intermediate weight`),
      ffnInBias: add(l.ffnInBias, [I], `layer ${i} intermediate bias`),
      ffnOutWeight: add(l.ffnOutWeight, [H, I], `layer ${i} output weight`),
      ffnOutBias: add(l.ffnOutBias, [H], `layer ${i} output bias`),
      ffnLnGamma: add(l.ffnLnGamma, [H], `layer ${i} output LayerNorm weight`),
      ffnLnBeta: add(l.ffnLnBeta, [H], `layer ${i} output LayerNorm bias`),
    })),
    pooler: w.pooler && { weight: add(w.pooler.weight, [H, H], 'pooler weight'), bias: add(w.pooler.bias, [H], 'pooler bias') },
    mlmHead: w.mlmHead && {
      transformWeight: add(w.mlmHead.transformWeight, [H, H], 'MLM transform weight'),
      transformBias: add(w.mlmHead.transformBias, [H], 'MLM transform bias'),
      lnGamma: add(w.mlmHead.lnGamma, [H], 'MLM LayerNorm weight'),
      lnBeta: add(w.mlmHead.lnBeta, [H], 'MLM LayerNorm bias'),
      decoderWeight: w.mlmHead.decoderWeight ? add(w.mlmHead.decoderWeight, [config.vocabSize, H], 'MLM decoder weight') : undefined,
      decoderBias: add(w.mlmHead.decoderBias, [config.vocabSize], 'MLM decoder bias'),
    },
    classifier: w.classifier && { weight: add(w.classifier.weight, [config.numLabels, H], 'classifier weight'), bias: add(w.classifier.bias, [config.numLabels], 'classifier bias') },
    qaOutputs: w.qaOutputs && { weight: add(w.qaOutputs.weight, [2, H], 'QA weight'), bias: add(w.qaOutputs.bias, [2], 'QA bias') },
  };

  // Pack entries into chunks of at most CHUNK_LIMIT bytes, each view aligned for binding.
  const chunkLimit = Math.min(CHUNK_LIMIT, gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize);
  const placed = new Map<Shaped, { chunk: number; offset: number }>();
  const chunkSizes: number[] = [0];
  for (const e of entries) {
    const bytes = e.data.length * BYTES_PER_ELEMENT;
    if (bytes > chunkLimit) throw new Error(`${e.label} (${(bytes / 2 ** 20).toFixed(0)} MiB) exceeds this adapter's largest binding`);
    let chunk = chunkSizes.length - 1;
    let offset = alignUp(chunkSizes[chunk], VIEW_ALIGNMENT);
    if (offset + bytes > chunkLimit) {
      chunkSizes.push(0);
      chunk++;
      offset = 0;
    }
    placed.set(e, { chunk, offset });
    chunkSizes[chunk] = offset + bytes;
  }
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const buffers: GPUBuffer[] = [];
  try {
    for (const [i, size] of chunkSizes.entries()) buffers.push(await createBuffer(gpu, size, usage, `weights #${i}`));
    const total = entries.reduce((s, e) => s + e.data.byteLength, 0);
    let uploaded = 0;
    const view = (e: Shaped): GpuTensor => {
      const { chunk, offset } = placed.get(e)!;
      return { buffer: buffers[chunk], byteOffset: offset, shape: e.shape, dtype: 'f32', label: e.label };
    };
    for (const e of entries) {
      if (e.data.length !== e.shape.reduce((a, b) => a * b, 1)) throw new Error(`${e.label}: ${e.data.length} values for shape [${e.shape}]`);
      const { chunk, offset } = placed.get(e)!;
      gpu.device.queue.writeBuffer(buffers[chunk], offset, e.data.buffer, e.data.byteOffset, e.data.byteLength);
      uploaded += e.data.byteLength;
      onProgress?.({ uploaded, total });
    }
    await gpu.idle();
    const v = <T extends Shaped | undefined>(e: T) => (e ? view(e) : undefined) as T extends Shaped ? GpuTensor : undefined;
    const weights: GpuBertWeights = {
      wordEmbeddings: v(plan.wordEmbeddings), positionEmbeddings: v(plan.positionEmbeddings),
      tokenTypeEmbeddings: v(plan.tokenTypeEmbeddings), embLnGamma: v(plan.embLnGamma), embLnBeta: v(plan.embLnBeta),
      layers: plan.layers.map((l) => Object.fromEntries(Object.entries(l).map(([k, e]) => [k, view(e)])) as unknown as GpuLayerWeights),
      pooler: plan.pooler && { weight: v(plan.pooler.weight), bias: v(plan.pooler.bias) },
      mlmHead: plan.mlmHead && {
        transformWeight: v(plan.mlmHead.transformWeight), transformBias: v(plan.mlmHead.transformBias),
        lnGamma: v(plan.mlmHead.lnGamma), lnBeta: v(plan.mlmHead.lnBeta),
        decoderWeight: plan.mlmHead.decoderWeight ? v(plan.mlmHead.decoderWeight) : v(plan.wordEmbeddings),
        decoderBias: v(plan.mlmHead.decoderBias),
      },
      classifier: plan.classifier && { weight: v(plan.classifier.weight), bias: v(plan.classifier.bias) },
      qaOutputs: plan.qaOutputs && { weight: v(plan.qaOutputs.weight), bias: v(plan.qaOutputs.bias) },
    };
    return new WeightArena(weights, buffers, chunkSizes.reduce((a, b) => a + b, 0));
  } catch (error) {
    for (const b of buffers) b.destroy();
    throw error;
  }
}
