// `webgpu-bert run`: one raw forward (plus --repeat timed ones) on the node or browser runtime.
import path from 'node:path';
import type { ForwardInputs } from '../runtime/model.ts';
import type { Flags } from './args.ts';
import { execute, engineFlags } from './engine-flags.ts';
import { CliError, UsageError } from './errors.ts';
import { encodeText, readInputFile } from './inputs.ts';
import { hubOptions, modelLocation, openModel, readConfig, readTokenizer } from './model-files.ts';
import { occupancyTable } from '../graph/occupancy.ts';
import { runOutput } from './output.ts';
import { createProgress } from './progress.ts';
import { sameFile, writeFileAtomic } from './safe-output.ts';
import { writeStdout } from './stdout.ts';

export async function run(flags: Flags): Promise<void> {
  const inputFile = flags.string('input');
  const text = flags.string('text');
  const pair = flags.string('pair');
  if ((inputFile === undefined) === (text === undefined)) throw new UsageError('"run" needs exactly one of --input <in.json> or --text <text> (see webgpu-bert run --help)');
  if (pair !== undefined && text === undefined) throw new UsageError('--pair needs --text');
  const repeat = flags.int('repeat', 1) ?? 0;
  const engine = engineFlags(flags);
  const outputFile = flags.string('output');
  if (outputFile === '') throw new UsageError('--output is empty');
  if (outputFile !== undefined && inputFile !== undefined && (path.resolve(inputFile) === path.resolve(outputFile) || (await sameFile(inputFile, outputFile)))) {
    throw new UsageError(`--output ${outputFile} is the --input file`);
  }
  const progress = createProgress(flags.bool('progress'));

  // Everything that can be checked without weights is checked before a device or a browser starts.
  const model = await modelLocation(flags, progress);
  const hub = hubOptions(flags);
  const files = await openModel(model, hub);
  const config = await readConfig(files);
  const inputs: ForwardInputs = inputFile !== undefined
    ? await readInputFile(inputFile, config)
    : encodeText(await readTokenizer(files), config, text!, pair);

  const result = await execute(engine.runtime, {
    model, hub, attention: engine.attention, matmul: engine.matmul, plan: engine.plan, weights: engine.weights, inputs, attentions: flags.bool('attentions'), repeat,
    occupancy: flags.bool('occupancy'),
  }, progress);
  // The table for people on stderr; the JSON has every dispatch.
  if (result.occupancy) process.stderr.write(`${occupancyTable(result.occupancy)}\n`);
  const { output, shapes } = runOutput(result);
  const json = `${JSON.stringify(output)}\n`;
  if (outputFile === undefined) return writeStdout(json);
  const target = path.resolve(outputFile);
  try {
    await writeFileAtomic(target, json); // an existing file is replaced whole, and never written through a link
  } catch (e) {
    throw new CliError(`--output ${outputFile}: cannot write: ${(e as Error).message}`);
  }
  await writeStdout(`${JSON.stringify({ output: target, shapes, ...(output.timing && { timing: output.timing }) })}\n`);
}
