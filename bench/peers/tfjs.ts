// TF.js's WebGPU backend as a benchmark peer, on the same adapter and in the same page as this engine:
// (1) tf.matMul at the benchmark's shapes, (2) a BERT encoder forward written with TF.js ops on the same
// checkpoint. The checkpoint is read with this engine's own loader (config rules, `bert.` prefix, shapes,
// F16/BF16 widened to f32), so both sides run the same f32 weights and only the arithmetic differs.
// The forward is Hugging Face's BertModel: post-LN layers, LayerNorm with the config's eps, exact-erf GELU
// (tanh form for gelu_new and friends), padded keys masked by the engine's additive bias.
// Runs in the browser page; nothing here may import node:*.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { summarize, type Timing } from '../../src/kernels/timer.ts';
import { attentionMaskBias } from '../../src/kernels/attention.ts';
import type { EncoderConfig as BertConfig } from '../../src/families/config.ts';
import type { Activation } from '../../src/kernels/matmul.ts';
import { loadCheckpoint } from '../../src/model/source.ts';
import { bertArrays, type BertArrays as BertWeights, type LayerArrays as LayerWeights } from './bert-arrays.ts';
import { checkMatmulRows, matmulOperands } from '../matmul-operands.ts';
import type { Peer, PeerInputs, PeerModel } from './peer.ts';

/** Untimed repetitions before timing: the first calls compile TF.js's pipelines and upload the operands. */
const WARMUP = 2;

let backendReady: Promise<void> | undefined;

/** Selects TF.js's WebGPU backend once per page (TF.js's engine is a page-wide singleton). */
function useWebgpuBackend(): Promise<void> {
  backendReady ??= (async () => {
    // The backend registers itself only when navigator.gpu exists (a secure context with WebGPU).
    if (!tf.findBackendFactory('webgpu')) throw new Error('TF.js has no WebGPU backend here: navigator.gpu is missing (serve the page from 127.0.0.1 or https)');
    if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its WebGPU backend (no adapter or device; see the console)');
    await tf.ready();
  })();
  return backendReady;
}

export async function tfjsPeer(): Promise<Peer> {
  await useWebgpuBackend();
  return {
    engine: 'tfjs',
    // tfjs-core and tfjs-backend-webgpu are released together under one version number.
    version: tf.version_core,
    backend: tf.getBackend(),
    load: loadTfjsModel,
  };
}

// ---------------------------------------------------------------------------------------------------------
// BERT forward in TF.js ops

type Linear = { weight: tf.Tensor2D /* [out, in] as stored */; bias: tf.Tensor1D /* [out] */ };
type Norm = { gamma: tf.Tensor1D /* [H] */; beta: tf.Tensor1D /* [H] */ };

interface LayerTensors {
  qkv: Linear; // [3H, H]: query, key, value rows stacked
  attnOut: Linear; // [H, H]
  attnLn: Norm;
  ffnIn: Linear; // [I, H]
  ffnOut: Linear; // [H, I]
  ffnLn: Norm;
}

interface ModelTensors {
  word: tf.Tensor2D; // [V, H]
  position: tf.Tensor2D; // [P, H]
  tokenType: tf.Tensor2D; // [T, H]
  embLn: Norm;
  layers: LayerTensors[];
}

async function loadTfjsModel(baseUrl: string): Promise<PeerModel> {
  await useWebgpuBackend();
  // The engine's loader also looks for the tokenizer files; a 404 there is fine (the ids come ready-made).
  const ckpt = await loadCheckpoint(baseUrl);
  const { config } = ckpt;
  const weights = bertArrays(ckpt);
  // TF.js uploads a tensor to the GPU on its first use: the first forward pays for the weights' upload (and
  // for compiling every pipeline), which the benchmark's warm-up absorbs.
  const owned: tf.Tensor[] = [];
  const model = buildTensors(config, weights, owned);
  let disposed = false;
  // One forward at a time, so the tensor count around each one sees only its own tensors.
  let queue: Promise<unknown> = Promise.resolve();
  const forwardNow = async (inputs: PeerInputs): Promise<Float32Array> => {
    if (disposed) throw new Error('this TF.js model was disposed');
    checkInputs(config, inputs);
    const before = tf.memory().numTensors;
    // tidy disposes every intermediate (and the input tensors) as soon as the graph is recorded.
    const hidden = tf.tidy(() => encoder(config, model, inputs));
    let out: Float32Array;
    try {
      out = await hidden.data<'float32'>();
    } finally {
      hidden.dispose();
    }
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) throw new Error(`TF.js forward left ${leaked} tensors undisposed`);
    return out;
  };
  return {
    forward(inputs: PeerInputs): Promise<Float32Array> {
      const run = queue.then(() => forwardNow(inputs));
      queue = run.catch(() => undefined);
      return run;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      tf.dispose(owned);
    },
  };
}

