// Dense layer, bias, residual and LayerNorm in one dispatch (BERT's attention-output and FFN-output blocks):
//   v[r] = A[r] . B^T + bias + residual[r]
//   y[r] = (v[r] - mean(v[r])) / sqrt(var(v[r]) + eps) * gamma + beta
// LayerNorm needs a whole row, so one workgroup owns BM whole rows: invocation li holds columns
// li, li + WG, li + 2WG, ... (CPT of them, CPT = ceil(n / WG)) of each of those rows in registers, and the
// row statistics are workgroup reductions over those registers: v never goes to memory. The statistics
// follow layernorm.wgsl: values relative to the row's first element, variance in a second pass.
//   a: [m, k] row-major f32            b: [n, k] f32 (PyTorch Linear weight layout)
//   bias, gamma, beta: [n] f32          residual: [m, n] f32        y: [m, n] f32 (may not alias a or residual)
// Rows and columns past the edge load from the last valid one (in bounds, no branch in the k loop) and are
// neither stored nor counted in the statistics.
// Dispatch: (ceil(m / BM), 1, 1).

struct Params {
  m: u32,
  n: u32,
  k: u32,
  eps: f32,
}

#if ${VEC4}
// k and every row start are multiples of 4: four k at a time, as vec4 loads and dot products.
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
#else
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
#endif
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read> residual: array<f32>;
@group(0) @binding(4) var<storage, read> gamma: array<f32>;
@group(0) @binding(5) var<storage, read> beta: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

override WG: u32 = 64;
// BM and CPT size function-scope arrays, which WGSL requires to be const.
const BM: u32 = ${BM}u;
const CPT: u32 = ${CPT}u;
// One partial sum per (row, invocation): the BM rows are reduced together, one barrier per tree level.
override PARTIALS: u32 = WG * BM;
var<workgroup> partial: array<f32, PARTIALS>;
var<workgroup> row_shift: array<f32, BM>;

// Sums `v[r]` over the workgroup for every row r at once; every invocation gets the totals.
fn rows_sum(v: array<f32, BM>, li: u32) -> array<f32, BM> {
  for (var r = 0u; r < BM; r++) {
    partial[r * WG + li] = v[r];
  }
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (li < stride) {
      for (var r = 0u; r < BM; r++) {
        partial[r * WG + li] += partial[r * WG + li + stride];
      }
    }
    workgroupBarrier();
  }
  var total: array<f32, BM>;
  for (var r = 0u; r < BM; r++) {
    total[r] = partial[r * WG];
  }
  // Nobody may overwrite the totals for the next reduction before everyone has read them.
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row0 = wg.x * BM;
  var a_row: array<u32, BM>;
  for (var r = 0u; r < BM; r++) {
    a_row[r] = min(row0 + r, params.m - 1u) * params.k;
  }
  var b_row: array<u32, CPT>;
  for (var c = 0u; c < CPT; c++) {
    b_row[c] = min(li + c * WG, params.n - 1u) * params.k;
  }

  var v: array<f32, BM * CPT>;
#if ${VEC4}
  var a4: array<vec4<f32>, BM>;
  for (var kk = 0u; kk < params.k; kk += 4u) {
    for (var r = 0u; r < BM; r++) {
      a4[r] = a[(a_row[r] + kk) / 4u];
    }
    for (var c = 0u; c < CPT; c++) {
      let b4 = b[(b_row[c] + kk) / 4u];
      for (var r = 0u; r < BM; r++) {
        v[r * CPT + c] += dot(a4[r], b4);
      }
    }
  }
#else
  var a_reg: array<f32, BM>;
  for (var kk = 0u; kk < params.k; kk++) {
    for (var r = 0u; r < BM; r++) {
      a_reg[r] = a[a_row[r] + kk];
    }
    for (var c = 0u; c < CPT; c++) {
      let bv = b[b_row[c] + kk];
      for (var r = 0u; r < BM; r++) {
        v[r * CPT + c] = fma(a_reg[r], bv, v[r * CPT + c]);
      }
    }
  }
#endif

  for (var r = 0u; r < BM; r++) {
    let row = min(row0 + r, params.m - 1u);
    for (var c = 0u; c < CPT; c++) {
      let col = min(li + c * WG, params.n - 1u);
      v[r * CPT + c] += bias[col] + residual[row * params.n + col];
    }
  }
  // Column 0 of each row lives in invocation 0: it shares it as the row's shift.
  if (li == 0u) {
    for (var r = 0u; r < BM; r++) {
      row_shift[r] = v[r * CPT];
    }
  }
  workgroupBarrier();

  let n = f32(params.n);
  var s: array<f32, BM>;
  for (var r = 0u; r < BM; r++) {
    for (var c = 0u; c < CPT; c++) {
      if (li + c * WG < params.n) {
        s[r] += v[r * CPT + c] - row_shift[r];
      }
    }
  }
  let sums = rows_sum(s, li);
  var mean: array<f32, BM>;
  var q: array<f32, BM>;
  for (var r = 0u; r < BM; r++) {
    mean[r] = sums[r] / n;
    for (var c = 0u; c < CPT; c++) {
      if (li + c * WG < params.n) {
        let d = (v[r * CPT + c] - row_shift[r]) - mean[r];
        q[r] += d * d;
      }
    }
  }
  let squares = rows_sum(q, li);

  for (var r = 0u; r < BM; r++) {
    let row = row0 + r;
    let inv_std = inverseSqrt(squares[r] / n + params.eps);
    for (var c = 0u; c < CPT; c++) {
      let col = li + c * WG;
      if (row < params.m && col < params.n) {
        y[row * params.n + col] = ((v[r * CPT + c] - row_shift[r]) - mean[r]) * inv_std * gamma[col] + beta[col];
      }
    }
  }
}
