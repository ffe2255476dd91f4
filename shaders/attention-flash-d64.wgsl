// Fused attention for head dim 64 with every per-row value in named registers: attention-flash.wgsl's
// algorithm (online softmax over key tiles staged in workgroup memory, no [seq, seq] buffer) with its q and
// accumulator arrays written out as 16 vec4 each. SwiftShader keeps function-scope arrays that loops index in
// memory (see matmul-unrolled.wgsl), so there the generic kernel spends its time on loads and stores of its
// own registers; GPUs may compile both to the same code. Only DH = 64 (BERT-base, MiniLM): D4 must be 16.
// Bindings, params, masks, dispatch and the invocation-to-row mapping: as attention-flash.wgsl.

@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
#if ${HAS_MASK}
@group(0) @binding(3) var<storage, read> mask: array<f32>;
#endif
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
#if ${WRITE_LSE}
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;
#endif
@group(0) @binding(6) var<uniform> params: Params;

const_assert D4 == 16u;
override BQ: u32 = 64;
// BK sizes the per-row score array `s` (const, through the preprocessor): BK reads and writes per tile are
// cheap next to the 16-term dot product of every score.
const BK: u32 = ${BK}u;
const KV_TILE: u32 = BK * D4;
var<workgroup> k_tile: array<vec4<f32>, KV_TILE>;
var<workgroup> v_tile: array<vec4<f32>, KV_TILE>;
var<workgroup> key_bias: array<f32, BK>;

@compute @workgroup_size(BQ)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let n = params.seq_len;
  let head = wg.y;
  let first_token = wg.z * n;
  let row = wg.x * BQ + li;

  var q0 = vec4<f32>(0.0);
  var q1 = vec4<f32>(0.0);
  var q2 = vec4<f32>(0.0);
  var q3 = vec4<f32>(0.0);
  var q4 = vec4<f32>(0.0);
  var q5 = vec4<f32>(0.0);
  var q6 = vec4<f32>(0.0);
  var q7 = vec4<f32>(0.0);
  var q8 = vec4<f32>(0.0);
  var q9 = vec4<f32>(0.0);
  var q10 = vec4<f32>(0.0);
  var q11 = vec4<f32>(0.0);
  var q12 = vec4<f32>(0.0);
  var q13 = vec4<f32>(0.0);
  var q14 = vec4<f32>(0.0);
  var q15 = vec4<f32>(0.0);
  if (row < n) {
    let base = head_base4(params.q_offset, params.q_ld, first_token + row, head);
    q0 = q[base + 0u] * params.scale;
    q1 = q[base + 1u] * params.scale;
    q2 = q[base + 2u] * params.scale;
    q3 = q[base + 3u] * params.scale;
    q4 = q[base + 4u] * params.scale;
    q5 = q[base + 5u] * params.scale;
    q6 = q[base + 6u] * params.scale;
    q7 = q[base + 7u] * params.scale;
    q8 = q[base + 8u] * params.scale;
    q9 = q[base + 9u] * params.scale;
    q10 = q[base + 10u] * params.scale;
    q11 = q[base + 11u] * params.scale;
    q12 = q[base + 12u] * params.scale;
    q13 = q[base + 13u] * params.scale;
    q14 = q[base + 14u] * params.scale;
    q15 = q[base + 15u] * params.scale;
  }
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);
  var acc8 = vec4<f32>(0.0);
  var acc9 = vec4<f32>(0.0);
  var acc10 = vec4<f32>(0.0);
  var acc11 = vec4<f32>(0.0);
  var acc12 = vec4<f32>(0.0);
  var acc13 = vec4<f32>(0.0);
  var acc14 = vec4<f32>(0.0);
  var acc15 = vec4<f32>(0.0);
  var s: array<f32, BK>;
  var m = MASKED;
  var l = 0.0;

#if ${CAUSAL}
  let key_end = min(n, wg.x * BQ + BQ);
#else
  let key_end = n;
