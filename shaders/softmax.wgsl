// Softmax by rows with an optional additive mask:
//   y[r][j] = exp(s_j - max) / sum_j exp(s_j - max),  s_j = scale * x[r][j] + mask[r / mask_div][j]
// A key whose s_j is at or below MASKED (-1e30) counts as masked: it gets probability exactly 0, and a
// row with every key masked is all zeros, not NaN (max would be -inf and exp(-inf - -inf) undefined).
// The engine writes -3.0e38 for padded keys; any additive mask of Hugging Face's (finfo.min) also works.
// CAUSAL: rows are square score matrices [.., n, n] stacked, so row r is query r % n, and it sees keys
// j <= r % n only (the others count as masked).
//   x: [rows, n] f32              mask: [mask_rows, n] f32 (HAS_MASK); row r uses mask row r / mask_div,
//   y: [rows, n] f32                  e.g. attention scores [batch, heads, S, S] with mask_div = heads*S
// One workgroup per row. Dispatch: (rows, 1, 1), split over y past 65535 (row = wg.x + wg.y * nwg.x).

struct Params {
  rows: u32,
  n: u32,
  mask_div: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
#if ${HAS_MASK}
@group(0) @binding(1) var<storage, read> mask: array<f32>;
#endif
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

override WG: u32 = 256;
const MASKED: f32 = -1e30;

fn score(row: u32, j: u32) -> f32 {
  var s = params.scale * x[row * params.n + j];
#if ${HAS_MASK}
  s += mask[(row / params.mask_div) * params.n + j];
#endif
#if ${CAUSAL}
  s = select(s, MASKED, j > row % params.n);
#endif
  return s;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let row = wg.x + wg.y * nwg.x;
  if (row >= params.rows) {
    return;
  }
  var m = MASKED;
  for (var j = li; j < params.n; j += WG) {
    m = max(m, score(row, j));
  }
  m = workgroup_max(m, li);

  var s = 0.0;
  for (var j = li; j < params.n; j += WG) {
    let v = score(row, j);
    if (v > MASKED) {
      s += exp(v - m);
    }
  }
  s = workgroup_sum(s, li);
  // s >= 1 whenever a key is unmasked (the max contributes exp(0)); s == 0 only for a fully masked row.
  let inv = select(0.0, 1.0 / s, s > 0.0);

  for (var j = li; j < params.n; j += WG) {
    let v = score(row, j);
    y[row * params.n + j] = select(0.0, exp(v - m) * inv, v > MASKED);
  }
}
