// Fused multi-head attention with an online softmax (FlashAttention, Dao et al. 2022; loop order of
// FlashAttention-2: queries outside, keys inside):
//   out[b, i, head h] = sum_j p_ij v_j,  p_ij = softmax_j(scale * q_i . k_j + mask[b][j]), j <= i if CAUSAL
// for every sequence b, head h and query i. Keys come in tiles of BK; each query row keeps a running max m, a
// running sum l of exp(s - m) and an unnormalised accumulator, both rescaled by exp(m_old - m_new) when a tile
// raises the max; the row is divided by l once at the end. No [seq, seq] score matrix exists in GPU memory.
// Params and head addressing: attention-common.wgsl.
//   q, k, v: vec4 views of [batch*seq_len, *] f32 (one packed QKV buffer bound three times, or three tensors)
//   mask: [batch, seq_len] f32 additive key mask (HAS_MASK)
//   rel_bucket, rel_weight, alibi, rope: the position features (attention-common.wgsl); WINDOW also bounds the
//   key tiles a workgroup visits to its rows +- window_half, so a local layer costs S x window, not S^2
//   out: vec4 view of [batch*seq_len, out_ld] f32; every row < seq_len of every head is written
//   lse: [batch, heads, seq_len] f32 (WRITE_LSE): m + log(l) of each row, from which attention-probs.wgsl
//        rebuilds the exact probabilities; 0 for a fully masked row. Off, the code is the plain kernel's.
// A fully masked row (every score <= MASKED, so l == 0) writes zeros, never NaN; under WINDOW, a row with no
// live key in its window writes the mean of the caller's values instead (attention-common.wgsl).
// SPLIT (flash-decoding's split over keys, for short sequences where (query blocks x heads x batch) alone
// would leave a GPU idle): workgroup y is head * SPLITS + part, part p visiting only its tile-aligned share
// of the keys; each row's unnormalised accumulator and (m, l) go to part_acc / part_ml for that part, and
// attention-merge.wgsl combines the SPLITS partial results (rescaled to their common max) into out and lse.
// Not with WINDOW (its fallback needs every key of the row).
// Dispatch: (ceil(seq_len / BQ), heads (x SPLITS), batch), workgroup size BQ. Invocation li owns query row wg.x*BQ + li
// with its q (pre-scaled), accumulator, m and l in registers; the BK keys and values of a tile are staged in
// workgroup memory by all invocations together, each load then serving BQ rows. Invocations past seq_len load
// and reach every barrier (barriers need the whole workgroup) but write nothing.

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
#if ${REL_BIAS}
@group(0) @binding(7) var<storage, read> rel_bucket: array<u32>;
@group(0) @binding(8) var<storage, read> rel_weight: array<f32>;
#endif
#if ${ALIBI}
@group(0) @binding(9) var<storage, read> alibi: array<f32>;
#endif
#if ${ROPE}
@group(0) @binding(10) var<storage, read> rope: array<vec2<f32>>;
#endif
#if ${SPLIT}
// [SPLITS, batch, heads, seq_len] rows of D4 vec4 (the accumulator) and of (m, l).
@group(0) @binding(11) var<storage, read_write> part_acc: array<vec4<f32>>;
@group(0) @binding(12) var<storage, read_write> part_ml: array<vec2<f32>>;
const SPLITS: u32 = ${SPLITS}u;
#endif

override BQ: u32 = 64;
// BK sizes the per-row score array `s`, which WGSL requires to be const: it comes through the preprocessor
// from the same tile object as BQ (attention-flash.ts shrinks it so the tiles fit 16 KiB at large DH).
const BK: u32 = ${BK}u;
const KV_TILE: u32 = BK * D4;

// Tile j-major: key j of the tile is k_tile[j * D4 .. j * D4 + D4].
var<workgroup> k_tile: array<vec4<f32>, KV_TILE>;
var<workgroup> v_tile: array<vec4<f32>, KV_TILE>;
// Additive bias of each key of the tile: its padding mask, or MASKED for a key past seq_len. MASKED absorbs
// any realistic score (|s| far below its half-ulp, ~3e22), so the sum stays <= MASKED.
var<workgroup> key_bias: array<f32, BK>;

@compute @workgroup_size(BQ)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let n = params.seq_len;
#if ${SPLIT}
  let head = wg.y / SPLITS;
  let part = wg.y % SPLITS;
#else
  let head = wg.y;
#endif
  let first_token = wg.z * n;
  let row = wg.x * BQ + li;

  var qr: array<vec4<f32>, D4>;
  if (row < n) {
    let base = head_base4(params.q_offset, params.q_ld, first_token + row, head);
    for (var c = 0u; c < D4; c++) {
      qr[c] = q[base + c] * params.scale;
    }
#if ${ROPE}
    qr = rotate(qr, row);
#endif
  }
  var acc: array<vec4<f32>, D4>;
  var s: array<f32, BK>;
  var m = MASKED;
  var l = 0.0;

