/**
 * This engine's BERT checkpoints → an ONNX ModelProto, so that ONNX-only peers (Transformers.js on ONNX
 * Runtime Web) run the very weights we run. Standard ONNX ops only, opset 17 (the first with
 * LayerNormalization), IR version 8; the graph is Hugging Face's BertModel (embeddings + encoder, no pooler
 * or heads) the way torch.onnx/Optimum exports it: separate Q/K/V MatMuls on transposed Linear weights,
 * eager attention (scores / sqrt(head_dim) + additive mask, Softmax), GELU spelled out with Erf or Tanh.
 *
 * Inputs `input_ids`, `attention_mask`, `token_type_ids` (int64 [batch_size, sequence_length]); output
 * `last_hidden_state` (float32 [batch_size, sequence_length, hidden]). Weights are initializers with
 * little-endian f32 raw_data; transposed ones are made while the file is written, one at a time.
 * Browser-safe: no node:* imports.
 */
import { MASK_VALUE } from '../../src/kernels/softmax.ts';
import type { EncoderConfig as BertConfig } from '../../src/families/config.ts';
import type { BertArrays as BertWeights } from './bert-arrays.ts';
import { type LazyBytes, ProtoMessage } from './protobuf.ts';

/** Bump when the exported bytes change for the same checkpoint (graph, names, layout), to invalidate caches. */
export const ONNX_EXPORTER_VERSION = 1;
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

// onnx.proto field numbers, for the messages written here.
const MODEL = { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 } as const;
const OPSET = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, name: 2, initializer: 5, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 } as const;
const ATTRIBUTE = { name: 1, f: 2, i: 3, ints: 8, type: 20 } as const;
const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, INTS: 7 } as const;
const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9 } as const;
const VALUE_INFO = { name: 1, type: 2 } as const;
const TYPE_TENSOR = 1; // TypeProto.tensor_type
const TENSOR_TYPE = { elemType: 1, shape: 2 } as const;
const SHAPE_DIM = 1; // TensorShapeProto.dim
const DIMENSION = { value: 1, param: 2 } as const;
const DATA_TYPE = { FLOAT: 1, INT64: 7 } as const;

/** ModelProto has no external data here, and protobuf messages stop at 2 GiB. */
const MAX_MODEL_BYTES = 2 ** 31 - 1;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** f32 values as ONNX raw_data: little-endian whatever the host. */
function f32Bytes(data: Float32Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN) return bytes;
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return out;
}

/** [rows, cols] row-major → its transpose [cols, rows], made when written (PyTorch Linear [out, in] → MatMul's [in, out]). */
function transposed(data: Float32Array, rows: number, cols: number): LazyBytes {
  return {
    byteLength: data.byteLength,
    bytes() {
      const t = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = data[r * cols + c];
      return f32Bytes(t);
    },
  };
}

type Attr = number | number[] | { float: number };

function attribute(name: string, value: Attr): ProtoMessage {
  const a = new ProtoMessage().string(ATTRIBUTE.name, name);
  if (Array.isArray(value)) return a.packedVarints(ATTRIBUTE.ints, value).varint(ATTRIBUTE.type, ATTRIBUTE_TYPE.INTS);
  if (typeof value === 'number') return a.varint(ATTRIBUTE.i, value).varint(ATTRIBUTE.type, ATTRIBUTE_TYPE.INT);
  return a.float(ATTRIBUTE.f, value.float).varint(ATTRIBUTE.type, ATTRIBUTE_TYPE.FLOAT);
}

/** A tensor-typed ValueInfoProto; string dims are symbolic (dynamic) dims. */
function valueInfo(name: string, elemType: number, dims: (number | string)[]): ProtoMessage {
  const shape = new ProtoMessage();
  for (const d of dims) {
    const dim = new ProtoMessage();
    shape.message(SHAPE_DIM, typeof d === 'number' ? dim.varint(DIMENSION.value, d) : dim.string(DIMENSION.param, d));
  }
  const tensorType = new ProtoMessage().varint(TENSOR_TYPE.elemType, elemType).message(TENSOR_TYPE.shape, shape);
  return new ProtoMessage().string(VALUE_INFO.name, name).message(VALUE_INFO.type, new ProtoMessage().message(TYPE_TENSOR, tensorType));
}

