/**
 * int8 weight-only quantization, the maths: symmetric, one scale per output row and per group of K columns.
 *
 *   scale[r, g] = max |W[r, g*G .. g*G+G)| / 127        q[r, c] = round(W[r, c] / scale[r, c / G]), in [-127, 127]
 *   W'[r, c]    = q[r, c] * scale[r, c / G]             (a group of zeros has scale 0 and dequantizes to 0)
 *
 * Beside packed.ts, which uploads the result, and below the checkpoint format that names the tensors and the
 * config (families/quantization.ts). Platform-neutral: pure functions over typed arrays.
 */

export interface Quantized {
  q: Int8Array;
  scales: Float32Array;
  rows: number;
  cols: number;
  group: number;
}

/** Groups of K per row. */
export const groupsOf = (cols: number, group: number) => Math.ceil(cols / group);

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
