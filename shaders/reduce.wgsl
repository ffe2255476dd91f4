// Shared snippet: sum (or max) of one f32 per invocation over a workgroup of WG invocations (WG a power of
// two). Every invocation gets the total. The kernel declares `override WG` and lists this file first (an
// `enable` must come before any declaration).
//   default: a tree in workgroup memory, log2(WG) + 2 barriers;
//   SUBGROUPS (where the device has the feature): subgroupAdd / subgroupMax within each subgroup, one
//     elected invocation per subgroup writes its total, and every invocation adds the WG slots in the same
//     order (zeros elsewhere): 2 barriers, and no assumption about how invocations map to subgroups.
// Callers are in uniform control flow (they already were: barriers need it, and so do subgroup operations).

#if ${SUBGROUPS}
enable subgroups;
#endif

var<workgroup> partial: array<f32, WG>;

#if ${SUBGROUPS}
fn workgroup_sum(v: f32, li: u32) -> f32 {
  let sub = subgroupAdd(v);
  partial[li] = select(0.0, sub, subgroupElect());
  workgroupBarrier();
  var total = 0.0;
  for (var i = 0u; i < WG; i++) {
    total += partial[i];
  }
  // Nobody may overwrite the slots for the next reduction before everyone has read them.
  workgroupBarrier();
  return total;
}

fn workgroup_max(v: f32, li: u32) -> f32 {
  let sub = subgroupMax(v);
  // The lowest finite f32 in the slots of the other invocations.
  partial[li] = select(-0x1.fffffep+127f, sub, subgroupElect());
  workgroupBarrier();
  var total = -0x1.fffffep+127f;
  for (var i = 0u; i < WG; i++) {
    total = max(total, partial[i]);
  }
  workgroupBarrier();
  return total;
}
#else
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
#endif
