// The page's TuningStore: the autotuner's results in localStorage (per origin), keyed by adapter and shape
// as in Node; absent or full storage (private modes) only means tuning again next time.
import { TUNING_VERSION, type TuneResult, type TuningStore } from './autotune.ts';

const KEY = 'webgpu-bert/tuning';

export function browserTuningStore(): TuningStore | undefined {
  const storage = (globalThis as { localStorage?: Storage }).localStorage;
  if (!storage) return undefined;
  const load = async (): Promise<TuneResult[]> => {
    const json = JSON.parse(storage.getItem(KEY) ?? 'null') as { version?: number; results?: TuneResult[] } | null;
    return json?.version === TUNING_VERSION && Array.isArray(json.results) ? json.results : [];
  };
  return {
    location: `localStorage "${KEY}"`,
    load,
    async save(results) {
      const merged = new Map((await load().catch(() => [])).map((r) => [r.key, r]));
      for (const r of results) merged.set(r.key, r);
      storage.setItem(KEY, JSON.stringify({ version: TUNING_VERSION, results: [...merged.values()] }));
    },
  };
}
