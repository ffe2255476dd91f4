// A loaded BERT checkpoint's weights as plain f32 arrays, in the layout the peers' forwards read (the TF.js
// forward and the ONNX export): the engine's weights are descriptors with their values kept apart.
import type { PostLnWeights } from '../../src/families/encoder.ts';
import type { Weight } from '../../src/families/weights.ts';
import type { LoadedCheckpoint } from '../../src/model/source.ts';

export interface LayerArrays {
  qkvWeight: Float32Array; // [3H, H]: query, key, value rows stacked
  qkvBias: Float32Array; // [3H]
  attnOutWeight: Float32Array; // [H, H]
  attnOutBias: Float32Array; // [H]
  attnLnGamma: Float32Array; // [H]
  attnLnBeta: Float32Array; // [H]
  ffnInWeight: Float32Array; // [I, H]
  ffnInBias: Float32Array; // [I]
  ffnOutWeight: Float32Array; // [H, I]
  ffnOutBias: Float32Array; // [H]
  ffnLnGamma: Float32Array; // [H]
  ffnLnBeta: Float32Array; // [H]
}

export interface BertArrays {
  wordEmbeddings: Float32Array; // [V, H]
  positionEmbeddings: Float32Array; // [P, H]
  tokenTypeEmbeddings: Float32Array; // [T, H]
  embLnGamma: Float32Array; // [H]
  embLnBeta: Float32Array; // [H]
  layers: LayerArrays[];
}

export function bertArrays(ckpt: Pick<LoadedCheckpoint, 'family' | 'weights' | 'data'>): BertArrays {
  if (ckpt.family.name !== 'bert') throw new Error(`the peers run BERT checkpoints, not ${ckpt.family.name}`);
  const w = ckpt.weights as PostLnWeights;
  const get = (x: Weight | undefined) => {
    const d = x && ckpt.data.get(x);
    if (!d) throw new Error(`no values for ${x?.name ?? 'a missing weight'}`);
    return d.f32();
  };
  const e = w.embeddings;
  return {
    wordEmbeddings: get(e.word), positionEmbeddings: get(e.position), tokenTypeEmbeddings: get(e.tokenType),
    embLnGamma: get(e.norm?.gamma), embLnBeta: get(e.norm?.beta),
    layers: w.layers.map((l) => ({
      qkvWeight: get(l.qkv.weight), qkvBias: get(l.qkv.bias),
      attnOutWeight: get(l.attnOut.weight), attnOutBias: get(l.attnOut.bias),
      attnLnGamma: get(l.attnNorm.gamma), attnLnBeta: get(l.attnNorm.beta),
      ffnInWeight: get(l.ffnIn.weight), ffnInBias: get(l.ffnIn.bias),
      ffnOutWeight: get(l.ffnOut.weight), ffnOutBias: get(l.ffnOut.bias),
      ffnLnGamma: get(l.ffnNorm.gamma), ffnLnBeta: get(l.ffnNorm.beta),
    })),
  };
}
