// Tiled matmul shaped for GPUs: a workgroup of (BN / TN) x (BM / TM) invocations computes a BM x BN block of
// C, stepping through k in slices of BK staged in workgroup memory, each invocation accumulating TM x TN.
// What it does that matmul-tiled.wgsl does not:
//   - global loads are vec4 along the contiguous dimension of each operand (k for A and for B as [n, k];
//     n for B as [k, n]), consecutive invocations reading consecutive 16-byte words (coalesced);
//   - the k-major workgroup tiles have padded rows (BM + PAD, BN + PAD), so the four scalars a vec4 load
//     scatters down a tile column land in different banks instead of one;
//   - the k-steps are double-buffered: the slice after the current one is loaded into the other half of
//     workgroup memory while the current one is multiplied, with one barrier per step instead of two.
// Invocation (x, y) owns rows y + i*WG_Y and columns x + j*WG_X of the block (i < TM, j < TN; matmul-tile.wgsl): neighbouring
// invocations read neighbouring words of tile_b (no conflicts) and write neighbouring words of C.
// VEC4 (set by prepareMatmul when k, every row stride and offset are multiples of 4, and n too for B as [k, n])
// selects the vec4 loads; without it the same tiles are filled one element at a time. Loads outside [m, k]
// or [k, n] read as 0, stores outside [m, n] are skipped: any shape works. No GLU (columns are strided):
// gated matmuls run GLU_FALLBACK. Bindings, params, weight formats and epilogue: matmul-common.wgsl.
// Dispatch: (ceil(n / BN), ceil(m / BM), batch).

override BM: u32 = 64;
override BN: u32 = 64;
override BK: u32 = 8;
const TM: u32 = ${TM}u;
const TN: u32 = ${TN}u;
const PAD: u32 = 4u;
override WG_X: u32 = BN / TN;
override WG_Y: u32 = BM / TM;
override THREADS: u32 = WG_X * WG_Y;
override STRIDE_A: u32 = BM + PAD;
override STRIDE_B: u32 = BN + PAD;
override HALF_A: u32 = BK * STRIDE_A;
override HALF_B: u32 = BK * STRIDE_B;
override TILE_A: u32 = 2u * HALF_A;
override TILE_B: u32 = 2u * HALF_B;

// tile_a[half * HALF_A + kk * STRIDE_A + row], tile_b[half * HALF_B + kk * STRIDE_B + col].
var<workgroup> tile_a: array<f32, TILE_A>;
var<workgroup> tile_b: array<f32, TILE_B>;

// Four consecutive k of row `row` of A, zero outside.
fn load_a4(base: u32, row: u32, kk: u32) -> vec4<f32> {
  if (row >= params.m) {
    return vec4<f32>();
  }
#if ${VEC4}
  if (kk >= params.k) {
    return vec4<f32>();
  }
  return a[(base + row * params.lda + kk) / 4u];
#else
  var v = vec4<f32>();
  for (var c = 0u; c < 4u; c++) {
    if (kk + c < params.k) {
      v[c] = a[base + row * params.lda + kk + c];
    }
  }
  return v;
#endif
}

#if ${TRANS_B}
// Four consecutive k of row `col` of B stored [n, k] (any weight format), zero outside.
fn load_b4(base: u32, col: u32, kk: u32) -> vec4<f32> {
  if (col >= params.n) {
    return vec4<f32>();
  }
#if ${VEC4}
  if (kk >= params.k) {
    return vec4<f32>();
  }
  return w4_at(base + col * params.ldb + kk, col, kk);
#else
  var v = vec4<f32>();
  for (var c = 0u; c < 4u; c++) {
    if (kk + c < params.k) {
      v[c] = w_at(base + col * params.ldb + kk + c, col, kk + c);
    }
  }
  return v;
#endif
}
#else
// Four consecutive columns col .. col + 3 of row `kk` of B stored [k, n], zero outside.
fn load_b4(base: u32, col: u32, kk: u32) -> vec4<f32> {
  if (kk >= params.k) {
    return vec4<f32>();
  }
#if ${VEC4}
  if (col >= params.n) {
    return vec4<f32>();
  }
  return b[(base + kk * params.ldb + col) / 4u];
#else
  var v = vec4<f32>();
  for (var c = 0u; c < 4u; c++) {
    if (col + c < params.n) {
      v[c] = b[base + kk * params.ldb + col + c];
    }
  }
  return v;
#endif
}
#endif

// Slice k0 .. k0 + BK of the block into half `h` of the tiles.
fn load_slice(offs: vec3<u32>, row0: u32, col0: u32, k0: u32, h: u32, li: u32) {
  let q = BK / 4u;
  for (var i = li; i < BM * q; i += THREADS) {
    let r = i / q;
    let kk = (i % q) * 4u;
    let v = load_a4(offs.x, row0 + r, k0 + kk);
    for (var c = 0u; c < 4u; c++) {
      tile_a[h * HALF_A + (kk + c) * STRIDE_A + r] = v[c];
    }
  }
#if ${TRANS_B}
  for (var i = li; i < BN * q; i += THREADS) {
    let col = i / q;
    let kk = (i % q) * 4u;
    let v = load_b4(offs.y, col0 + col, k0 + kk);
    for (var c = 0u; c < 4u; c++) {
      tile_b[h * HALF_B + (kk + c) * STRIDE_B + col] = v[c];
    }
  }
#else
  let qn = BN / 4u;
  for (var i = li; i < BK * qn; i += THREADS) {
    let kk = i / qn;
    let col = (i % qn) * 4u;
    let v = load_b4(offs.y, col0 + col, k0 + kk);
    for (var c = 0u; c < 4u; c++) {
      tile_b[h * HALF_B + kk * STRIDE_B + col + c] = v[c];
    }
  }
#endif
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let offs = batch_offsets(wg.z);
  let row0 = wg.y * BM;
  let col0 = wg.x * BN;
  var acc: array<f32, TM * TN>;
  var a_reg: array<f32, TM>;
  var b_reg: array<f32, TN>;

  let steps = (params.k + BK - 1u) / BK;
  load_slice(offs, row0, col0, 0u, 0u, li);
  workgroupBarrier();
  for (var t = 0u; t < steps; t++) {
    let h = t % 2u;
    // The other half was last read in step t - 1, which ended with a barrier.
    if (t + 1u < steps) {
      load_slice(offs, row0, col0, (t + 1u) * BK, 1u - h, li);
    }
    for (var kk = 0u; kk < BK; kk++) {
      for (var i = 0u; i < TM; i++) {
        a_reg[i] = tile_a[h * HALF_A + kk * STRIDE_A + lid.y + i * WG_Y];
      }
      for (var j = 0u; j < TN; j++) {
        b_reg[j] = tile_b[h * HALF_B + kk * STRIDE_B + lid.x + j * WG_X];
      }
      tile_fma(&acc, &a_reg, &b_reg);
    }
    workgroupBarrier();
  }

  tile_store(&acc, offs.z, row0, col0, lid);
}
