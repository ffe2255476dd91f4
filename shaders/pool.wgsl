// Sentence embeddings: pools each sequence's last hidden state into one vector, as sentence-transformers'
// Pooling and Normalize modules do, so a feature-extraction forward reads back [batch, hidden] only.
//   CLS (default): y[b] = x[b*S + 0]
//   MEAN:          y[b] = sum_s keep(b, s) * x[b*S + s] / count(b); a sequence with no kept token is 0
//                  (sentence-transformers divides by clamp(count, 1e-9): 0 as well)
//   NORMALIZE:     y[b] /= max(||y[b]||_2, eps), as torch.nn.functional.normalize (eps = 1e-12 there)
// keep(b, s): the additive attention-mask bias is above MASKED (0 for tokens, -3e38 for padding and for
// the plan's bucket padding), the convention of softmax.wgsl.
//   x: [batch*seq_len, hidden] row-major f32     mask: [batch, seq_len] f32 additive bias (MEAN)
//   y: [batch, hidden] f32
// One workgroup per sequence; invocation i owns columns i, i + WG, i + 2WG, ... (loads of neighbouring
// invocations are contiguous). Dispatch: (batch, 1, 1), split over y past 65535 (b = wg.x + wg.y * nwg.x).

struct Params {
  batch: u32,
  seq_len: u32,
  hidden: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
#if ${MEAN}
@group(0) @binding(1) var<storage, read> mask: array<f32>;
#endif
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

override WG: u32 = 64;
const MASKED: f32 = -1e30;

fn pooled(b: u32, col: u32) -> f32 {
  let base = b * params.seq_len * params.hidden;
#if ${MEAN}
  var sum = 0.0;
  var count = 0.0;
  for (var s = 0u; s < params.seq_len; s++) {
    if (mask[b * params.seq_len + s] > MASKED) {
      sum += x[base + s * params.hidden + col];
      count += 1.0;
    }
  }
  return select(0.0, sum / count, count > 0.0);
#else
  return x[base + col];
#endif
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let b = wg.x + wg.y * nwg.x;
  // The same for the whole workgroup, so returning keeps the reduction's barriers in uniform control flow.
  if (b >= params.batch) {
    return;
  }
  let dst = b * params.hidden;
  var sq = 0.0;
  for (var col = li; col < params.hidden; col += WG) {
    let v = pooled(b, col);
    y[dst + col] = v;
    sq += v * v;
  }
#if ${NORMALIZE}
  let inv = 1.0 / max(sqrt(workgroup_sum(sq, li)), params.eps);
  // Each invocation rescales only the columns it wrote, so no barrier is needed between the passes.
  for (var col = li; col < params.hidden; col += WG) {
    y[dst + col] *= inv;
  }
#endif
}
