// Elementwise add: c = a + b.
//   a, b, c: [n] f32
// Invocation i handles element i. Dispatch: ceil(n / WG) workgroups, split over x and y past 65535
// (index = (wg.y * num_workgroups.x + wg.x) * WG + local index).

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * nwg.x + wg.x) * WG + li;
  if (i < params.n) {
    c[i] = a[i] + b[i];
  }
}