/** The loader's f32 arrays as TF.js tensors, made once; every tensor is recorded in `owned` for dispose. */
function buildTensors(c: BertConfig, w: BertWeights, owned: tf.Tensor[]): ModelTensors {
  const H = c.hiddenSize;
  const I = c.intermediateSize;
  const matrix = (data: Float32Array, rows: number, cols: number) => keep(tf.tensor2d(data, [rows, cols], 'float32'));
  const vector = (data: Float32Array) => keep(tf.tensor1d(data, 'float32'));
  function keep<T extends tf.Tensor>(t: T): T {
    owned.push(t);
    return t;
  }
  const linear = (weight: Float32Array, bias: Float32Array, out: number, inp: number): Linear => ({ weight: matrix(weight, out, inp), bias: vector(bias) });
  const norm = (gamma: Float32Array, beta: Float32Array): Norm => ({ gamma: vector(gamma), beta: vector(beta) });
  const layer = (l: LayerWeights): LayerTensors => ({
    qkv: linear(l.qkvWeight, l.qkvBias, 3 * H, H),
    attnOut: linear(l.attnOutWeight, l.attnOutBias, H, H),
    attnLn: norm(l.attnLnGamma, l.attnLnBeta),
    ffnIn: linear(l.ffnInWeight, l.ffnInBias, I, H),
    ffnOut: linear(l.ffnOutWeight, l.ffnOutBias, H, I),
    ffnLn: norm(l.ffnLnGamma, l.ffnLnBeta),
  });
  return {
    word: matrix(w.wordEmbeddings, c.vocabSize, H),
    position: matrix(w.positionEmbeddings, c.maxPositionEmbeddings, H),
    tokenType: matrix(w.tokenTypeEmbeddings, c.typeVocabSize, H),
    embLn: norm(w.embLnGamma, w.embLnBeta),
    layers: w.layers.map(layer),
  };
}

/** last_hidden_state [batch, seqLen, H]. Call inside tf.tidy. */
function encoder(c: BertConfig, m: ModelTensors, inputs: PeerInputs): tf.Tensor {
  const { batch, seqLen } = inputs;
  const H = c.hiddenSize;
  const heads = c.numAttentionHeads;
  const d = c.headDim;
  const tokens = batch * seqLen;
  const eps = c.layerNormEps;

  const ids = tf.tensor1d(inputs.inputIds, 'int32');
  const types = tf.tensor1d(inputs.tokenTypeIds, 'int32');
  // Absolute positions 0..seqLen-1 in every sequence, padding included, as Hugging Face's default position_ids.
  const positions = tf.slice(m.position, [0, 0], [seqLen, H]);
  const summed = tf.add(tf.reshape(tf.add(tf.gather(m.word, ids), tf.gather(m.tokenType, types)), [batch, seqLen, H]), positions);
  let x = layerNorm(tf.reshape(summed, [tokens, H]), m.embLn, eps); // [tokens, H]

  // The engine's additive key mask (0 attend, MASK_VALUE padding), broadcast over heads and query rows. A
  // sequence that is all padding would come out as a uniform average here and as zeros in the engine.
  const maskBias = tf.tensor4d(attentionMaskBias(inputs.attentionMask, batch, seqLen), [batch, 1, 1, seqLen]);
  const scale = 1 / Math.sqrt(d);
  for (const l of m.layers) {
    const qkv = linear(x, l.qkv); // [tokens, 3H]
    // Columns [i*H, (i+1)*H) of qkv as [batch, heads, seqLen, d]: i = 0 query, 1 key, 2 value.
    const head = (i: number) => tf.transpose(tf.reshape(tf.slice(qkv, [0, i * H], [tokens, H]), [batch, seqLen, heads, d]), [0, 2, 1, 3]);
    const scores = tf.add(tf.mul(tf.matMul(head(0), head(1), false, true), scale), maskBias); // [batch, heads, seqLen, seqLen]
    const context = tf.matMul(tf.softmax(scores), head(2)); // [batch, heads, seqLen, d]
    const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [tokens, H]);
    const attended = layerNorm(tf.add(linear(merged, l.attnOut), x), l.attnLn, eps);
    const ffn = linear(gelu(linear(attended, l.ffnIn), c.hiddenAct), l.ffnOut);
    x = layerNorm(tf.add(ffn, attended), l.ffnLn, eps);
  }
  return tf.reshape(x, [batch, seqLen, H]);
}

