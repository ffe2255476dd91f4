// How a plan would fill a GPU, read without one: for every dispatch, its workgroups, invocations per
// workgroup and the bytes of the tensors it reads and writes. A large GPU has on the order of a hundred
// compute units that each want several workgroups resident to hide memory latency; a dispatch below
// OCCUPANCY_WORKGROUPS leaves most of such a GPU idle for its duration (it is not wrong, and on a CPU
// adapter it may be the fastest choice; the report says why the count is what it is).
import { OCCUPANCY_WORKGROUPS } from '../kernels/kernel.ts';
import type { ForwardPlan } from './plan.ts';

export { OCCUPANCY_WORKGROUPS };

export interface DispatchOccupancy {
  label: string;
  stage: string;
  layer: number | undefined;
  grid: [number, number, number];
  workgroups: number;
  invocationsPerWorkgroup: number;
  invocations: number;
  bytesRead: number;
  bytesWritten: number;
  /** How the count follows from the shape, e.g. "ceil(128 / 32) x ceil(768 / 32) output tiles". */
  why: string;
}

export interface OccupancyReport {
  batch: number;
  seqLen: number;
  threshold: number;
  /** Every dispatch of one forward, in order (zero-sized ones skipped, as the forward skips them). */
  dispatches: DispatchOccupancy[];
  /** Dispatches with fewer than `threshold` workgroups. */
  below: number;
  minWorkgroups: number;
}

export function occupancyOf(plan: ForwardPlan): OccupancyReport {
  const dispatches: DispatchOccupancy[] = [];
  plan.steps.forEach((s, i) => {
    const workgroups = s.workgroups[0] * s.workgroups[1] * s.workgroups[2];
    if (workgroups === 0) return;
    dispatches.push({
      label: s.label, stage: plan.info[i].stage, layer: plan.info[i].layer, grid: [...s.workgroups], workgroups,
      invocationsPerWorkgroup: s.invocations, invocations: workgroups * s.invocations,
      bytesRead: s.bytesRead, bytesWritten: s.bytesWritten, why: s.grid,
    });
  });
  return {
    batch: plan.batch, seqLen: plan.seqLen, threshold: OCCUPANCY_WORKGROUPS, dispatches,
    below: dispatches.filter((d) => d.workgroups < OCCUPANCY_WORKGROUPS).length,
    minWorkgroups: Math.min(...dispatches.map((d) => d.workgroups)),
  };
}

const mib = (b: number) => (b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(2)} MiB` : `${(b / 1024).toFixed(1)} KiB`);

/**
 * A Markdown table of the dispatches outside the layers and of layer 0 (every layer repeats it), with the
 * count of the rest; rows under the threshold are marked.
 */
export function occupancyTable(r: OccupancyReport): string {
  const shown = r.dispatches.filter((d) => d.layer === undefined || d.layer === 0);
  const layers = new Set(r.dispatches.map((d) => d.layer).filter((l) => l !== undefined)).size;
  const lines = [
    `${r.batch} x ${r.seqLen}: ${r.dispatches.length} dispatches, ${r.below} under ${r.threshold} workgroups (fewest: ${r.minWorkgroups}); layer 0 shown${layers === 2 ? ', layer 1 repeats it' : layers > 2 ? `, layers 1-${layers - 1} repeat it` : ''}`,
    '',
    '| stage | layer | dispatch | workgroups | invocations / wg | invocations | bound to read | bound to write | why |',
    '|---|---|---|---|---|---|---|---|---|',
    ...shown.map((d) => `| ${d.stage} | ${d.layer ?? '-'} | ${d.label} | ${d.workgroups < r.threshold ? `**${d.workgroups}**` : d.workgroups} | ${d.invocationsPerWorkgroup} | ${d.invocations} | ${mib(d.bytesRead)} | ${mib(d.bytesWritten)} | ${d.why} |`),
  ];
  return lines.join('\n');
}
