/**
 * Writes a deterministic random-weight checkpoint of any generated family (BERT, DistilBERT, RoBERTa,
 * XLM-R, ELECTRA) in Hugging Face layout (see src/model/generate.ts).
 *
 *   node --import tsx scripts/generate-model.ts <out-dir> [--architecture BertForMaskedLM] [--hidden 64]
 *     [--layers 2] [--heads 4] [--intermediate 256] [--max-positions 128] [--act gelu] [--dtype F32]
 *     [--seed 1] [--shards 1] [--labels A,B,...] [--embedding-size N]
 *
 * Defaults are the embedded default model's. Bad arguments print one `error: …` line and exit 2.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ARCHITECTURES, type Architecture, DEFAULT_MODEL_OPTIONS, type GenerateOptions, generateCheckpoint } from '../src/model/generate.ts';
import { writeCheckpointFolder } from '../src/model/generate-node.ts';

const USAGE =
  'usage: generate-model.ts <out-dir> [--architecture X] [--hidden N] [--layers N] [--heads N] [--intermediate N] ' +
  '[--max-positions N] [--act gelu|gelu_new|relu] [--dtype F32|F16|BF16] [--seed N] [--shards N] [--labels A,B,...] ' +
  '[--embedding-size N (ELECTRA)]';

class UsageError extends Error {}

function parseArgs(argv: string[]): { outDir: string; opts: GenerateOptions } | 'help' {
  const opts: GenerateOptions = { ...DEFAULT_MODEL_OPTIONS };
  const positional: string[] = [];
  const int = (flag: string, v: string, min: number): number => {
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min) {
      throw new UsageError(`${flag} needs an integer >= ${min}, got ${JSON.stringify(v)}`);
    }
    return Number(v);
  };
  const oneOf = <T extends string>(flag: string, v: string, allowed: readonly T[]): T => {
    if (!(allowed as readonly string[]).includes(v)) {
      throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    }
    return v as T;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') return 'help';
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    if (flag === '--help') return 'help';
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i];
    else throw new UsageError(`${flag} needs a value`);
    switch (flag) {
      case '--architecture':
        opts.architecture = oneOf<Architecture>(flag, value, ARCHITECTURES);
        break;
      case '--hidden':
        opts.hiddenSize = int(flag, value, 1);
        break;
      case '--layers':
        opts.numLayers = int(flag, value, 1);
        break;
      case '--heads':
        opts.numHeads = int(flag, value, 1);
        break;
      case '--intermediate':
        opts.intermediateSize = int(flag, value, 1);
        break;
      case '--max-positions':
        opts.maxPositions = int(flag, value, 1);
        break;
      case '--act':
        opts.hiddenAct = oneOf(flag, value, ['gelu', 'gelu_new', 'relu'] as const);
        break;
      case '--dtype':
        opts.dtype = oneOf(flag, value, ['F32', 'F16', 'BF16'] as const);
        break;
      case '--seed':
        opts.seed = int(flag, value, 0);
        break;
      case '--shards':
        opts.shards = int(flag, value, 1);
        break;
      case '--embedding-size':
        opts.embeddingSize = int(flag, value, 1);
        break;
      case '--labels':
        opts.labels = value.split(',');
        if (opts.labels.some((l) => l === '')) throw new UsageError(`--labels needs comma-separated names, got ${JSON.stringify(value)}`);
        break;
      default:
        throw new UsageError(`unknown option ${flag} (${USAGE})`);
    }
  }
  if (positional.length !== 1) {
    throw new UsageError(positional.length === 0 ? `missing <out-dir> (${USAGE})` : `expected one <out-dir>, got ${positional.length}`);
  }
  return { outDir: positional[0], opts };
}

/** Weight files of an earlier run that this run would not overwrite would make the folder ambiguous. */
async function refuseStaleWeights(dir: string, files: Map<string, Uint8Array>): Promise<void> {
  const existing = await readdir(dir).catch(() => [] as string[]);
  const stale = existing.filter((f) => /^model.*\.safetensors(\.index\.json)?$/.test(f) && !files.has(f));
  if (stale.length > 0) {
    throw new UsageError(`${dir} already holds ${stale.join(', ')} from another checkpoint; use an empty folder`);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args === 'help') {
    console.log(USAGE);
    return;
  }
  const { outDir, opts } = args;
  let files: Map<string, Uint8Array>;
  try {
    files = generateCheckpoint(opts);
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^generateCheckpoint: /, ''));
  }
  const dir = path.resolve(outDir);
  await refuseStaleWeights(dir, files);
  await writeCheckpointFolder(dir, files);
  const total = [...files.values()].reduce((n, b) => n + b.byteLength, 0);
  console.log(`wrote ${opts.architecture} (hidden ${opts.hiddenSize}, ${opts.numLayers} layers, ${opts.dtype ?? 'F32'}) to ${dir}: ${total} bytes`);
  for (const [name, bytes] of files) console.log(`  ${name.padEnd(36)} ${String(bytes.byteLength).padStart(10)}`);
}

main().catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`.replace(/\s*\n\s*/g, ' '));
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
