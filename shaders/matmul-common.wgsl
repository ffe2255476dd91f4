// Shared part of the matmul kernels (matmul-naive.wgsl, matmul-tiled.wgsl): bindings, params, batch
// addressing and the fused epilogue. The kernel's own file holds only `main`.
//
// C[z] = epilogue(alpha * A[z] . op(B[z])), for z in [0, batch):
//   a: A, [m, k] with row stride lda                       f32
//   b: B, [k, n] with row stride ldb, or (TRANS_B) [n, k] (PyTorch Linear weight layout)   f32; with TRANS_B
//      also f16, bf16 or int8 (W_F16, W_BF16, W_I8 with b_scales; W_PACKED for any of them): weights.wgsl
//   c: C, [m, n] with row stride ldc                        f32, every element in range written
//   bias: [n] from element bias_offset, added to every row (HAS_BIAS)   f32
//   residual: same layout and offsets as C, added last (HAS_RESIDUAL)   f32
// epilogue(v) = act(alpha*v + bias) + residual, act one of GELU_ERF, GELU_TANH, TANH (the pooler), RELU,
// SILU or none. GLU (gated MLPs: GeGLU, SwiGLU): B's rows come in pairs (2c, 2c+1) and C has n/2 columns,
// C[r, c] = act(alpha*v[2c] + bias[2c]) * (alpha*v[2c+1] + bias[2c+1]) + residual; only kernels whose invocations
// own pairs of adjacent columns (matmul-register, matmul-unrolled) take it. bias_offset lets a weight split into row blocks (a vocabulary larger than one binding) run
// as one matmul per block, each writing its columns of C at c_offset with the matching slice of the bias.
// Batch addressing is two-level so attention can read heads out of a packed [tokens, 3*hidden] tensor:
// z = outer * batch_inner + inner, and a matrix starts at X_offset + outer * X_outer + inner * X_inner
// (elements; X_offset reaches a column block such as K inside QKV without a view at an aligned address).

struct Params {
  m: u32,
  n: u32,
  k: u32,
  lda: u32,
  ldb: u32,
  ldc: u32,
  batch_inner: u32,
  a_outer: u32,
  a_inner: u32,
  b_outer: u32,
  b_inner: u32,
  c_outer: u32,
  c_inner: u32,
  a_offset: u32,
  b_offset: u32,
  c_offset: u32,
  bias_offset: u32,
  alpha: f32,
}

#if ${VEC4}
// Read as vec4 along k: every row start and k itself are multiples of 4.
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
#if ${W_I8}
@group(0) @binding(6) var<storage, read> b_scales: array<f32>;
#endif
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
#if ${HAS_BIAS}
@group(0) @binding(3) var<storage, read> bias: array<f32>;
#endif
#if ${HAS_RESIDUAL}
@group(0) @binding(4) var<storage, read> residual: array<f32>;
#endif
@group(0) @binding(5) var<uniform> params: Params;

// Element offsets of A, B and C for batch entry z.
fn batch_offsets(z: u32) -> vec3<u32> {
  let outer = z / params.batch_inner;
  let inner = z % params.batch_inner;
  return vec3<u32>(
    params.a_offset + outer * params.a_outer + inner * params.a_inner,
    params.b_offset + outer * params.b_outer + inner * params.b_inner,
    params.c_offset + outer * params.c_outer + inner * params.c_inner);
}

#if ${GLU}
// `col` is the even column of the pair in the full product; `c_index` where the gated value goes in C.
fn glu_epilogue(a: f32, b: f32, col: u32, c_index: u32) -> f32 {
  var v = a * params.alpha;
  var g = b * params.alpha;
#if ${HAS_BIAS}
  v += bias[params.bias_offset + col];
  g += bias[params.bias_offset + col + 1u];
#endif
  v = activate(v);
  v *= g;
#if ${HAS_RESIDUAL}
  v += residual[c_index];
#endif
  return v;
}
#endif

fn activate(x: f32) -> f32 {
  var v = x;
#if ${GELU_ERF}
  v = gelu_erf(v);
#endif
#if ${GELU_TANH}
  v = gelu_tanh(v);
#endif
#if ${TANH}
  v = tanh_precise(v);
#endif
#if ${RELU}
  v = max(v, 0.0);
#endif
#if ${SILU}
  v = silu(v);
#endif
  return v;
}

// `c_index` is where the value goes in C (and where its residual is read).
fn epilogue(acc: f32, col: u32, c_index: u32) -> f32 {
  var v = acc * params.alpha;
#if ${HAS_BIAS}
  v += bias[params.bias_offset + col];
#endif
  v = activate(v);
#if ${HAS_RESIDUAL}
  v += residual[c_index];
#endif
  return v;
}
