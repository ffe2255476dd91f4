// Shared part of the attention kernels (attention-flash.wgsl, attention-probs.wgsl): params, the masked-score
// convention, where head h of a token sits inside Q, K and V, and the position features (relative bias,
// ALiBi, sliding window, rotary). Each kernel's own file declares its bindings.
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

// A padding key of the caller's batch holds MASK_VALUE (-3e38); a key past the caller's length, which only
// the sequence bucket adds (SEQ_BUCKET in forward.ts), holds BUCKET_PAD_VALUE (-3.3e38), below this cutoff.
// Under WINDOW, a query row whose window holds no live key takes the mean of the values of every key of the
// caller's length, as transformers' eager and SDPA attention give it (every score there is finfo.min, so the
// softmax is uniform); attention-flash.wgsl marks such a row's lse with WINDOW_FALLBACK_LSE.
const BUCKET_PAD_CUTOFF: f32 = -3.2e38;
const WINDOW_FALLBACK_LSE: f32 = 3e38;

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
  window_half: u32,
  rotary_half: u32,
}

// vec4 index of the first element of head `head` of row `token` in an operand laid out as above.
fn head_base4(offset: u32, ld: u32, token: u32, head: u32) -> u32 {
  return (offset + token * ld + head * DH) / 4u;
}

// Position features, each a preprocessor value; a kernel declares the bindings they read (rel_bucket,
// rel_weight, alibi, rope). For query position i and key position j of one sequence:
//   REL_BIAS  score += rel_weight[rel_bucket[j - i + seq_len - 1] * heads + head]: a learned bias per head and
//             relative-position bucket (MPNet), the bucket of each distance computed on the CPU
//   ALIBI     score -= alibi[head] * |i - j| (symmetric, as encoders use it)
//   WINDOW    score = MASKED when |i - j| > window_half (a local layer: the fused kernel also skips the tiles)
//   ROPE      q and k rotated before their dot product (rotate below)
fn position_terms(head: u32, i: u32, j: u32) -> f32 {
  let dist = select(i - j, j - i, j > i);
  var b = 0.0;
#if ${REL_BIAS}
  b += rel_weight[rel_bucket[j + params.seq_len - 1u - i] * params.heads + head];
#endif
#if ${ALIBI}
  b -= alibi[head] * f32(dist);
#endif
#if ${WINDOW}
  b = select(b, MASKED, dist > params.window_half);
#endif
  return b;
}

#if ${ROPE}
// Rotary position embedding of one head vector at position `pos`: pairs (i, i + rotary_half), GPT-NeoX's
// rotate-half (ROPE_INTERLEAVED: pairs (2i, 2i + 1), GPT-J's), i < rotary_half, turned by the angle whose
// cos and sin are rope[pos * rotary_half + i] (computed in float64 on the CPU, per layer's theta). Dims past
// 2 * rotary_half (a partial rotary fraction) are unchanged.
fn rotate(x: array<vec4<f32>, D4>, pos: u32) -> array<vec4<f32>, D4> {
  var src = x;
  var y = x;
  for (var i = 0u; i < params.rotary_half; i++) {
#if ${ROPE_INTERLEAVED}
    let p = vec2<u32>(2u * i, 2u * i + 1u);
#else
    let p = vec2<u32>(i, i + params.rotary_half);
#endif
    let cs = rope[pos * params.rotary_half + i];
    let a = src[p.x / 4u][p.x % 4u];
    let b = src[p.y / 4u][p.y % 4u];
    y[p.x / 4u][p.x % 4u] = a * cs.x - b * cs.y;
    y[p.y / 4u][p.y % 4u] = b * cs.x + a * cs.y;
  }
  return y;
}
#endif
