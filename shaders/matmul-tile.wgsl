// The register tile of the workgroup-tiled matmuls (matmul-tiled.wgsl, matmul-gpu.wgsl): invocation
// (x, y) of a WG_X x WG_Y workgroup owns rows y + i*WG_Y and columns x + j*WG_X of the block (i < TM,
// j < TN), so neighbouring invocations read neighbouring words of the B tile and write neighbouring words
// of C. The including shader declares TM, TN (const) and WG_X, WG_Y (override).

// acc += a_reg (column) x b_reg (row): one k of the block.
fn tile_fma(acc: ptr<function, array<f32, TM * TN>>, a_reg: ptr<function, array<f32, TM>>, b_reg: ptr<function, array<f32, TN>>) {
  for (var i = 0u; i < TM; i++) {
    for (var j = 0u; j < TN; j++) {
      (*acc)[i * TN + j] = fma((*a_reg)[i], (*b_reg)[j], (*acc)[i * TN + j]);
    }
  }
}

// The tile through the epilogue into C; elements outside [m, n] are skipped.
fn tile_store(acc: ptr<function, array<f32, TM * TN>>, c_base: u32, row0: u32, col0: u32, lid: vec3<u32>) {
  for (var i = 0u; i < TM; i++) {
    let row = row0 + lid.y + i * WG_Y;
    for (var j = 0u; j < TN; j++) {
      let col = col0 + lid.x + j * WG_X;
      if (row < params.m && col < params.n) {
        let ci = c_base + row * params.ldc + col;
        c[ci] = epilogue((*acc)[i * TN + j], col, ci);
      }
    }
  }
}