/** Nodes and initializers in graph order; every node's output tensor is named after the node. */
class GraphBuilder {
  readonly nodes: ProtoMessage[] = [];
  readonly initializers: ProtoMessage[] = [];
  private readonly names = new Set<string>();
  private readonly scalars = new Map<string, number>();

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`exportBertOnnx: duplicate tensor name ${name}`);
    this.names.add(name);
    return name;
  }

  node(name: string, opType: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    const n = new ProtoMessage();
    for (const i of inputs) n.string(NODE.input, i);
    n.string(NODE.output, this.claim(name)).string(NODE.name, name).string(NODE.opType, opType);
    for (const [k, v] of Object.entries(attrs)) n.message(NODE.attribute, attribute(k, v));
    this.nodes.push(n);
    return name;
  }

  initializer(name: string, dataType: number, dims: number[], raw: Uint8Array | LazyBytes): string {
    const t = new ProtoMessage().packedVarints(TENSOR.dims, dims).varint(TENSOR.dataType, dataType).string(TENSOR.name, this.claim(name));
    this.initializers.push(t.bytes(TENSOR.rawData, raw));
    return name;
  }

  /** An f32 weight, checked against the shape the config gives it. */
  weight(name: string, dims: number[], data: Float32Array): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new RangeError(`exportBertOnnx: ${name} has ${data.length} values, expected [${dims.join(', ')}] = ${n}`);
    return this.initializer(name, DATA_TYPE.FLOAT, dims, f32Bytes(data));
  }

  /** A Linear layer as MatMul with the transposed [in, out] weight, then Add bias: [.., in] → [.., out]. */
  linear(name: string, x: string, weight: Float32Array, bias: Float32Array, outDim: number, inDim: number): string {
    if (weight.length !== outDim * inDim) throw new RangeError(`exportBertOnnx: ${name}.weight has ${weight.length} values, expected [${outDim}, ${inDim}]`);
    const w = this.initializer(`${name}.weight.T`, DATA_TYPE.FLOAT, [inDim, outDim], transposed(weight, outDim, inDim));
    const b = this.weight(`${name}.bias`, [outDim], bias);
    return this.node(`${name}/Add`, 'Add', [this.node(`${name}/MatMul`, 'MatMul', [x, w]), b]);
  }

  /** A float32 scalar constant, shared by every node that names it. */
  scalar(name: string, value: number): string {
    const known = this.scalars.get(name);
    if (known !== undefined) {
      if (known !== value) throw new Error(`exportBertOnnx: constant ${name} defined as ${known} and ${value}`);
      return name;
    }
    this.scalars.set(name, value);
    return this.initializer(name, DATA_TYPE.FLOAT, [], f32Bytes(Float32Array.of(value)));
  }

  int64s(name: string, values: number[]): string {
    const raw = new Uint8Array(8 * values.length);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
    return this.initializer(name, DATA_TYPE.INT64, [values.length], raw);
  }
}

function checkExportable(config: BertConfig, weights: BertWeights): void {
  const fail = (detail: string): never => {
    throw new RangeError(`exportBertOnnx: ${detail}`);
  };
  if (config.modelType !== 'bert') fail(`model_type ${JSON.stringify(config.modelType)} is not bert`);
  if (config.hiddenAct !== 'gelu' && config.hiddenAct !== 'gelu_tanh') fail(`hidden_act ${JSON.stringify(config.hiddenActName)} has no ONNX form here (gelu or the tanh family only)`);
  if (config.headDim * config.numAttentionHeads !== config.hiddenSize) fail(`hidden_size ${config.hiddenSize} is not heads ${config.numAttentionHeads} x head_dim ${config.headDim}`);
  if (weights.layers.length !== config.numHiddenLayers) fail(`the weights have ${weights.layers.length} layers, the config says num_hidden_layers ${config.numHiddenLayers}`);
}

/**
 * The ModelProto as a message tree, for streaming: `model.chunks()` writes it piece by piece and
 * `model.byteLength` is its size. Weights are referenced, not copied, until written.
 */