#if ${CAUSAL}
  // No row of this workgroup sees a key past its last row. The bounds are the same for every invocation,
  // as the barriers in the loop require.
  var key_end = min(n, wg.x * BQ + BQ);
#else
  var key_end = n;
#endif
  var key_begin = 0u;
#if ${WINDOW}
  // Only the tiles within window_half of the workgroup's rows: the rest would be masked whole.
  key_begin = (max(wg.x * BQ, params.window_half) - params.window_half) / BK * BK;
  key_end = min(key_end, wg.x * BQ + BQ + params.window_half);
#endif
#if ${SPLIT}
  // This part's share of the key tiles (a multiple of BK, so no tile is visited by two parts).
  let chunk = (n + SPLITS * BK - 1u) / (SPLITS * BK) * BK;
  key_begin = max(key_begin, part * chunk);
  key_end = min(key_end, part * chunk + chunk);
#endif
  let i_pos = min(row, n - 1u);
  for (var k0 = key_begin; k0 < key_end; k0 += BK) {
    for (var i = li; i < KV_TILE; i += BQ) {
      let key = k0 + i / D4;
      // Keys past seq_len read as zeros: their weight is 0, and 0 * v must not meet a NaN from elsewhere.
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
#if ${ROPE}
    // Each key of the tile rotated in place at its position, then everyone waits again.
    for (var j = li; j < BK; j += BQ) {
      if (k0 + j < n) {
        var kr: array<vec4<f32>, D4>;
        for (var c = 0u; c < D4; c++) {
          kr[c] = k_tile[j * D4 + c];
        }
        kr = rotate(kr, k0 + j);
        for (var c = 0u; c < D4; c++) {
          k_tile[j * D4 + c] = kr[c];
        }
      }
    }
    workgroupBarrier();
#endif

    var tile_max = MASKED;
    for (var j = 0u; j < BK; j++) {
      var d = vec4<f32>(0.0);
      for (var c = 0u; c < D4; c++) {
        d = fma(qr[c], k_tile[j * D4 + c], d);
      }
      var score = d.x + d.y + d.z + d.w + key_bias[j];
#if ${POSITION_TERMS}
      score += position_terms(head, i_pos, k0 + j);
#endif
#if ${CAUSAL}
      score = select(score, MASKED, k0 + j > row);
#endif
      s[j] = score;
      tile_max = max(tile_max, score);
    }
    // m starts at MASKED and masked scores never exceed it, so m_new is finite and exp(m - m_new) is 1 for
    // a row that has seen only masked keys, 0 when its first live key arrives, else the rescale factor.
    let m_new = max(m, tile_max);
    let alpha = exp(m - m_new);
    l *= alpha;
    for (var c = 0u; c < D4; c++) {
      acc[c] *= alpha;
    }
    for (var j = 0u; j < BK; j++) {
      let p = select(0.0, exp(s[j] - m_new), s[j] > MASKED);
      l += p;
      for (var c = 0u; c < D4; c++) {
        acc[c] = fma(vec4<f32>(p), v_tile[j * D4 + c], acc[c]);
      }
    }
    m = m_new;
    // Nobody may overwrite the tiles for the next keys before everyone has used them.
    workgroupBarrier();
  }

#if ${SPLIT}
  if (row < n) {
    let slot = ((part * groups.z + wg.z) * params.heads + head) * n + row;
    for (var c = 0u; c < D4; c++) {
      part_acc[slot * D4 + c] = acc[c];
    }
    part_ml[slot] = vec2<f32>(m, l);
  }
#else
  var fallback = false;
#if ${WINDOW}
  if (row < n && l == 0.0) {
    // No live key in the window: the mean of the values of the caller's keys (attention-common.wgsl).
    fallback = true;
    for (var c = 0u; c < D4; c++) {
      acc[c] = vec4<f32>(0.0);
    }
    for (var j = 0u; j < n; j++) {
#if ${HAS_MASK}
      if (mask[first_token + j] <= BUCKET_PAD_CUTOFF) {
        continue;
      }
#endif
      l += 1.0;
      let vb = head_base4(params.v_offset, params.v_ld, first_token + j, head);
      for (var c = 0u; c < D4; c++) {
        acc[c] += v[vb + c];
      }
    }
  }
#endif
  if (row < n) {
    // l >= 1 whenever a key is live (the max contributes exp(0)); l == 0 only for a fully masked row.
    let inv = select(0.0, 1.0 / l, l > 0.0);
    let base = head_base4(0u, params.out_ld, first_token + row, head);
    for (var c = 0u; c < D4; c++) {
      out[base + c] = acc[c] * inv;
    }
#if ${WRITE_LSE}
    lse[(wg.z * params.heads + head) * n + row] = select(select(0.0, m + log(l), l > 0.0), WINDOW_FALLBACK_LSE, fallback);
#endif
  }
#endif
}
