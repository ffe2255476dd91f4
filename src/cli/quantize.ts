// `webgpu-bert quantize`: a checkpoint rewritten with int8 Linear weights (src/model/quantize-checkpoint.ts),
// written to --out and loaded back before the command reports success. The files are written into a new
// temporary folder inside --out, loaded back from there, and only then renamed into --out: a failed run leaves
// --out as it was, and a symlink already in --out is replaced, never written through.
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeCheckpointFolder } from '../model/generate-node.ts';
import { quantizeCheckpoint } from '../model/quantize-checkpoint.ts';
import { GROUP_SIZES, type GroupSize } from '../families/quantization.ts';
import { loadCheckpoint } from '../model/source.ts';
import type { Flags } from './args.ts';
import { CliError, UsageError } from './errors.ts';
import { hubOptions, modelLocation, openModel } from './model-files.ts';
import { createProgress } from './progress.ts';
import { tempNameFor } from './safe-output.ts';
import { writeStdout } from './stdout.ts';

export async function quantize(flags: Flags): Promise<void> {
  const out = flags.string('out');
  if (!out) throw new UsageError('"quantize" needs --out <dir> (see webgpu-bert quantize --help)');
  const bits = flags.int('bits', 1) ?? 8;
  if (bits !== 8) throw new UsageError(`--bits must be 8 (int8 weight-only quantization), got ${bits}`);
  const group = Number(flags.choice('group', GROUP_SIZES.map(String) as ('32' | '64' | '128')[], '64')) as GroupSize;
  const dir = path.resolve(out);
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.some((f) => f === 'config.json' || f.endsWith('.safetensors'))) throw new CliError(`--out ${out}: already holds a checkpoint; use an empty folder`);

  const progress = createProgress(flags.bool('progress'));
  const model = await modelLocation(flags, progress);
  const { source } = await openModel(model, hubOptions(flags));
  progress.stage(`quantizing ${model} (int8, group ${group})`);
  const { files, report } = await quantizeCheckpoint(source, group, (p) => progress.bytes(p.file, p.loaded, p.total));
  const staging = tempNameFor(path.join(dir, 'quantized'));
  const cannotWrite = (e: unknown): never => {
    throw new CliError(`--out ${out}: cannot write: ${(e as Error).message}`);
  };
  try {
    await mkdir(dir, { recursive: true }).catch(cannotWrite);
    await writeCheckpointFolder(staging, files).catch(cannotWrite);
    progress.stage('loading the result back');
    await loadCheckpoint(staging);
    // config.json last: a folder with it in place has the weights it names.
    for (const name of [...files.keys()].sort((a, b) => Number(a === 'config.json') - Number(b === 'config.json'))) {
      await rename(path.join(staging, name), path.join(dir, name)).catch(cannotWrite);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  progress.done();
  await writeStdout(`${JSON.stringify({ out: dir, group, quantized: report.quantized, kept: report.kept, bytes_before: report.bytesBefore, bytes_after: report.bytesAfter })}\n`);
}
