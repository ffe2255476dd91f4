/**
 * The int8 checkpoint format (what `webgpu-bert quantize` writes and every loader path reads back); the maths
 * is gpu/quantize.ts:
 *   - a quantized Linear weight `X.weight` [N, K] is an `I8` tensor of the same name and shape, and
 *     `X.weight_scale` an `F32` tensor [N, ceil(K / G)];
 *   - config.json gains `"quantization_config": {"quant_method": "webgpu-bert-int8", "bits": 8,
 *     "group_size": G, "symmetric": true, "scale_dtype": "float32"}`;
 *   - embeddings, LayerNorm parameters, biases and the tied MLM decoder stay float (F16/F32).
 * Here, beside the families' config readers and tensor names, because both the config reader and the loader
 * above need it.
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

/**
 * Which tensors quantize: 2-D Linear weights, not the embedding tables nor an MLM decoder stored beside them
 * (the tables stay float: the embedding gather reads them, and a tied decoder is the word table).
 */
export function quantizes(name: string, shape: readonly number[]): boolean {
  if (shape.length !== 2 || !name.endsWith('.weight')) return false;
  return !/(^|\.)embeddings\.|LayerNorm|layer_norm|_norm\.|(decoder|vocab_projector|generator_lm_head)\.weight$/.test(name);
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
