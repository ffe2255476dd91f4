// Matmul with a 4 x 4 register tile written out by hand: four vec4 accumulators and named vec4 loads, no
// function-scope arrays. It is reg4x4 of matmul-register.wgsl without the arrays: SwiftShader keeps arrays
// that loops index in memory (every accumulate a load and a store per lane), named values stay in registers.
// On SwiftShader (128x768x768, same run) this ran 3-5x faster than reg8x8. Bindings, params, epilogue:
// matmul-common.wgsl with VEC4: A and B read as vec4, so k, lda, ldb and every offset are multiples of 4.
//   TRANS_B (B as [n, k], a Linear weight): per step of four k, 4 rows of A and 4 rows of B as vec4 along k,
//     16 dot products.
//   else (B as [k, n], n a multiple of 4 too): per step of four k, 4 rows of A as vec4 along k and 4 rows of
//     B as vec4 along n (the tile's 4 columns), 16 vec4 multiply-adds.
// Dispatch: (ceil(n / (WG_X*4)), ceil(m / (WG_Y*4)), batch). Invocation (x, y) owns rows gid.y*4 .. +4 and
// columns gid.x*4 .. +4; rows and columns past the edge load the last valid one and are not stored.

override WG_X: u32 = 8;
override WG_Y: u32 = 8;

fn store_row(row: u32, col0: u32, acc: vec4<f32>, c_row: u32) {
  if (row >= params.m) {
    return;
  }
#if ${GLU}
  // The four columns are two gated pairs (matmul-common.wgsl).
  for (var j = 0u; j < 4u; j += 2u) {
    let col = col0 + j;
    if (col + 1u < params.n) {
      let ci = c_row + col / 2u;
      c[ci] = glu_epilogue(acc[j], acc[j + 1u], col, ci);
    }
  }
#else
  for (var j = 0u; j < 4u; j++) {
    let col = col0 + j;
    if (col < params.n) {
      let ci = c_row + col;
      c[ci] = epilogue(acc[j], col, ci);
    }
  }
#endif
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
  var acc0 = vec4<f32>();
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
#if ${TRANS_B}
  // Element indices of the start of each owned row of B (w4_at reads any storage format).
  let c0 = min(col0, last_col);
  let c1 = min(col0 + 1u, last_col);
  let c2 = min(col0 + 2u, last_col);
  let c3 = min(col0 + 3u, last_col);
  let b0 = offs.y + c0 * params.ldb;
  let b1 = offs.y + c1 * params.ldb;
  let b2 = offs.y + c2 * params.ldb;
  let b3 = offs.y + c3 * params.ldb;
  for (var q = 0u; q < params.k / 4u; q++) {
    let x0 = a[a0 + q];
    let x1 = a[a1 + q];
    let x2 = a[a2 + q];
    let x3 = a[a3 + q];
    let kk = 4u * q;
    let w0 = w4_at(b0 + kk, c0, kk);
    let w1 = w4_at(b1 + kk, c1, kk);
    let w2 = w4_at(b2 + kk, c2, kk);
    let w3 = w4_at(b3 + kk, c3, kk);
    acc0 += vec4<f32>(dot(x0, w0), dot(x0, w1), dot(x0, w2), dot(x0, w3));
    acc1 += vec4<f32>(dot(x1, w0), dot(x1, w1), dot(x1, w2), dot(x1, w3));
    acc2 += vec4<f32>(dot(x2, w0), dot(x2, w1), dot(x2, w2), dot(x2, w3));
    acc3 += vec4<f32>(dot(x3, w0), dot(x3, w1), dot(x3, w2), dot(x3, w3));
  }
#else
  // n is a multiple of 4, so the tile's 4 columns are one aligned vec4 of each row of B.
  let ldb4 = params.ldb / 4u;
  var b_at = (offs.y + col0) / 4u;
  for (var q = 0u; q < params.k / 4u; q++) {
    let x0 = a[a0 + q];
    let x1 = a[a1 + q];
    let x2 = a[a2 + q];
    let x3 = a[a3 + q];
    let w0 = b[b_at];
    let w1 = b[b_at + ldb4];
    let w2 = b[b_at + 2u * ldb4];
    let w3 = b[b_at + 3u * ldb4];
    b_at += 4u * ldb4;
    acc0 = fma(vec4<f32>(x0.x), w0, fma(vec4<f32>(x0.y), w1, fma(vec4<f32>(x0.z), w2, fma(vec4<f32>(x0.w), w3, acc0))));
    acc1 = fma(vec4<f32>(x1.x), w0, fma(vec4<f32>(x1.y), w1, fma(vec4<f32>(x1.z), w2, fma(vec4<f32>(x1.w), w3, acc1))));
    acc2 = fma(vec4<f32>(x2.x), w0, fma(vec4<f32>(x2.y), w1, fma(vec4<f32>(x2.z), w2, fma(vec4<f32>(x2.w), w3, acc2))));
    acc3 = fma(vec4<f32>(x3.x), w0, fma(vec4<f32>(x3.y), w1, fma(vec4<f32>(x3.z), w2, fma(vec4<f32>(x3.w), w3, acc3))));
  }
#endif
  store_row(row0, col0, acc0, offs.z + row0 * params.ldc);
  store_row(row0 + 1u, col0, acc1, offs.z + (row0 + 1u) * params.ldc);
  store_row(row0 + 2u, col0, acc2, offs.z + (row0 + 2u) * params.ldc);
  store_row(row0 + 3u, col0, acc3, offs.z + (row0 + 3u) * params.ldc);
}
