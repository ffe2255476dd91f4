// Naive matmul: the baseline every tiled configuration is measured against. One invocation computes
// one element of C with a plain loop over k; no workgroup memory. Bindings, params and epilogue are in
// matmul-common.wgsl.
// Dispatch: (ceil(n / WG_X), ceil(m / WG_Y), batch); invocation (x, y) of workgroup (i, j, z) writes
// C[z][j*WG_Y + y][i*WG_X + x] when inside [m, n].

override WG_X: u32 = 16;
override WG_Y: u32 = 16;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row = gid.y;
  let col = gid.x;
  if (row >= params.m || col >= params.n) {
    return;
  }
  let offs = batch_offsets(gid.z);
  var acc = 0.0;
  for (var kk = 0u; kk < params.k; kk++) {
#if ${TRANS_B}
    let bv = w_at(offs.y + col * params.ldb + kk, col, kk);
#else
    let bv = b[offs.y + kk * params.ldb + col];
#endif
    acc = fma(a[offs.x + row * params.lda + kk], bv, acc);
  }
  let ci = offs.z + row * params.ldc + col;
  c[ci] = epilogue(acc, col, ci);
}
