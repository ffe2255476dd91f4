// GELU, elementwise: y = gelu(x), the exact erf form (BERT's "gelu") or, with GELU_TANH, the tanh form
// (gelu_new / gelu_pytorch_tanh). The math is in activations.wgsl, shared with the matmul epilogue.
//   x, y: [n] f32 (y may alias x only if bound as the same view; the engine never does)
// Invocation i handles element i. Dispatch: ceil(n / WG) workgroups, split over x and y past 65535
// (index = (wg.y * num_workgroups.x + wg.x) * WG + local index).

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * nwg.x + wg.x) * WG + li;
  if (i >= params.n) {
    return;
  }
#if ${GELU_TANH}
  y[i] = gelu_tanh(x[i]);
#else
  y[i] = gelu_erf(x[i]);
#endif
}
