// BERT embeddings: e = word[id] + position[pos] + token_type[type], then (FUSE_LN) LayerNorm(e).
//   ids, token_types: [tokens] u32 (tokens = batch * seq, row-major by sequence)
//   word: [vocab, h], position: [max_pos, h], token_type: [types, h] f32
//   gamma, beta: [h] f32 (FUSE_LN)       y: [tokens, h] f32
// Position of token t is t % seq_len (Hugging Face's default position_ids = arange(seq_len)).
// Ids are checked on the CPU before upload; here they are clamped so a bad id can never read past a table.
// One workgroup per token. Dispatch: (tokens, 1, 1), split over y past 65535.
// LayerNorm is two-pass (mean, then variance of e - mean), as in layernorm.wgsl.

struct Params {
  tokens: u32,
  h: u32,
  seq_len: u32,
  vocab: u32,
  max_pos: u32,
  types: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> ids: array<u32>;
@group(0) @binding(1) var<storage, read> token_types: array<u32>;
@group(0) @binding(2) var<storage, read> word: array<f32>;
@group(0) @binding(3) var<storage, read> position: array<f32>;
@group(0) @binding(4) var<storage, read> token_type: array<f32>;
#if ${FUSE_LN}
@group(0) @binding(5) var<storage, read> gamma: array<f32>;
@group(0) @binding(6) var<storage, read> beta: array<f32>;
#endif
@group(0) @binding(7) var<storage, read_write> y: array<f32>;
@group(0) @binding(8) var<uniform> params: Params;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let t = wg.x + wg.y * nwg.x;
  if (t >= params.tokens) {
    return;
  }
  let h = params.h;
  let w_base = min(ids[t], params.vocab - 1u) * h;
  let p_base = min(t % params.seq_len, params.max_pos - 1u) * h;
  let t_base = min(token_types[t], params.types - 1u) * h;
  let out = t * h;

#if ${FUSE_LN}
  var s = 0.0;
  for (var i = li; i < h; i += WG) {
    let e = word[w_base + i] + position[p_base + i] + token_type[t_base + i];
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
    y[out + i] = (y[out + i] - mean) * inv_std * gamma[i] + beta[i];
  }
#else
  for (var i = li; i < h; i += WG) {
    y[out + i] = word[w_base + i] + position[p_base + i] + token_type[t_base + i];
  }
#endif
}
