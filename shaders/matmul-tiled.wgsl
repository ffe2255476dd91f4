// Tiled matmul: a workgroup computes a BM x BN block of C, stepping through k in slices of BK staged in
// workgroup memory; each invocation accumulates a TM x TN register tile. Bindings, params and epilogue
// are in matmul-common.wgsl.
// Dispatch: (ceil(n / BN), ceil(m / BM), batch), workgroup size (BN / TN, BM / TM).
// Invocation (x, y) owns rows y + i*WG_Y and columns x + j*WG_X of the block (i < TM, j < TN): strided
// rather than contiguous, so neighbouring invocations read neighbouring words of tile_b (no bank
// conflicts) and write neighbouring words of C (coalesced).
// Edges: loads outside [m, k] or [k, n] read as 0 and stores outside [m, n] are skipped, so any shape works.

override BM: u32 = 64;
override BN: u32 = 64;
override BK: u32 = 16;
// TM and TN size function-scope arrays, which WGSL requires to be const: they come from the same config
// object as the overrides, through the preprocessor.
const TM: u32 = ${TM}u;
const TN: u32 = ${TN}u;
override WG_X: u32 = BN / TN;
override WG_Y: u32 = BM / TM;
override THREADS: u32 = WG_X * WG_Y;
override TILE_A: u32 = BM * BK;
override TILE_B: u32 = BK * BN;

// Both tiles are stored k-major: tile_a[kk * BM + row], tile_b[kk * BN + col].
var<workgroup> tile_a: array<f32, TILE_A>;
var<workgroup> tile_b: array<f32, TILE_B>;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let offs = batch_offsets(wg.z);
  let row0 = wg.y * BM;
  let col0 = wg.x * BN;
  var acc: array<f32, TM * TN>;
  var a_reg: array<f32, TM>;
  var b_reg: array<f32, TN>;

  for (var k0 = 0u; k0 < params.k; k0 += BK) {
    // A is row-major [m, k]: consecutive invocations read consecutive k of one row.
    for (var i = li; i < TILE_A; i += THREADS) {
      let r = i / BK;
      let kk = i % BK;
      var v = 0.0;
      if (row0 + r < params.m && k0 + kk < params.k) {
        v = a[offs.x + (row0 + r) * params.lda + k0 + kk];
      }
      tile_a[kk * BM + r] = v;
    }
    for (var i = li; i < TILE_B; i += THREADS) {
#if ${TRANS_B}
      // B is [n, k]: walk k fastest to read memory in order.
      let col = i / BK;
      let kk = i % BK;
      var v = 0.0;
      if (col0 + col < params.n && k0 + kk < params.k) {
        v = w_at(offs.y + (col0 + col) * params.ldb + k0 + kk, col0 + col, k0 + kk);
      }
#else
      let kk = i / BN;
      let col = i % BN;
      var v = 0.0;
      if (col0 + col < params.n && k0 + kk < params.k) {
        v = b[offs.y + (k0 + kk) * params.ldb + col0 + col];
      }
#endif
      tile_b[kk * BN + col] = v;
    }
    workgroupBarrier();

    for (var kk = 0u; kk < BK; kk++) {
      for (var i = 0u; i < TM; i++) {
        a_reg[i] = tile_a[kk * BM + lid.y + i * WG_Y];
      }
      for (var j = 0u; j < TN; j++) {
        b_reg[j] = tile_b[kk * BN + lid.x + j * WG_X];
      }
      tile_fma(&acc, &a_reg, &b_reg);
    }
    workgroupBarrier();
  }

  tile_store(&acc, offs.z, row0, col0, lid);
}
