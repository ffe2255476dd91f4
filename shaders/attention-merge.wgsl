// The second pass of split attention (attention-flash.wgsl under SPLIT): SPLITS partial results per query row
// and head, each an unnormalised accumulator with its running max m_p and sum l_p, combined exactly:
//   M = max_p m_p,  L = sum_p l_p exp(m_p - M),  out = sum_p acc_p exp(m_p - M) / L,  lse = M + log(L).
// A part that saw no live key has m_p = MASKED, l_p = 0 and acc_p = 0, so it adds nothing; a row with no live
// key at all (L = 0) writes zeros and lse 0, as the one-pass kernel does.
//   part_acc: [SPLITS, batch, heads, seq_len, D4] vec4   part_ml: [SPLITS, batch, heads, seq_len] (m, l)
//   out: vec4 view of [batch*seq_len, out_ld], head h in columns h*DH ..   lse: [batch, heads, seq_len] (WRITE_LSE)
// Dispatch: ceil(batch*seq_len*heads*D4 / WG) (x, y as grid1d splits it); one invocation per output vec4.

struct Params {
  rows: u32,
  seq_len: u32,
  heads: u32,
  out_ld: u32,
}

@group(0) @binding(0) var<storage, read> part_acc: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> part_ml: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
#if ${WRITE_LSE}
@group(0) @binding(3) var<storage, read_write> lse: array<f32>;
#endif
@group(0) @binding(4) var<uniform> params: Params;

const D4: u32 = ${D4}u;
const SPLITS: u32 = ${SPLITS}u;
const MASKED: f32 = -1e30;
override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  // slot = (b * heads + head) * seq_len + row: the index of the row within one part.
  let slot = i / D4;
  let c = i % D4;
  if (slot >= params.rows) {
    return;
  }
  var big = MASKED;
  for (var p = 0u; p < SPLITS; p++) {
    big = max(big, part_ml[p * params.rows + slot].x);
  }
  var total = 0.0;
  var acc = vec4<f32>(0.0);
  for (var p = 0u; p < SPLITS; p++) {
    let ml = part_ml[p * params.rows + slot];
    let w = exp(ml.x - big);
    total += ml.y * w;
    acc += part_acc[(p * params.rows + slot) * D4 + c] * w;
  }
  let row = slot % params.seq_len;
  let bh = slot / params.seq_len;
  let head = bh % params.heads;
  let token = (bh / params.heads) * params.seq_len + row;
  out[(token * params.out_ld) / 4u + head * D4 + c] = acc * select(0.0, 1.0 / total, total > 0.0);
#if ${WRITE_LSE}
  if (c == 0u) {
    lse[slot] = select(0.0, big + log(total), total > 0.0);
  }
#endif
}