export function bertOnnxModel(config: BertConfig, weights: BertWeights): ProtoMessage {
  checkExportable(config, weights);
  const { hiddenSize: H, intermediateSize: I, numAttentionHeads: heads, headDim, layerNormEps } = config;
  const g = new GraphBuilder();
  const layerNorm = (name: string, x: string, gamma: Float32Array, beta: Float32Array) =>
    g.node(name, 'LayerNormalization', [x, g.weight(`${name}.weight`, [H], gamma), g.weight(`${name}.bias`, [H], beta)], {
      axis: -1,
      epsilon: { float: layerNormEps },
    });

  // Embeddings: word + token type + position rows 0..S-1 (a Slice of the table: the same rows a Gather of 0..S-1 gives).
  const word = g.node('embeddings/word', 'Gather', [g.weight('embeddings.word_embeddings.weight', [config.vocabSize, H], weights.wordEmbeddings), 'input_ids']);
  const type = g.node('embeddings/token_type', 'Gather', [g.weight('embeddings.token_type_embeddings.weight', [config.typeVocabSize, H], weights.tokenTypeEmbeddings), 'token_type_ids']);
  const seqLen = g.node('embeddings/sequence_length', 'Shape', ['input_ids'], { start: 1, end: 2 });
  const zero = g.int64s('const.0', [0]);
  const positions = g.node('embeddings/position', 'Slice', [g.weight('embeddings.position_embeddings.weight', [config.maxPositionEmbeddings, H], weights.positionEmbeddings), zero, seqLen, zero]);
  const sum = g.node('embeddings/sum', 'Add', [g.node('embeddings/word_type', 'Add', [word, type]), positions]);
  let x = layerNorm('embeddings.LayerNorm', sum, weights.embLnGamma, weights.embLnBeta);

  // Hugging Face's extended mask: (1 - mask) * MASK_VALUE as [batch, 1, 1, keys], added to every head's scores.
  // MASK_VALUE is the engine's own (not float32 min), so both sides drop padded keys by the same bias.
  const keep = g.node('mask/cast', 'Cast', ['attention_mask'], { to: DATA_TYPE.FLOAT });
  const drop = g.node('mask/inverted', 'Sub', [g.scalar('const.one', 1), keep]);
  const bias = g.node('mask/bias', 'Mul', [drop, g.scalar('const.mask_value', MASK_VALUE)]);
  const maskBias = g.node('mask/bias_4d', 'Unsqueeze', [bias, g.int64s('const.axes_1_2', [1, 2])]);

  const splitHeads = g.int64s('const.shape_heads', [0, 0, heads, headDim]); // 0 keeps batch and sequence
  const mergeHeads = g.int64s('const.shape_hidden', [0, 0, H]);
  const sqrtHeadDim = g.scalar('const.sqrt_head_dim', Math.sqrt(headDim));
  const gelu = config.hiddenAct === 'gelu' ? geluErf : geluTanh;

  weights.layers.forEach((l, i) => {
    const p = `encoder.layer.${i}`;
    // Q, K, V are rows [0,H), [H,2H), [2H,3H) of the engine's stacked QKV weight: views, no copies.
    const part = (k: number) => [l.qkvWeight.subarray(k * H * H, (k + 1) * H * H), l.qkvBias.subarray(k * H, (k + 1) * H)] as const;
    const heads4d = (name: string, k: number, perm: number[]) => {
      const proj = g.linear(`${p}.attention.self.${name}`, x, ...part(k), H, H);
      return g.node(`${p}.attention.self.${name}/Transpose`, 'Transpose', [g.node(`${p}.attention.self.${name}/Reshape`, 'Reshape', [proj, splitHeads])], { perm });
    };
    const q = heads4d('query', 0, [0, 2, 1, 3]); // [B, heads, S, headDim]
    const kT = heads4d('key', 1, [0, 2, 3, 1]); // [B, heads, headDim, S]
    const v = heads4d('value', 2, [0, 2, 1, 3]);
    const a = `${p}.attention.self`;
    const scores = g.node(`${a}/scores_scaled`, 'Div', [g.node(`${a}/scores`, 'MatMul', [q, kT]), sqrtHeadDim]);
    const probs = g.node(`${a}/probs`, 'Softmax', [g.node(`${a}/scores_masked`, 'Add', [scores, maskBias])], { axis: -1 });
    const context4d = g.node(`${a}/context_heads`, 'Transpose', [g.node(`${a}/context`, 'MatMul', [probs, v])], { perm: [0, 2, 1, 3] });
    const context = g.node(`${a}/context_merged`, 'Reshape', [context4d, mergeHeads]);

    const attnOut = g.linear(`${p}.attention.output.dense`, context, l.attnOutWeight, l.attnOutBias, H, H);
    const x1 = layerNorm(`${p}.attention.output.LayerNorm`, g.node(`${p}.attention.output/residual`, 'Add', [attnOut, x]), l.attnLnGamma, l.attnLnBeta);
    const inter = gelu(g, `${p}.intermediate.gelu`, g.linear(`${p}.intermediate.dense`, x1, l.ffnInWeight, l.ffnInBias, I, H));
    const out = g.linear(`${p}.output.dense`, inter, l.ffnOutWeight, l.ffnOutBias, H, I);
    x = layerNorm(`${p}.output.LayerNorm`, g.node(`${p}.output/residual`, 'Add', [out, x1]), l.ffnLnGamma, l.ffnLnBeta);
  });
  g.node('last_hidden_state', 'Identity', [x]);

  const graph = new ProtoMessage();
  for (const n of g.nodes) graph.message(GRAPH.node, n);
  graph.string(GRAPH.name, 'bert');
  for (const t of g.initializers) graph.message(GRAPH.initializer, t);
  const dynamic = ['batch_size', 'sequence_length'];
  for (const name of ['input_ids', 'attention_mask', 'token_type_ids']) graph.message(GRAPH.input, valueInfo(name, DATA_TYPE.INT64, dynamic));
  graph.message(GRAPH.output, valueInfo('last_hidden_state', DATA_TYPE.FLOAT, [...dynamic, H]));

  const model = new ProtoMessage()
    .varint(MODEL.irVersion, ONNX_IR_VERSION)
    .string(MODEL.producerName, 'webgpu-bert')
    .string(MODEL.producerVersion, `onnx-export ${ONNX_EXPORTER_VERSION}`)
    .message(MODEL.graph, graph)
    .message(MODEL.opsetImport, new ProtoMessage().string(OPSET.domain, '').varint(OPSET.version, ONNX_OPSET));
  if (model.byteLength > MAX_MODEL_BYTES) {
    throw new RangeError(`exportBertOnnx: the model takes ${(model.byteLength / 2 ** 30).toFixed(2)} GiB; an ONNX file without external data is limited to 2 GiB`);
  }
  return model;
}

