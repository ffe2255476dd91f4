// One timing run of the performance panel: a first forward (which builds the plan for a new shape:
// pipelines, bind groups, buffers, and with autotune the matmul timings), steady forwards, and one
// profiled forward for the stage breakdown. All timing comes from the engine (GPU timestamps in the
// profile) or the wall clock around whole forwards; nothing is estimated.
import type { EncoderModel, ForwardInputs, ForwardProfile, ModelStats } from '../src/browser.ts';
import { median } from '../src/lab.ts';

export interface Measurement {
  tokens: number;
  /** Wall clock of the first forward at this shape, readback included. */
  firstMs: number;
  /** Whether that first forward built a plan (false: the shape was planned by an earlier run). */
  planBuilt: boolean;
  steady: { runs: number; medianMs: number; minMs: number; maxMs: number };
  /** First minus steady median: planning and compiling, when the first forward built the plan. */
  compileMs: number | undefined;
  profile: ForwardProfile | undefined;
  stats: ModelStats;
}

/** `runs` steady forwards (at least 1) of the encoded text, after one first forward and before one profiled forward. */
export async function measureForward(model: EncoderModel, text: string, runs: number, onStep: (what: string) => void): Promise<Measurement> {
  if (!model.tokenizer) throw new Error('this checkpoint has no tokenizer to encode the text');
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new Error(`runs must be an integer from 1 to 100, got ${runs}`);
  const enc = model.tokenizer.encode(text, { maxLength: model.config.maxPositionEmbeddings, truncation: true });
  const inputs: ForwardInputs = { inputIds: [enc.inputIds], tokenTypeIds: [enc.tokenTypeIds] };
  const built = model.stats().plansBuilt;
  onStep('first forward');
  let t0 = performance.now();
  await model.forward(inputs);
  const firstMs = performance.now() - t0;
  const planBuilt = model.stats().plansBuilt > built;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    onStep(`steady forward ${i + 1} of ${runs}`);
    t0 = performance.now();
    await model.forward(inputs);
    samples.push(performance.now() - t0);
  }
  onStep('profiled forward');
  const { profile } = await model.forward(inputs, { profile: true });
  const medianMs = median(samples);
  return {
    tokens: enc.inputIds.length,
    firstMs,
    planBuilt,
    steady: { runs, medianMs, minMs: Math.min(...samples), maxMs: Math.max(...samples) },
    compileMs: planBuilt ? Math.max(0, firstMs - medianMs) : undefined,
    profile,
    stats: model.stats(),
  };
}
