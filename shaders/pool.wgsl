// Sentence embeddings: pools each sequence's last hidden state into one vector, as sentence-transformers'
// Pooling and Normalize modules do, so a feature-extraction forward reads back [batch, width] only. One mode
// per dispatch (a preprocessor value); several modes write side by side through y_offset / y_ld.
//   CLS (none set): y[b] = x[b*S + 0]
//   MEAN:           sum_s keep(b, s) x[b*S + s] / count(b); 0 with no kept token (sentence-transformers divides by
//                   clamp(count, 1e-9): 0 as well)
//   MEAN_SQRT:      the same sum / sqrt(count(b)) (pooling_mode_mean_sqrt_len_tokens)
//   WEIGHTED:       sum_s keep(b, s) (s + 1) x[b*S + s] / sum_s keep(b, s) (s + 1) (pooling_mode_weightedmean_tokens)
//   MAX:            max over kept tokens, -1e9 with none (sentence-transformers sets masked tokens to -1e9 first)
//   LAST:           x at the last kept token, token 0 with none (pooling_mode_lasttoken)
//   NORMALIZE:      y[b] /= max(||y[b]||_2, eps), as torch.nn.functional.normalize (eps = 1e-12 there); with
//                   seq_len 1 and CLS this is sentence-transformers' Normalize module on any [batch, width]
// keep(b, s): the additive pooling-mask bias is above MASKED (0 for tokens, <= -3e38 for padding, the plan's
// bucket padding and prompt tokens left out of the pooling), the convention of softmax.wgsl.
//   x: [batch*seq_len, hidden] row-major f32     mask: [batch, seq_len] f32 additive bias (every mode but CLS)
//   y: [batch, y_ld] f32, this mode's columns from y_offset
// One workgroup per sequence; invocation i owns columns i, i + WG, i + 2WG, ... (loads of neighbouring
// invocations are contiguous). Dispatch: (batch, 1, 1), split over y past 65535 (b = wg.x + wg.y * nwg.x).

struct Params {
  batch: u32,
  seq_len: u32,
  hidden: u32,
  eps: f32,
  y_offset: u32,
  y_ld: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
#if ${MASKED_MODE}
@group(0) @binding(1) var<storage, read> mask: array<f32>;
#endif
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

override WG: u32 = 64;
const MASKED: f32 = -1e30;

#if ${MASKED_MODE}
fn keep(b: u32, s: u32) -> bool {
  return mask[b * params.seq_len + s] > MASKED;
}
#endif

fn pooled(b: u32, col: u32) -> f32 {
  let base = b * params.seq_len * params.hidden;
#if ${LAST}
  var last = 0u;
  for (var s = 0u; s < params.seq_len; s++) {
    last = select(last, s, keep(b, s));
  }
  return x[base + last * params.hidden + col];
#elif ${MAX}
  var m = -1e9;
  for (var s = 0u; s < params.seq_len; s++) {
    if (keep(b, s)) {
      m = max(m, x[base + s * params.hidden + col]);
    }
  }
  return m;
#elif ${MASKED_MODE}
  var sum = 0.0;
  var count = 0.0;
  for (var s = 0u; s < params.seq_len; s++) {
    if (keep(b, s)) {
#if ${WEIGHTED}
      let w = f32(s + 1u);
#else
      let w = 1.0;
#endif
      sum += w * x[base + s * params.hidden + col];
      count += w;
    }
  }
#if ${MEAN_SQRT}
  return select(0.0, sum / sqrt(count), count > 0.0);
#else
  return select(0.0, sum / count, count > 0.0);
#endif
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
  let dst = b * params.y_ld + params.y_offset;
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
