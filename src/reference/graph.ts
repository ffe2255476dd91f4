// The float64 executor of a graph: every op's CPU twin, in order, on float64 values. Written for clarity:
// no buffer reuse, no plan; the weights are read from the checkpoint's own files (loadCheckpoint), never from
// a GPU model.
import type { HostWeights, Weight } from '../families/weights.ts';
import type { GraphInputs } from '../runtime/forward.ts';
import type { Graph, ReferenceContext, Value } from '../graph/graph.ts';
import { REFERENCE_TWINS } from './twins.ts';

/** Runs `g` on the inputs; returns every value it computed (outputs included). */
export function runGraphReference(g: Graph, weights: HostWeights, inputs: GraphInputs): Map<Value, ArrayLike<number>> {
  const values = new Map<Value, ArrayLike<number>>();
  // Each weight is read from its file bytes once per run.
  const read = new Map<Weight, Float32Array>();
  values.set(g.inputs.ids, inputs.ids);
  values.set(g.inputs.tokenTypes, inputs.tokenTypes);
  values.set(g.inputs.positions, inputs.positions);
  // The kernels' mask bias is -3e38 for padding; the twins treat anything at or below MASKED as masked.
  values.set(g.inputs.mask, inputs.mask);
  values.set(g.inputs.poolMask, inputs.poolMask);
  for (const [v, data] of g.constants) values.set(v, data);
  const ctx: ReferenceContext = {
    twins: REFERENCE_TWINS,
    get(v) {
      const x = values.get(v);
      if (!x) throw new Error(`reference: value "${v.label}" is read before any op writes it`);
      return x;
    },
    set(v, data) {
      const n = v.shape.reduce((a, b) => a * b, 1);
      if (data.length !== n) throw new Error(`reference: "${v.label}" got ${data.length} values for shape [${v.shape}]`);
      values.set(v, data);
    },
    weight(w: Weight) {
      const known = read.get(w);
      if (known) return known;
      const d = weights.get(w);
      if (!d) throw new Error(`reference: no values for weight "${w.name}"`);
      const values = d.f32();
      read.set(w, values);
      return values;
    },
  };
  for (const op of g.ops) op.reference(ctx);
  return values;
}
