// Node's TuningStore: the autotuner's results in one JSON file of the cache folder ($WEBGPU_BERT_CACHE, else
// ~/.cache/webgpu-bert), shared by every process on the machine. Entries are keyed by adapter and shape, so
// adapters never mix; a file of another TUNING_VERSION is ignored. Saves merge into what is there and
// replace the file by a rename, so concurrent processes never read half a file.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheRoot } from '../gpu/cache-folder.ts';
import { TUNING_VERSION, type TuneResult, type TuningStore } from './autotune.ts';

interface TuningFile { version: number; results: TuneResult[] }

export function nodeTuningStore(file = path.join(cacheRoot(), 'tuning.json')): TuningStore {
  const load = async (): Promise<TuneResult[]> => {
    const json = JSON.parse(await readFile(file, 'utf8')) as Partial<TuningFile>;
    return json.version === TUNING_VERSION && Array.isArray(json.results) ? json.results : [];
  };
  return {
    location: file,
    load,
    async save(results) {
      const merged = new Map((await load().catch(() => [])).map((r) => [r.key, r]));
      for (const r of results) merged.set(r.key, r);
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(tmp, `${JSON.stringify({ version: TUNING_VERSION, results: [...merged.values()] } satisfies TuningFile, null, 1)}\n`);
      await rename(tmp, file);
    },
  };
}
