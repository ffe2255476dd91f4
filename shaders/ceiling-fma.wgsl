// Arithmetic ceiling: 8 independent vec4 multiply-add chains per invocation, `iterations` steps each, no
// memory traffic but one store at the end. Independent chains hide the FMA latency (a single chain would
// measure latency, not throughput). `scale` and `step` come from the uniform so the compiler can neither
// fold nor shorten the chains; with scale = 1 and step = 1 every value is a small integer, exact in f32, so
// the output checks exactly: out[i] = sum over chains and lanes of (start + iterations).
//   out: [invocations] f32
//   FLOPs = invocations * iterations * ACC * 4 lanes * 2 (a multiply-add counts two)
// Invocation i writes out[i]; chain j, lane l starts at f32(i % 256) + 4 * j + l.
// Dispatch: ceil(invocations / WG) workgroups, split over x and y past 65535.
// The chains are written out one by one: a private array indexed in a loop went through memory on
// SwiftShader and ran 10x slower. ACC (which the TS spec counts FLOPs with) must match them.

struct Params {
  invocations: u32,
  iterations: u32,
  scale: f32,
  step: f32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;

override WG: u32 = 256;
const_assert ${ACC} == 8;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * nwg.x + wg.x) * WG + li;
  if (i >= params.invocations) {
    return;
  }
  let scale = vec4<f32>(params.scale);
  let step = vec4<f32>(params.step);
  var a0 = vec4<f32>(f32(i % 256u)) + vec4<f32>(0.0, 1.0, 2.0, 3.0);
  var a1 = a0 + 4.0;
  var a2 = a0 + 8.0;
  var a3 = a0 + 12.0;
  var a4 = a0 + 16.0;
  var a5 = a0 + 20.0;
  var a6 = a0 + 24.0;
  var a7 = a0 + 28.0;
  for (var it = 0u; it < params.iterations; it++) {
    a0 = fma(a0, scale, step);
    a1 = fma(a1, scale, step);
    a2 = fma(a2, scale, step);
    a3 = fma(a3, scale, step);
    a4 = fma(a4, scale, step);
    a5 = fma(a5, scale, step);
    a6 = fma(a6, scale, step);
    a7 = fma(a7, scale, step);
  }
  let total = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
  out[i] = (total.x + total.y) + (total.z + total.w);
}
