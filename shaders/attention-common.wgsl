// Shared part of the attention kernels (attention-flash.wgsl, attention-probs.wgsl): params, the masked-score
// convention and where head h of a token sits inside Q, K and V. Each kernel's own file declares its bindings.
//
// Q, K and V hold one row per token ([batch*seq_len, *], row-major f32): head h of token t is the DH values
// from element X_offset + t * X_ld + h * DH. Two layouts use this one addressing:
//   packed QKV, the [tokens, 3*hidden] output of the fused projection in Hugging Face column order, bound
//     three times: q_offset = 0, k_offset = hidden, v_offset = 2*hidden, every ld = 3*hidden;
//   separate Q, K, V tensors of [tokens, hidden]: offsets 0, ld = hidden.
// out is [tokens, out_ld] with head h in columns h*DH .. h*DH+DH (out_ld = hidden: ready for the output
// projection). DH, offsets and lds are multiples of 4 (the TS side checks), so rows are read and written as vec4.
// Token t of sequence b is row b * seq_len + t; the additive key mask is [batch, seq_len], 0 keeps a key.

// DH / 4 sizes the per-invocation register arrays, which WGSL requires to be const: it comes through the
// preprocessor from the head dim the TS side was given.
const D4: u32 = ${D4}u;
const DH: u32 = 4u * D4;

// A score at or below MASKED is a masked key, as in softmax.wgsl: probability exactly 0. The engine's padding
// mask holds -3e38 (MASK_VALUE in softmax.ts); Hugging Face's finfo.min masks work too.
const MASKED: f32 = -1e30;

struct Params {
  seq_len: u32,
  heads: u32,
  q_offset: u32,
  k_offset: u32,
  v_offset: u32,
  q_ld: u32,
  k_ld: u32,
  v_ld: u32,
  out_ld: u32,
  scale: f32,
}

// vec4 index of the first element of head `head` of row `token` in an operand laid out as above.
fn head_base4(offset: u32, ld: u32, token: u32, head: u32) -> u32 {
  return (offset + token * ld + head * DH) / 4u;
}
