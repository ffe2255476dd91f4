// The host-overhead measurement itself, the same code in Node and in a page (bench/host-overhead.ts runs it in
// both): two engines ("before" and "after", each a module of one checkout's entry point with its own device)
// load the same checkpoint, are checked against each other, then timed in alternating rounds. It imports
// nothing from either engine: they are reached only through what their entries export (loadModel, Gpu,
// describeAdapter), so the one file measures two versions of the code the same way.

/** What this file uses of a model of either version. */
interface ModelLike {
  gpu: { adapter: AdapterLike; destroy(): void };
  forward(inputs: { inputIds: number[][] }, opts: { pooler?: boolean; profile?: boolean }): Promise<{
    lastHiddenState: Float32Array;
    profile?: { method: string; totalMs: number };
  }>;
  dispose(): void;
}

export interface AdapterLike { vendor: string; architecture: string; description: string; isFallback: boolean; runtime: string; timestampQuery: boolean }

/** What this file uses of an engine's entry (src/node.ts or src/browser.ts of one checkout). */
export interface EngineModule {
  Gpu: { prototype: { guard(promise: Promise<unknown>): Promise<unknown> } };
  loadModel(files: Map<string, Uint8Array>, opts: Record<string, unknown>): Promise<ModelLike>;
  describeAdapter(adapter: AdapterLike): string;
}

export interface Engine {
  label: string;
  module: EngineModule;
  /** A device of this engine's own (createNodeGpu or createBrowserGpu from the same entry). */
  createGpu(): Promise<unknown>;
}

export interface MeasureOptions {
  /** [batch, sequence] pairs. */
  shapes: [number, number][];
  /** Untimed forwards per engine and shape, of each kind (plain and profiled), before the rounds. */
  warmup: number;
  rounds: number;
  /** Forwards per engine, shape and round, of each kind. */
  perRound: number;
  /** Largest |before − after| allowed in last_hidden_state before anything is timed. */
  tolerance: number;
  /** The engines' model options (matmul configuration, plan). */
  modelOptions: Record<string, unknown>;
}

export interface Summary { median: number; min: number; max: number; count: number }

export interface EngineShapeResult {
  engine: string;
  batch: number;
  seqLen: number;
  /** ms per plain forward, from the call to its resolved result. */
  wallMs: Summary;
  /** ms of GPU time per forward: profile.totalMs of profiled forwards (per-step timestamps, summed). */
  gpuMs: Summary;
  gpuMethod: string;
  /** wallMs.median − gpuMs.median. */
  overheadMs: number;
  /**
   * Per profiled forward, its own wall time minus its own GPU time: paired samples, so the GPU time's
   * variation (large on a software adapter) cancels. Includes what profiling adds on the host.
   */
  pairedOverheadMs: Summary;
  /** Gpu.prototype.guard calls during each plain forward. */
  roundTrips: Summary;
}

export interface PlatformResult {
  runtime: string;
  adapters: Record<string, { summary: AdapterLike; describe: string }>;
  /** Max |before − after| of last_hidden_state, per shape ("1x8"). */
  agreement: Record<string, number>;
  rows: EngineShapeResult[];
  /** In a page: whether it was cross-origin isolated (performance.now() at 5 us rather than 100 us). */
  crossOriginIsolated?: boolean;
}

const now = () => performance.now();

export function summary(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], count: s.length };
}

/** Deterministic ids: [CLS] … [SEP] around a fixed walk through the vocabulary past the special tokens. */
export function makeIds(batch: number, seqLen: number, vocabSize: number): number[][] {
  return Array.from({ length: batch }, (_, b) => Array.from({ length: seqLen }, (_, s) => {
    if (s === 0) return 2;
    if (s === seqLen - 1) return 3;
    return 5 + ((b * 7919 + s * 104729) % (vocabSize - 5));
  }));
}

function copyFiles(files: Map<string, Uint8Array>): Map<string, Uint8Array> {
  return new Map([...files].map(([name, bytes]) => [name, bytes.slice()]));
}

