// Embeddings: e = word[id] (+ position[pos]) (+ token_type[type]), then (FUSE_LN) LayerNorm(e).
//   ids, positions, token_types: [tokens] u32 (tokens = batch * seq, row-major by sequence)
//   word: rows [row_begin, row_begin + row_count) of the [vocab, h] table
//   position: [max_pos, h] (HAS_POSITION), token_type: [types, h] (HAS_TOKEN_TYPE)
//   each table f32, or f16 / bf16 two per u32 word, low half first (WORD_F16, WORD_BF16, POS_*, TYPE_*)
//   gamma, beta: [h] f32 (FUSE_LN; beta with HAS_BETA)       y: [tokens, h] f32
// Position ids come from the caller (BERT counts 0.., RoBERTa from padding_idx + 1 over non-pad ids), so one
// kernel serves every family. A table larger than one binding arrives as row blocks: one dispatch per block,
// unfused, each writing the tokens whose id falls in its block, then a LayerNorm. Ids are checked on the CPU
// before upload; positions and types are clamped here so a bad value can never read past a table.
// One workgroup per token. Dispatch: (tokens, 1, 1), split over y past 65535.
// LayerNorm is two-pass (mean, then variance of e - mean), as in layernorm.wgsl.

struct Params {
  tokens: u32,
  h: u32,
  row_begin: u32,
  row_count: u32,
  max_pos: u32,
  types: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> ids: array<u32>;
#if ${HAS_POSITION}
@group(0) @binding(1) var<storage, read> positions: array<u32>;
#endif
#if ${HAS_TOKEN_TYPE}
@group(0) @binding(2) var<storage, read> token_types: array<u32>;
#endif
#if ${WORD_F16}
@group(0) @binding(3) var<storage, read> word: array<u32>;
fn word_at(e: u32) -> f32 { return f16_at(word[e >> 1u], e); }
#elif ${WORD_BF16}
@group(0) @binding(3) var<storage, read> word: array<u32>;
fn word_at(e: u32) -> f32 { return bf16_at(word[e >> 1u], e); }
#else
@group(0) @binding(3) var<storage, read> word: array<f32>;
fn word_at(e: u32) -> f32 { return word[e]; }
#endif
#if ${HAS_POSITION}
#if ${POS_F16}
@group(0) @binding(4) var<storage, read> position: array<u32>;
fn position_at(e: u32) -> f32 { return f16_at(position[e >> 1u], e); }
#elif ${POS_BF16}
@group(0) @binding(4) var<storage, read> position: array<u32>;
fn position_at(e: u32) -> f32 { return bf16_at(position[e >> 1u], e); }
#else
@group(0) @binding(4) var<storage, read> position: array<f32>;
fn position_at(e: u32) -> f32 { return position[e]; }
#endif
#endif
#if ${HAS_TOKEN_TYPE}
#if ${TYPE_F16}
@group(0) @binding(5) var<storage, read> token_type: array<u32>;
fn token_type_at(e: u32) -> f32 { return f16_at(token_type[e >> 1u], e); }
#elif ${TYPE_BF16}
@group(0) @binding(5) var<storage, read> token_type: array<u32>;
fn token_type_at(e: u32) -> f32 { return bf16_at(token_type[e >> 1u], e); }
#else
@group(0) @binding(5) var<storage, read> token_type: array<f32>;
fn token_type_at(e: u32) -> f32 { return token_type[e]; }
#endif
#endif

// Element e of a table of halves, from the word holding it.
fn f16_at(u: u32, e: u32) -> f32 {
  let p = unpack2x16float(u);
  return select(p.x, p.y, (e & 1u) == 1u);
}

fn bf16_at(u: u32, e: u32) -> f32 {
  return bitcast<f32>(select(u << 16u, u & 0xffff0000u, (e & 1u) == 1u));
}
#if ${FUSE_LN}
@group(0) @binding(6) var<storage, read> gamma: array<f32>;
#if ${HAS_BETA}
@group(0) @binding(7) var<storage, read> beta: array<f32>;
#endif
#endif
@group(0) @binding(8) var<storage, read_write> y: array<f32>;
@group(0) @binding(9) var<uniform> params: Params;

override WG: u32 = 256;

fn embed(t: u32, w_base: u32, i: u32) -> f32 {
  var e = word_at(w_base + i);
#if ${HAS_POSITION}
  e += position_at(min(positions[t], params.max_pos - 1u) * params.h + i);
#endif
#if ${HAS_TOKEN_TYPE}
  e += token_type_at(min(token_types[t], params.types - 1u) * params.h + i);
#endif
  return e;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let t = wg.x + wg.y * nwg.x;
  if (t >= params.tokens) {
    return;
  }
  let id = ids[t];
  // Uniform per workgroup (one token each), so the early return cannot split a barrier.
  if (id < params.row_begin || id - params.row_begin >= params.row_count) {
    return;
  }
  let h = params.h;
  let w_base = (id - params.row_begin) * h;
  let out = t * h;

#if ${FUSE_LN}
  var s = 0.0;
  for (var i = li; i < h; i += WG) {
    let e = embed(t, w_base, i);
    y[out + i] = e;
    s += e;
  }
  // Each invocation reads back only the elements it wrote itself: no barrier needed for y.
  let mean = workgroup_sum(s, li) / f32(h);
  var q = 0.0;
  for (var i = li; i < h; i += WG) {
    let d = y[out + i] - mean;
    q += d * d;
  }
  let inv_std = inverseSqrt(workgroup_sum(q, li) / f32(h) + params.eps);
  for (var i = li; i < h; i += WG) {
    var v = (y[out + i] - mean) * inv_std * gamma[i];
#if ${HAS_BETA}
    v += beta[i];
#endif
    y[out + i] = v;
  }
#else
  for (var i = li; i < h; i += WG) {
    y[out + i] = embed(t, w_base, i);
  }
#endif
}