#endif
  for (var k0 = 0u; k0 < key_end; k0 += BK) {
    for (var i = li; i < KV_TILE; i += BQ) {
      let key = k0 + i / D4;
      var kv = vec4<f32>(0.0);
      var vv = vec4<f32>(0.0);
      if (key < n) {
        kv = k[head_base4(params.k_offset, params.k_ld, first_token + key, head) + i % D4];
        vv = v[head_base4(params.v_offset, params.v_ld, first_token + key, head) + i % D4];
      }
      k_tile[i] = kv;
      v_tile[i] = vv;
    }
    for (var j = li; j < BK; j += BQ) {
      var bias = MASKED;
      if (k0 + j < n) {
        bias = 0.0;
#if ${HAS_MASK}
        bias = mask[first_token + k0 + j];
#endif
      }
      key_bias[j] = bias;
    }
    workgroupBarrier();

    var tile_max = MASKED;
    for (var j = 0u; j < BK; j++) {
      let kb = j * D4;
      var d = q0 * k_tile[kb];
      d = fma(q1, k_tile[kb + 1u], d);
      d = fma(q2, k_tile[kb + 2u], d);
      d = fma(q3, k_tile[kb + 3u], d);
      d = fma(q4, k_tile[kb + 4u], d);
      d = fma(q5, k_tile[kb + 5u], d);
      d = fma(q6, k_tile[kb + 6u], d);
      d = fma(q7, k_tile[kb + 7u], d);
      d = fma(q8, k_tile[kb + 8u], d);
      d = fma(q9, k_tile[kb + 9u], d);
      d = fma(q10, k_tile[kb + 10u], d);
      d = fma(q11, k_tile[kb + 11u], d);
      d = fma(q12, k_tile[kb + 12u], d);
      d = fma(q13, k_tile[kb + 13u], d);
      d = fma(q14, k_tile[kb + 14u], d);
      d = fma(q15, k_tile[kb + 15u], d);
      var score = d.x + d.y + d.z + d.w + key_bias[j];
#if ${CAUSAL}
      score = select(score, MASKED, k0 + j > row);
#endif
      s[j] = score;
      tile_max = max(tile_max, score);
    }
    let m_new = max(m, tile_max);
    let alpha = exp(m - m_new);
    l *= alpha;
    acc0 *= alpha;
    acc1 *= alpha;
    acc2 *= alpha;
    acc3 *= alpha;
    acc4 *= alpha;
    acc5 *= alpha;
    acc6 *= alpha;
    acc7 *= alpha;
    acc8 *= alpha;
    acc9 *= alpha;
    acc10 *= alpha;
    acc11 *= alpha;
    acc12 *= alpha;
    acc13 *= alpha;
    acc14 *= alpha;
    acc15 *= alpha;
    for (var j = 0u; j < BK; j++) {
      let p = select(0.0, exp(s[j] - m_new), s[j] > MASKED);
      l += p;
      let pv = vec4<f32>(p);
      let vb = j * D4;
      acc0 = fma(pv, v_tile[vb + 0u], acc0);
      acc1 = fma(pv, v_tile[vb + 1u], acc1);
      acc2 = fma(pv, v_tile[vb + 2u], acc2);
      acc3 = fma(pv, v_tile[vb + 3u], acc3);
      acc4 = fma(pv, v_tile[vb + 4u], acc4);
      acc5 = fma(pv, v_tile[vb + 5u], acc5);
      acc6 = fma(pv, v_tile[vb + 6u], acc6);
      acc7 = fma(pv, v_tile[vb + 7u], acc7);
      acc8 = fma(pv, v_tile[vb + 8u], acc8);
      acc9 = fma(pv, v_tile[vb + 9u], acc9);
      acc10 = fma(pv, v_tile[vb + 10u], acc10);
      acc11 = fma(pv, v_tile[vb + 11u], acc11);
      acc12 = fma(pv, v_tile[vb + 12u], acc12);
      acc13 = fma(pv, v_tile[vb + 13u], acc13);
      acc14 = fma(pv, v_tile[vb + 14u], acc14);
      acc15 = fma(pv, v_tile[vb + 15u], acc15);
    }
    m = m_new;
    workgroupBarrier();
  }

  if (row < n) {
    let inv = select(0.0, 1.0 / l, l > 0.0);
    let base = head_base4(0u, params.out_ld, first_token + row, head);
    out[base + 0u] = acc0 * inv;
    out[base + 1u] = acc1 * inv;
    out[base + 2u] = acc2 * inv;
    out[base + 3u] = acc3 * inv;
    out[base + 4u] = acc4 * inv;
    out[base + 5u] = acc5 * inv;
    out[base + 6u] = acc6 * inv;
    out[base + 7u] = acc7 * inv;
    out[base + 8u] = acc8 * inv;
    out[base + 9u] = acc9 * inv;
    out[base + 10u] = acc10 * inv;
    out[base + 11u] = acc11 * inv;
    out[base + 12u] = acc12 * inv;
    out[base + 13u] = acc13 * inv;
    out[base + 14u] = acc14 * inv;
    out[base + 15u] = acc15 * inv;
#if ${WRITE_LSE}
    lse[(wg.z * params.heads + head) * n + row] = select(0.0, m + log(l), l > 0.0);
#endif
  }
}
