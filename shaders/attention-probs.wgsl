// Attention probabilities rebuilt from the log-sum-exp that attention-flash.wgsl writes (WRITE_LSE):
//   probs[b, h, i, j] = exp(s_ij - lse[b, h, i]),  s_ij = scale * q_i . k_j + mask[b][j] (+ position terms)
// which is softmax_j(s_ij) exactly (lse = m + log(l) of row i), and 0 where s_ij <= MASKED, where j > i under
// CAUSAL, and on a fully masked row; a WINDOW row the flash kernel marked as its fallback is uniform over the
// caller's keys. It runs only when attention maps are asked for; the fused pass never
// needs this [seq, seq] matrix. s_ij is computed in the fused kernel's order (pre-scaled q, vec4 fma, then the
// mask), so the two agree to rounding.
// Params and head addressing: attention-common.wgsl.
//   q, k: vec4 views of [batch*seq_len, *] f32, as bound to attention-flash.wgsl
//   mask: [batch, seq_len] f32 additive key mask (HAS_MASK)
//   lse: [batch, heads, seq_len] f32
//   probs: [batch, heads, seq_len, seq_len] f32; every element is written
//   rel_bucket, rel_weight, alibi, rope: the position features, as bound to attention-flash.wgsl
// Dispatch: (ceil(seq_len / WG_X), ceil(seq_len / WG_Y), batch * heads). Invocation (x, y) of workgroup
// (i, j, z) writes probs[z][j*WG_Y + y][i*WG_X + x], z = b * heads + h: neighbouring invocations write
// neighbouring keys of one row.

@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>;
#if ${HAS_MASK}
@group(0) @binding(2) var<storage, read> mask: array<f32>;
#endif
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read_write> probs: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;
#if ${REL_BIAS}
@group(0) @binding(6) var<storage, read> rel_bucket: array<u32>;
@group(0) @binding(7) var<storage, read> rel_weight: array<f32>;
#endif
#if ${ALIBI}
@group(0) @binding(8) var<storage, read> alibi: array<f32>;
#endif
#if ${ROPE}
@group(0) @binding(9) var<storage, read> rope: array<vec2<f32>>;
#endif

override WG_X: u32 = 16;
override WG_Y: u32 = 16;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = params.seq_len;
  let key = gid.x;
  let row = gid.y;
  if (row >= n || key >= n) {
    return;
  }
  let seq = gid.z / params.heads;
  let head = gid.z % params.heads;
  let first_token = seq * n;
  let qb = head_base4(params.q_offset, params.q_ld, first_token + row, head);
  let kb = head_base4(params.k_offset, params.k_ld, first_token + key, head);
  var qr: array<vec4<f32>, D4>;
  var kr: array<vec4<f32>, D4>;
  for (var c = 0u; c < D4; c++) {
    qr[c] = q[qb + c] * params.scale;
    kr[c] = k[kb + c];
  }
#if ${ROPE}
  qr = rotate(qr, row);
  kr = rotate(kr, key);
#endif
  var d = vec4<f32>(0.0);
  for (var c = 0u; c < D4; c++) {
    d = fma(qr[c], kr[c], d);
  }
  var score = d.x + d.y + d.z + d.w;
#if ${HAS_MASK}
  score += mask[first_token + key];
#endif
#if ${POSITION_TERMS}
  score += position_terms(head, row, key);
#endif
#if ${CAUSAL}
  score = select(score, MASKED, key > row);
#endif
  let r = gid.z * n + row;
#if ${WINDOW}
  if (lse[r] > 1e30) {
    // The flash kernel's window fallback: uniform over the caller's keys (attention-common.wgsl).
    var count = 0.0;
    var live = true;
#if ${HAS_MASK}
    for (var j = 0u; j < n; j++) {
      count += select(0.0, 1.0, mask[first_token + j] > BUCKET_PAD_CUTOFF);
    }
    live = mask[first_token + key] > BUCKET_PAD_CUTOFF;
#else
    count = f32(n);
#endif
    probs[r * n + key] = select(0.0, 1.0 / count, live);
    return;
  }
#endif
  probs[r * n + key] = select(0.0, exp(score - lse[r]), score > MASKED);
}
