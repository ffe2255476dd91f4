// Matmul with a 4 x 4 register tile written out by hand: four vec4 accumulators and eight named vec4 loads
// per step of four k, B as [n, k] (PyTorch Linear weight layout) read as vec4 along k. It is reg4x4 of
// matmul-register.wgsl without the function-scope arrays: SwiftShader keeps such arrays in memory when
// loops index them (every accumulate is a load and a store per lane), named values stay in registers. On
// SwiftShader (128x768x768, same run) this ran 3-5x faster than reg8x8. Bindings, params, epilogue:
// matmul-common.wgsl with VEC4 and TRANS_B (k, every row start and offset multiples of 4).
// Dispatch: (ceil(n / (WG_X*4)), ceil(m / (WG_Y*4)), batch). Invocation (x, y) owns rows gid.y*4 .. +4 and
// columns gid.x*4 .. +4; rows and columns past the edge load the last valid one and are not stored.

override WG_X: u32 = 8;
override WG_Y: u32 = 8;

fn store_row(row: u32, col0: u32, acc: vec4<f32>, c_row: u32) {
  if (row >= params.m) {
    return;
  }
  for (var j = 0u; j < 4u; j++) {
    let col = col0 + j;
    if (col < params.n) {
      let ci = c_row + col;
      c[ci] = epilogue(acc[j], col, ci);
    }
  }
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let offs = batch_offsets(gid.z);
  let row0 = gid.y * 4u;
  let col0 = gid.x * 4u;
  if (row0 >= params.m || col0 >= params.n) {
    return;
  }
  let last_row = params.m - 1u;
  let last_col = params.n - 1u;
  // vec4 indices of the start of each owned row of A and of B.
  let a0 = (offs.x + min(row0, last_row) * params.lda) / 4u;
  let a1 = (offs.x + min(row0 + 1u, last_row) * params.lda) / 4u;
  let a2 = (offs.x + min(row0 + 2u, last_row) * params.lda) / 4u;
  let a3 = (offs.x + min(row0 + 3u, last_row) * params.lda) / 4u;
  let b0 = (offs.y + min(col0, last_col) * params.ldb) / 4u;
  let b1 = (offs.y + min(col0 + 1u, last_col) * params.ldb) / 4u;
  let b2 = (offs.y + min(col0 + 2u, last_col) * params.ldb) / 4u;
  let b3 = (offs.y + min(col0 + 3u, last_col) * params.ldb) / 4u;
  var acc0 = vec4<f32>();
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  for (var q = 0u; q < params.k / 4u; q++) {
    let x0 = a[a0 + q];
    let x1 = a[a1 + q];
    let x2 = a[a2 + q];
    let x3 = a[a3 + q];
    let w0 = b[b0 + q];
    let w1 = b[b1 + q];
    let w2 = b[b2 + q];
    let w3 = b[b3 + q];
    acc0 += vec4<f32>(dot(x0, w0), dot(x0, w1), dot(x0, w2), dot(x0, w3));
    acc1 += vec4<f32>(dot(x1, w0), dot(x1, w1), dot(x1, w2), dot(x1, w3));
    acc2 += vec4<f32>(dot(x2, w0), dot(x2, w1), dot(x2, w2), dot(x2, w3));
    acc3 += vec4<f32>(dot(x3, w0), dot(x3, w1), dot(x3, w2), dot(x3, w3));
  }
  store_row(row0, col0, acc0, offs.z + row0 * params.ldc);
  store_row(row0 + 1u, col0, acc1, offs.z + (row0 + 1u) * params.ldc);
  store_row(row0 + 2u, col0, acc2, offs.z + (row0 + 2u) * params.ldc);
  store_row(row0 + 3u, col0, acc3, offs.z + (row0 + 3u) * params.ldc);
}
