// Dense layer, bias, residual and LayerNorm in one dispatch (BERT's attention-output and FFN-output blocks):
//   v[r] = A[r] . B^T + bias + residual[r]
//   y[r] = (v[r] - mean(v[r])) / sqrt(var(v[r]) + eps) * gamma + beta
// LayerNorm needs whole rows, so one workgroup owns 4 whole rows. Each invocation computes 4 x 4 tiles of v
// (4 rows x 4 consecutive columns, columns (g*WG + li)*4 for g = 0, 1, ...) with named vec4 accumulators,
// as matmul-unrolled.wgsl does and for the same reason (arrays indexed in loops live in memory on
// SwiftShader), and puts them in workgroup memory; then the row statistics are workgroup reductions, as in
// layernorm.wgsl: values relative to the row's first element, variance in a second pass.
//   a: [m, k] row-major f32            b: [n, k] (PyTorch Linear weight layout) f32, f16, bf16 or int8 (weights.wgsl)
//   bias, gamma, beta: [n] f32          residual: [m, n] f32        y: [m, n] f32 (may not alias a or residual)
// VEC4: k a multiple of 4, A and B read as vec4 along k. Rows past m load the last row and are not stored.
// Dispatch: (ceil(m / 4), 1, 1); ROW_STRIDE >= n, a multiple of 4 (the workgroup tile holds 4 x ROW_STRIDE).

struct Params {
  m: u32,
  n: u32,
  k: u32,
  eps: f32,
}

#if ${VEC4}
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
#else
@group(0) @binding(0) var<storage, read> a: array<f32>;
#endif
#if ${W_PACKED}
@group(0) @binding(1) var<storage, read> b: array<u32>;
#elif ${VEC4}
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
#else
@group(0) @binding(1) var<storage, read> b: array<f32>;
#endif
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read> residual: array<f32>;
@group(0) @binding(4) var<storage, read> gamma: array<f32>;
@group(0) @binding(5) var<storage, read> beta: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;
#if ${W_I8}
@group(0) @binding(8) var<storage, read> b_scales: array<f32>;
#endif

override WG: u32 = 64;
override ROW_STRIDE: u32 = 768;
override TILE: u32 = 4 * ROW_STRIDE;
var<workgroup> v: array<f32, TILE>;
// One partial sum per (row, invocation): the 4 rows are reduced together, one barrier per tree level.
override PARTIALS: u32 = 4 * WG;
var<workgroup> partial: array<f32, PARTIALS>;

fn rows_sum(s: vec4<f32>, li: u32) -> vec4<f32> {
  for (var r = 0u; r < 4u; r++) {
    partial[r * WG + li] = s[r];
  }
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (li < stride) {
      for (var r = 0u; r < 4u; r++) {
        partial[r * WG + li] += partial[r * WG + li + stride];
      }
    }
    workgroupBarrier();
  }
  let total = vec4<f32>(partial[0], partial[WG], partial[2u * WG], partial[3u * WG]);
  // Nobody may overwrite the totals for the next reduction before everyone has read them.
  workgroupBarrier();
  return total;
}

// Row r of the 4 x 4 tile at (row0, col0): accumulator + bias + residual into the workgroup tile.
fn put_row(r: u32, row: u32, col0: u32, acc: vec4<f32>) {
  for (var j = 0u; j < 4u; j++) {
    let col = col0 + j;
    if (col < params.n) {
      v[r * ROW_STRIDE + col] = acc[j] + bias[col] + residual[row * params.n + col];
    }
  }
}

fn tile(row0: u32, col0: u32) {
  let last_row = params.m - 1u;
  let last_col = params.n - 1u;
  let r1 = min(row0 + 1u, last_row);
  let r2 = min(row0 + 2u, last_row);
  let r3 = min(row0 + 3u, last_row);
  let c1 = min(col0 + 1u, last_col);
  let c2 = min(col0 + 2u, last_col);
  let c3 = min(col0 + 3u, last_col);
  var acc0 = vec4<f32>();
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
#if ${VEC4}
  let k4 = params.k / 4u;
  for (var q = 0u; q < k4; q++) {
    let x0 = a[row0 * k4 + q];
    let x1 = a[r1 * k4 + q];
    let x2 = a[r2 * k4 + q];
    let x3 = a[r3 * k4 + q];
    let kk = 4u * q;
    let w0 = w4_at(col0 * params.k + kk, col0, kk);
    let w1 = w4_at(c1 * params.k + kk, c1, kk);
    let w2 = w4_at(c2 * params.k + kk, c2, kk);
    let w3 = w4_at(c3 * params.k + kk, c3, kk);
    acc0 += vec4<f32>(dot(x0, w0), dot(x0, w1), dot(x0, w2), dot(x0, w3));
    acc1 += vec4<f32>(dot(x1, w0), dot(x1, w1), dot(x1, w2), dot(x1, w3));
    acc2 += vec4<f32>(dot(x2, w0), dot(x2, w1), dot(x2, w2), dot(x2, w3));
    acc3 += vec4<f32>(dot(x3, w0), dot(x3, w1), dot(x3, w2), dot(x3, w3));
  }
#else
  let k = params.k;
  for (var q = 0u; q < k; q++) {
    let w = vec4<f32>(w_at(col0 * k + q, col0, q), w_at(c1 * k + q, c1, q), w_at(c2 * k + q, c2, q), w_at(c3 * k + q, c3, q));
    acc0 = fma(vec4<f32>(a[row0 * k + q]), w, acc0);
    acc1 = fma(vec4<f32>(a[r1 * k + q]), w, acc1);
    acc2 = fma(vec4<f32>(a[r2 * k + q]), w, acc2);
    acc3 = fma(vec4<f32>(a[r3 * k + q]), w, acc3);
  }
#endif
  put_row(0u, row0, col0, acc0);
  put_row(1u, r1, col0, acc1);
  put_row(2u, r2, col0, acc2);
  put_row(3u, r3, col0, acc3);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row0 = wg.x * 4u;
  for (var col0 = li * 4u; col0 < params.n; col0 += WG * 4u) {
    tile(row0, col0);
  }
  workgroupBarrier();

  let n = f32(params.n);
  // Each row relative to its first element, which every invocation can read now.
  let shift = vec4<f32>(v[0], v[ROW_STRIDE], v[2u * ROW_STRIDE], v[3u * ROW_STRIDE]);
  var s = vec4<f32>();
  for (var i = li; i < params.n; i += WG) {
    s += vec4<f32>(v[i], v[ROW_STRIDE + i], v[2u * ROW_STRIDE + i], v[3u * ROW_STRIDE + i]) - shift;
  }
  let mean = rows_sum(s, li) / n;
  var q = vec4<f32>();
  for (var i = li; i < params.n; i += WG) {
    let d = (vec4<f32>(v[i], v[ROW_STRIDE + i], v[2u * ROW_STRIDE + i], v[3u * ROW_STRIDE + i]) - shift) - mean;
    q += d * d;
  }
  let inv_std = inverseSqrt(rows_sum(q, li) / n + params.eps);

  for (var r = 0u; r < 4u; r++) {
    let row = row0 + r;
    if (row < params.m) {
      for (var i = li; i < params.n; i += WG) {
        y[row * params.n + i] = ((v[r * ROW_STRIDE + i] - shift[r]) - mean[r]) * inv_std[r] * gamma[i] + beta[i];
      }
    }
  }
}
