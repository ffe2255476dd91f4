// LayerNorm over the last dimension, with an optional fused residual add:
//   y[r] = (v - mean(v)) / sqrt(var(v) + eps) * gamma + beta,  v = x[r] (+ residual[r])
// Variance is computed in a second pass over (v - mean), never as E[v^2] - mean^2, which cancels badly
// when |mean| >> std (BERT activations after residual adds). Values are also taken relative to the row's
// first element (a shift; the difference of two nearby floats is exact) and the mean is kept relative to
// it: rounding the full mean to fp32 would shift every element of a row centred on 1000 by up to 3e-5.
//   x: [rows, n] row-major f32          residual: [rows, n] (HAS_RESIDUAL)
//   gamma: [n] f32, beta: [n] f32 (HAS_BETA; without it a LayerNorm with no bias)   y: [rows, n] f32 (may not alias x)
// One workgroup per row; invocation i handles elements i, i + WG, i + 2WG, ... of the row.
// Dispatch: (rows, 1, 1), split over y when rows > 65535 (row = wg.x + wg.y * num_workgroups.x).

struct Params {
  rows: u32,
  n: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
#if ${HAS_RESIDUAL}
@group(0) @binding(1) var<storage, read> residual: array<f32>;
#endif
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
#if ${HAS_BETA}
@group(0) @binding(3) var<storage, read> beta: array<f32>;
#endif
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

override WG: u32 = 256;

fn load(i: u32) -> f32 {
#if ${HAS_RESIDUAL}
  return x[i] + residual[i];
#else
  return x[i];
#endif
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let row = wg.x + wg.y * nwg.x;
  // `row` is the same for the whole workgroup, so this early return keeps barriers in uniform control flow.
  if (row >= params.rows) {
    return;
  }
  let base = row * params.n;
  let n = f32(params.n);

  let shift = load(base);
  var s = 0.0;
  for (var i = li; i < params.n; i += WG) {
    s += load(base + i) - shift;
  }
  let mean = workgroup_sum(s, li) / n;

  var q = 0.0;
  for (var i = li; i < params.n; i += WG) {
    let d = (load(base + i) - shift) - mean;
    q += d * d;
  }
  let inv_std = inverseSqrt(workgroup_sum(q, li) / n + params.eps);

  for (var i = li; i < params.n; i += WG) {
    var v = ((load(base + i) - shift) - mean) * inv_std * gamma[i];
#if ${HAS_BETA}
    v += beta[i];
#endif
    y[base + i] = v;
  }
}