/** `runtime` names where it runs ('node', 'chromium') in the result. */
export async function measureHostOverhead(runtime: string, engines: readonly Engine[], files: Map<string, Uint8Array>, o: MeasureOptions,
  log: (line: string) => void): Promise<PlatformResult> {
  const vocabSize = (JSON.parse(new TextDecoder().decode(files.get('config.json'))) as { vocab_size: number }).vocab_size;
  // Every awaited GPU promise of either version goes through its Gpu.prototype.guard: counting the calls
  // counts the round trips of both the same way. Restored when done.
  const counts = engines.map(() => 0);
  const originals = engines.map((e) => e.module.Gpu.prototype.guard);
  engines.forEach((e, i) => {
    e.module.Gpu.prototype.guard = function (this: unknown, promise: Promise<unknown>) {
      counts[i]++;
      return originals[i].call(this, promise);
    };
  });
  const models: ModelLike[] = [];
  try {
    for (const e of engines) {
      const gpu = await e.createGpu();
      // Each engine gets its own copy of the bytes: a loader may let go of (or transfer) what it read.
      models.push(await e.module.loadModel(copyFiles(files), { ...o.modelOptions, gpu }));
      log(`${e.label}: loaded on ${e.module.describeAdapter(models.at(-1)!.gpu.adapter)}`);
    }
    const result: PlatformResult = {
      runtime,
      adapters: Object.fromEntries(engines.map((e, i) => [e.label, { summary: { ...models[i].gpu.adapter }, describe: e.module.describeAdapter(models[i].gpu.adapter) }])),
      agreement: {},
      rows: [],
    };
    for (const [batch, seqLen] of o.shapes) {
      const shape = `${batch}x${seqLen}`;
      const inputs = { inputIds: makeIds(batch, seqLen, vocabSize) };
      const plain = { pooler: false };
      const profiled = { pooler: false, profile: true };

      // Validate, then time: both versions must compute the same last_hidden_state on this input.
      const outs: Float32Array[] = [];
      for (const m of models) outs.push((await m.forward(inputs, plain)).lastHiddenState.slice());
      if (!outs[0].length || outs[0].length % (batch * seqLen) || outs.some((out) => out.length !== outs[0].length)) {
        throw new Error(`${shape}: last_hidden_state lengths ${outs.map((x) => x.length).join(' vs ')} do not fit ${shape}`);
      }
      let worst = 0;
      for (let i = 0; i < outs[0].length; i++) {
        for (const out of outs.slice(1)) {
          const d = Math.abs(out[i] - outs[0][i]);
          worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
        }
      }
      if (!(worst < o.tolerance)) throw new Error(`${shape}: the engines disagree: max |before - after| of last_hidden_state = ${worst} (allowed < ${o.tolerance}); nothing timed`);
      result.agreement[shape] = worst;
      log(`${shape}: last_hidden_state agrees, max abs diff ${worst.toExponential(2)}`);

      for (const m of models) {
        for (let i = 0; i < o.warmup; i++) await m.forward(inputs, plain);
        for (let i = 0; i < o.warmup; i++) {
          const p = (await m.forward(inputs, profiled)).profile;
          if (p?.method !== 'gpu-timestamps') throw new Error(`${shape}: a profiled forward timed with ${p?.method ?? 'nothing'}, not GPU timestamps (does the adapter have timestamp-query?)`);
        }
      }
      const wall = models.map((): number[] => []);
      const gpuMs = models.map((): number[] => []);
      const trips = models.map((): number[] => []);
      const paired = models.map((): number[] => []);
      for (let r = 0; r < o.rounds; r++) {
        // Alternate which engine goes first, so a drift in the machine's load is shared between them.
        const order = models.map((_, i) => i);
        if (r % 2) order.reverse();
        for (const i of order) {
          // Plain and profiled forwards in pairs, so the wall and the GPU samples meet the same load.
          for (let k = 0; k < o.perRound; k++) {
            const before = counts[i];
            const t0 = now();
            await models[i].forward(inputs, plain);
            wall[i].push(now() - t0);
            trips[i].push(counts[i] - before);
            const t1 = now();
            const { totalMs } = (await models[i].forward(inputs, profiled)).profile!;
            paired[i].push(now() - t1 - totalMs);
            gpuMs[i].push(totalMs);
          }
        }
      }
      engines.forEach((e, i) => {
        const row: EngineShapeResult = {
          engine: e.label, batch, seqLen, wallMs: summary(wall[i]), gpuMs: summary(gpuMs[i]), gpuMethod: 'gpu-timestamps',
          overheadMs: 0, pairedOverheadMs: summary(paired[i]), roundTrips: summary(trips[i]),
        };
        row.overheadMs = row.wallMs.median - row.gpuMs.median;
        result.rows.push(row);
        log(`${shape} ${e.label}: wall ${row.wallMs.median.toFixed(3)} ms, GPU ${row.gpuMs.median.toFixed(3)} ms, overhead ${row.overheadMs.toFixed(3)} ms (paired ${row.pairedOverheadMs.median.toFixed(3)}), round trips ${row.roundTrips.median}`);
      });
    }
    return result;
  } finally {
    engines.forEach((e, i) => { e.module.Gpu.prototype.guard = originals[i]; });
    for (const m of models) {
      m.dispose();
      m.gpu.destroy();
    }
  }
}
