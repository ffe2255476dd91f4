// Shared snippet: sum of one f32 per invocation over a workgroup of WG invocations (WG a power of two),
// by a tree in workgroup memory. Every invocation gets the total. The kernel declares `override WG`.

var<workgroup> partial: array<f32, WG>;

fn workgroup_sum(v: f32, li: u32) -> f32 {
  partial[li] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (li < stride) {
      partial[li] += partial[li + stride];
    }
    workgroupBarrier();
  }
  let total = partial[0];
  // Nobody may overwrite partial[0] for the next reduction before everyone has read it.
  workgroupBarrier();
  return total;
}

fn workgroup_max(v: f32, li: u32) -> f32 {
  partial[li] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (li < stride) {
      partial[li] = max(partial[li], partial[li + stride]);
    }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}
