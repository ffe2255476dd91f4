// Reads of a weight matrix B stored as rows of k (a PyTorch Linear weight [n, k], or an embedding table)
// in any of the engine's storage formats, widened to f32 (every format accumulates in f32):
//   f32  (default)   b: array<f32>, or array<vec4<f32>> with VEC4
//   f16  (W_F16)     b: array<u32>, two halves per word, element 2i in the low half (unpack2x16float)
//   bf16 (W_BF16)    b: array<u32>, two bfloat16 per word, low half first: the f32 with those 16 high bits
//   int8 (W_I8)      b: array<u32>, four int8 per word, element 4i in the low byte, times
//                    b_scales[row * ceil(k / GROUP) + kk / GROUP] (symmetric, one scale per row and group)
// w_at(e, row, kk) is element e of B's storage, which is (row, kk) of the matrix; w4_at(e, row, kk) the four
// elements e .. e + 3 = (row, kk .. kk + 3), with e and kk multiples of 4 (and, for int8, GROUP too, so the
// four share one scale). Only int8 needs row and kk: the scale; the offsets of int8 weights start at 0.
// The kernel file declares `b` (and `b_scales`) with the format's element type, and `params.k`.

#if ${W_F16}
fn w_at(e: u32, row: u32, kk: u32) -> f32 {
  let p = unpack2x16float(b[e >> 1u]);
  return select(p.x, p.y, (e & 1u) == 1u);
}

fn w4_at(e: u32, row: u32, kk: u32) -> vec4<f32> {
  let w = e >> 1u;
  return vec4<f32>(unpack2x16float(b[w]), unpack2x16float(b[w + 1u]));
}
#elif ${W_BF16}
fn bf16_pair(u: u32) -> vec2<f32> {
  return vec2<f32>(bitcast<f32>(u << 16u), bitcast<f32>(u & 0xffff0000u));
}

fn w_at(e: u32, row: u32, kk: u32) -> f32 {
  let p = bf16_pair(b[e >> 1u]);
  return select(p.x, p.y, (e & 1u) == 1u);
}

fn w4_at(e: u32, row: u32, kk: u32) -> vec4<f32> {
  let w = e >> 1u;
  return vec4<f32>(bf16_pair(b[w]), bf16_pair(b[w + 1u]));
}
#elif ${W_I8}
fn w_scale(row: u32, kk: u32) -> f32 {
  return b_scales[row * ((params.k + ${GROUP}u - 1u) / ${GROUP}u) + kk / ${GROUP}u];
}

fn w_at(e: u32, row: u32, kk: u32) -> f32 {
  let q = extractBits(bitcast<i32>(b[e >> 2u]), (e & 3u) * 8u, 8u);
  return f32(q) * w_scale(row, kk);
}

fn w4_at(e: u32, row: u32, kk: u32) -> vec4<f32> {
  let u = bitcast<i32>(b[e >> 2u]);
  let q = vec4<i32>(extractBits(u, 0u, 8u), extractBits(u, 8u, 8u), extractBits(u, 16u, 8u), extractBits(u, 24u, 8u));
  return vec4<f32>(q) * w_scale(row, kk);
}
#elif ${VEC4}
fn w4_at(e: u32, row: u32, kk: u32) -> vec4<f32> {
  return b[e >> 2u];
}
#else
fn w_at(e: u32, row: u32, kk: u32) -> f32 {
  return b[e];
}

fn w4_at(e: u32, row: u32, kk: u32) -> vec4<f32> {
  return vec4<f32>(b[e], b[e + 1u], b[e + 2u], b[e + 3u]);
}
#endif