/** x · Wᵀ + b with W in PyTorch's [out, in] layout: TF.js's fused matMul (bias in the epilogue), as tf.layers.dense uses. */
function linear(x: tf.Tensor, { weight, bias }: Linear): tf.Tensor {
  return tf.fused.matMul({ a: x, b: weight, transposeB: true, bias });
}

/** Over the last axis; tf.moments takes the mean of squared deviations from the mean (two passes). */
function layerNorm(x: tf.Tensor, { gamma, beta }: Norm, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

function gelu(x: tf.Tensor, kind: Activation): tf.Tensor {
  const half = tf.mul(x, 0.5);
  if (kind === 'gelu') return tf.mul(half, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  // x³ as x·x·x: exact, and no pow (WGSL's pow is undefined for a negative base).
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(x, tf.mul(x, x)))));
  return tf.mul(half, tf.add(1, tf.tanh(inner)));
}

/** TF.js's gather reads an out-of-range id silently: refuse bad inputs before they reach it. */
function checkInputs(c: BertConfig, inputs: PeerInputs): void {
  const { batch, seqLen } = inputs;
  if (!Number.isSafeInteger(batch) || batch < 1 || !Number.isSafeInteger(seqLen) || seqLen < 1) {
    throw new Error(`batch and seqLen must be positive integers, got ${batch} x ${seqLen}`);
  }
  if (seqLen > c.maxPositionEmbeddings) throw new Error(`seqLen ${seqLen} exceeds max_position_embeddings ${c.maxPositionEmbeddings}`);
  const fields = [['inputIds', c.vocabSize], ['tokenTypeIds', c.typeVocabSize], ['attentionMask', 2]] as const;
  for (const [name, limit] of fields) {
    const values = inputs[name];
    if (values.length !== batch * seqLen) throw new Error(`${name} has ${values.length} values, expected batch*seqLen = ${batch * seqLen}`);
    const bad = values.findIndex((v) => v < 0 || v >= limit);
    if (bad >= 0) throw new Error(`${name}[${bad}] = ${values[bad]} is outside [0, ${limit})`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// tf.matMul

/**
 * tf.matMul of A [m,k] by B ([n,k] with transB, else [k,n]): checked against a float64 dot product on a few
 * rows, warmed up, then timed `runs` times. With `timestamp-query` the samples are TF.js's own kernelMs
 * from tf.time() (GPU timestamps around each program it dispatched: the matmul, plus the zero fill of its
 * split-K variant when it picks that); without, wall clock from the call to `await data()`, which also
 * counts submission and reading C back ('wall-clock').
 */
export async function tfjsMatmul(m: number, n: number, k: number, transB: boolean, runs: number): Promise<{ relErr: number; timing: Timing }> {
  for (const [name, v] of Object.entries({ m, n, k, runs })) {
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`tfjsMatmul: ${name} must be a positive integer, got ${v}`);
  }
  await useWebgpuBackend();
  const { A, B } = matmulOperands(m, n, k);
  const a = tf.tensor2d(A, [m, k]);
  const b = tf.tensor2d(B, transB ? [n, k] : [k, n]);
  const product = () => tf.matMul(a, b, false, transB);
  const shape = `${m}x${n}x${k}${transB ? ' (B [n,k])' : ''}`;
  try {
    const c = product();
    const check = checkMatmulRows(m, n, k, A, B, transB, await c.data<'float32'>());
    c.dispose();
    if (!check.pass) throw new Error(`tf.matMul ${shape} failed validation: ${check.message}`);
    for (let i = 0; i < WARMUP; i++) {
      const w = product();
      await w.data();
      w.dispose();
    }
    const gpuTimestamps = (tf.backend() as WebGPUBackend).device.features.has('timestamp-query');
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push(gpuTimestamps ? await kernelMs(product) : await wallMs(product));
    return { relErr: check.relNorm, timing: summarize(gpuTimestamps ? 'gpu-timestamps' : 'wall-clock', samples) };
  } finally {
    a.dispose();
    b.dispose();
  }
}

async function kernelMs(product: () => tf.Tensor): Promise<number> {
  let c: tf.Tensor | undefined;
  const info = await tf.time(() => void (c = product()));
  c?.dispose();
  if (typeof info.kernelMs !== 'number') throw new Error(`tf.time() gave no kernel time: ${info.kernelMs.error}`);
  return info.kernelMs;
}

async function wallMs(product: () => tf.Tensor): Promise<number> {
  const t0 = performance.now();
  const c = product();
  await c.data();
  const ms = performance.now() - t0;
  c.dispose();
  return ms;
}