/** Exact GELU: 0.5·y·(1 + erf(y/√2)) (hidden_act "gelu"). */
function geluErf(g: GraphBuilder, name: string, y: string): string {
  const erf = g.node(`${name}/erf`, 'Erf', [g.node(`${name}/scaled`, 'Div', [y, g.scalar('const.sqrt2', Math.SQRT2)])]);
  const gated = g.node(`${name}/gated`, 'Mul', [y, g.node(`${name}/one_plus`, 'Add', [erf, g.scalar('const.one', 1)])]);
  return g.node(`${name}/out`, 'Mul', [gated, g.scalar('const.half', 0.5)]);
}

/** The tanh form: 0.5·y·(1 + tanh(√(2/π)·(y + 0.044715·y³))) (gelu_new and its aliases). */
function geluTanh(g: GraphBuilder, name: string, y: string): string {
  const cube = g.node(`${name}/cube`, 'Mul', [y, g.node(`${name}/square`, 'Mul', [y, y])]);
  const inner = g.node(`${name}/inner`, 'Add', [y, g.node(`${name}/cubic_term`, 'Mul', [cube, g.scalar('const.gelu_tanh_coefficient', 0.044715)])]);
  const tanh = g.node(`${name}/tanh`, 'Tanh', [g.node(`${name}/scaled`, 'Mul', [inner, g.scalar('const.sqrt_2_over_pi', Math.sqrt(2 / Math.PI))])]);
  const gated = g.node(`${name}/gated`, 'Mul', [y, g.node(`${name}/one_plus`, 'Add', [tanh, g.scalar('const.one', 1)])]);
  return g.node(`${name}/out`, 'Mul', [gated, g.scalar('const.half', 0.5)]);
}

/** The whole ModelProto in one buffer (see bertOnnxModel to stream a large one to a file instead). */
export function exportBertOnnx(config: BertConfig, weights: BertWeights): Uint8Array {
  return bertOnnxModel(config, weights).toBytes();
}
