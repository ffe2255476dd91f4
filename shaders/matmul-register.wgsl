// Register-tiled matmul without workgroup memory: each invocation computes a TM x TN block of C straight
// from global memory, reusing each loaded A value TN times and each B value TM times, with no barrier at
// all. On CPU-like adapters (SwiftShader turns every workgroupBarrier into a coroutine switch of all its
// invocations) this beats both the naive and the workgroup-tiled kernels; on GPUs the caches stand in for
// workgroup memory less well, and the autotuner decides. Bindings, params and epilogue: matmul-common.wgsl.
// Dispatch: (ceil(n / (WG_X*TN)), ceil(m / (WG_Y*TM)), batch). Invocation (x, y) of workgroup (i, j) owns
// rows (j*WG_Y + y)*TM .. +TM and columns (i*WG_X + x)*TN .. +TN. Rows and columns past the edge load
// from the last valid row/column (always in bounds, never stored), so the inner loop has no branches.

override WG_X: u32 = 8;
override WG_Y: u32 = 8;
// TM and TN size function-scope arrays, which WGSL requires to be const (see matmul-tiled.wgsl).
const TM: u32 = ${TM}u;
const TN: u32 = ${TN}u;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let offs = batch_offsets(gid.z);
  let row0 = gid.y * TM;
  let col0 = gid.x * TN;
  if (row0 >= params.m || col0 >= params.n) {
    return;
  }
  // Start of each owned row of A and of each owned column of B (a row of B when it is [n, k]).
  var a_row: array<u32, TM>;
  var b_col: array<u32, TN>;
  for (var i = 0u; i < TM; i++) {
    a_row[i] = offs.x + min(row0 + i, params.m - 1u) * params.lda;
  }
  for (var j = 0u; j < TN; j++) {
#if ${TRANS_B}
    b_col[j] = offs.y + min(col0 + j, params.n - 1u) * params.ldb;
#else
    b_col[j] = offs.y + min(col0 + j, params.n - 1u);
#endif
  }
  var acc: array<f32, TM * TN>;
#if ${VEC4}
  // B is [n, k] and every offset a multiple of 4: four k at a time, as vec4 loads and dot products.
  var a4: array<vec4<f32>, TM>;
  var b4: array<vec4<f32>, TN>;
  for (var kk = 0u; kk < params.k; kk += 4u) {
    for (var i = 0u; i < TM; i++) {
      a4[i] = a[(a_row[i] + kk) / 4u];
    }
    for (var j = 0u; j < TN; j++) {
      b4[j] = w4_at(b_col[j] + kk, min(col0 + j, params.n - 1u), kk);
    }
    for (var i = 0u; i < TM; i++) {
      for (var j = 0u; j < TN; j++) {
        acc[i * TN + j] += dot(a4[i], b4[j]);
      }
    }
  }
#else
  var a_reg: array<f32, TM>;
  var b_reg: array<f32, TN>;
  for (var kk = 0u; kk < params.k; kk++) {
    for (var i = 0u; i < TM; i++) {
      a_reg[i] = a[a_row[i] + kk];
    }
    for (var j = 0u; j < TN; j++) {
#if ${TRANS_B}
      b_reg[j] = w_at(b_col[j] + kk, min(col0 + j, params.n - 1u), kk);
#else
      b_reg[j] = b[b_col[j] + kk * params.ldb];
#endif
    }
    for (var i = 0u; i < TM; i++) {
      for (var j = 0u; j < TN; j++) {
        acc[i * TN + j] = fma(a_reg[i], b_reg[j], acc[i * TN + j]);
      }
    }
  }
#endif
#if ${GLU}
  // Columns pair up (2c, 2c+1) into one gated value each; TN is even, so no pair straddles two invocations.
  for (var i = 0u; i < TM; i++) {
    for (var j = 0u; j < TN; j += 2u) {
      let row = row0 + i;
      let col = col0 + j;
      if (row < params.m && col + 1u < params.n) {
        let ci = offs.z + row * params.ldc + col / 2u;
        c[ci] = glu_epilogue(acc[i * TN + j], acc[i * TN + j + 1u], col, ci);
      }
    }
  }
#else
  for (var i = 0u; i < TM; i++) {
    for (var j = 0u; j < TN; j++) {
      let row = row0 + i;
      let col = col0 + j;
      if (row < params.m && col < params.n) {
        let ci = offs.z + row * params.ldc + col;
        c[ci] = epilogue(acc[i * TN + j], col, ci);
      }
    }
  }
#endif
}
