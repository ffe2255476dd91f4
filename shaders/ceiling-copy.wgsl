// Memory-bandwidth ceiling: dst = src, 16 bytes per invocation. Nothing is computed, so the time is the
// memory system's alone; over a buffer far larger than any cache, (bytes read + bytes written) / time is
// the adapter's practical bandwidth, the ceiling of memory-bound kernels (LayerNorm, GELU).
//   src, dst: [n] vec4<f32> (bound as f32 tensors of 4 * n elements)
// Invocation i copies element i; neighbouring invocations touch neighbouring 16-byte words (coalesced).
// Dispatch: ceil(n / WG) workgroups, split over x and y past 65535
// (index = (wg.y * num_workgroups.x + wg.x) * WG + local index).

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> params: Params;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * nwg.x + wg.x) * WG + li;
  if (i < params.n) {
    dst[i] = src[i];
  }
}
