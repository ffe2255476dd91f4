/**
 * int8 weight-only quantization: symmetric, one scale per output row and per group of K columns.
 *
 *   scale[r, g] = max |W[r, g*G .. g*G+G)| / 127        q[r, c] = round(W[r, c] / scale[r, c / G]), in [-127, 127]
 *   W'[r, c]    = q[r, c] * scale[r, c / G]             (a group of zeros has scale 0 and dequantizes to 0)
 *
 * The checkpoint format (what `webgpu-bert quantize` writes and every loader path reads back):
 *   - a quantized Linear weight `X.weight` [N, K] is an `I8` tensor of the same name and shape, and
 *     `X.weight_scale` an `F32` tensor [N, ceil(K / G)];
 *   - config.json gains `"quantization_config": {"quant_method": "webgpu-bert-int8", "bits": 8,
 *     "group_size": G, "symmetric": true, "scale_dtype": "float32"}`;
 *   - embeddings, LayerNorm parameters, biases and the tied MLM decoder stay float (F16/F32).
 * Platform-neutral: pure functions over typed arrays.
 */

export const QUANT_METHOD = 'webgpu-bert-int8';
export const SCALE_SUFFIX = '_scale';
export const GROUP_SIZES = [32, 64, 128] as const;
export type GroupSize = (typeof GROUP_SIZES)[number];

export interface QuantizationConfig {
  quant_method: typeof QUANT_METHOD;
  bits: 8;
  group_size: GroupSize;
  symmetric: true;
  scale_dtype: 'float32';
}

export interface Quantized {
  q: Int8Array;
  scales: Float32Array;
  rows: number;
  cols: number;
  group: number;
}

/** Groups of K per row. */
export const groupsOf = (cols: number, group: number) => Math.ceil(cols / group);

/**
 * Which tensors quantize: 2-D Linear weights, not the embedding tables nor an MLM decoder stored beside them
 * (the tables stay float: the embedding gather reads them, and a tied decoder is the word table).
 */
export function quantizes(name: string, shape: readonly number[]): boolean {
  if (shape.length !== 2 || !name.endsWith('.weight')) return false;
  return !/(^|\.)embeddings\.|LayerNorm|layer_norm|_norm\.|(decoder|vocab_projector|generator_lm_head)\.weight$/.test(name);
}

export function quantizeRows(data: Float32Array, rows: number, cols: number, group: number): Quantized {
  if (data.length !== rows * cols) throw new RangeError(`quantizeRows: ${data.length} values for [${rows}, ${cols}]`);
  const groups = groupsOf(cols, group);
  const q = new Int8Array(rows * cols);
  const scales = new Float32Array(rows * groups);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      const begin = r * cols + g * group;
      const end = r * cols + Math.min(cols, (g + 1) * group);
      let max = 0;
      for (let i = begin; i < end; i++) max = Math.max(max, Math.abs(data[i]));
      const scale = Math.fround(max / 127);
      scales[r * groups + g] = scale;
      if (scale === 0) continue;
      for (let i = begin; i < end; i++) q[i] = Math.max(-127, Math.min(127, Math.round(data[i] / scale)));
    }
  }
  return { q, scales, rows, cols, group };
}

/** q * scale in float64, rounded once to f32: what the GPU computes from the same bytes. */
export function dequantize(x: Quantized): Float32Array {
  const groups = groupsOf(x.cols, x.group);
  const out = new Float32Array(x.rows * x.cols);
  for (let r = 0; r < x.rows; r++) {
    for (let c = 0; c < x.cols; c++) out[r * x.cols + c] = x.q[r * x.cols + c] * x.scales[r * groups + Math.floor(c / x.group)];
  }
  return out;
}

/** The quantization_config of a config.json, checked; undefined when the model is not quantized. */
export function readQuantizationConfig(json: unknown, fail: (detail: string) => never): QuantizationConfig | undefined {
  if (json === undefined || json === null) return undefined;
  if (typeof json !== 'object' || Array.isArray(json)) fail('field "quantization_config" must be an object');
  const c = json as Record<string, unknown>;
  if (c.quant_method !== QUANT_METHOD) fail(`unsupported quantization_config.quant_method ${JSON.stringify(c.quant_method)} (supported: "${QUANT_METHOD}")`);
  if (c.bits !== 8) fail(`unsupported quantization_config.bits ${JSON.stringify(c.bits)} (supported: 8)`);
  if (!(GROUP_SIZES as readonly unknown[]).includes(c.group_size)) fail(`quantization_config.group_size must be one of ${GROUP_SIZES.join(', ')}, got ${JSON.stringify(c.group_size)}`);
  if (c.symmetric !== undefined && c.symmetric !== true) fail('quantization_config.symmetric must be true (zero points are not supported)');
  if (c.scale_dtype !== undefined && c.scale_dtype !== 'float32') fail(`unsupported quantization_config.scale_dtype ${JSON.stringify(c.scale_dtype)} (supported: "float32")`);
  return { quant_method: QUANT_METHOD, bits: 8, group_size: c.group_size as GroupSize, symmetric: true, scale_dtype: 'float32' };
}
