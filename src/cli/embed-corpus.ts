// `webgpu-bert embed --input corpus.jsonl --output vectors.(jsonl|npy|f16)`: a corpus of any size through the
// library's embedCorpus (src/tasks/corpus.ts: windows sorted by length, batches to --batch-tokens, padding only
// within a batch, input order restored), written row by row (vector-writer.ts). A file is checked whole first
// (errors name file:line, nothing is written), then streamed; stdin is checked as it streams. Memory stays at
// one window whatever the corpus size; the summary on stdout gives texts, tokens/s and the peak RSS.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { embedCorpus } from '../tasks/corpus.ts';
import type { Flags } from './args.ts';
import { CliError, UsageError } from './errors.ts';
import { withModel } from './tasks.ts';
import { parseCorpusLine } from './tokenize.ts';
import { sameFile } from './safe-output.ts';
import { outputFormat, PRECISIONS, scalesFileOf, vectorWriter } from './vector-writer.ts';

/** The texts of the corpus, line by line, without holding the file. */
async function* texts(file: string): AsyncGenerator<string> {
  const input = file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  let any = false;
  try {
    for await (const raw of lines) {
      const item = parseCorpusLine(raw, ++n, file);
      if (!item) continue;
      if (item.pair !== undefined) throw new CliError(`${file === '-' ? 'stdin' : file}:${n}: embed takes texts, not pairs (a "pair" field)`);
      any = true;
      yield item.text;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new CliError(`--input ${file}: ${code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot read: ${(e as Error).message}`}`);
    throw e;
  }
  if (!any) throw new CliError(`${file === '-' ? 'stdin' : file}: no texts (every line is blank)`);
}

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

export async function embedCorpusCommand(flags: Flags, positionals: string[]): Promise<void> {
  const input = flags.string('input')!;
  if (positionals.length > 0) throw new UsageError('give <text>... or --input FILE, not both');
  const output = flags.string('output');
  if (output === undefined) throw new UsageError('--input needs --output FILE (.jsonl, .npy or .f16)');
  const precision = flags.has('precision') ? flags.choice('precision', PRECISIONS, 'f32') : undefined;
  const format = outputFormat(output, precision);
  // The same file by device and inode, not by name: a symlink or hard link to the input is caught too.
  const written = format.ext === 'npy' && format.precision === 'int8' ? [output, scalesFileOf(output)] : [output];
  for (const out of written) {
    if (input !== '-' && (path.resolve(input) === path.resolve(out) || (await sameFile(input, out)))) throw new UsageError(`--output ${output} is the --input file${out === output ? '' : ` (its scales file ${out})`}`);
  }
  const batchTokens = flags.int('batch-tokens') ?? 8192;
  const pooling = flags.has('pooling') ? flags.choice('pooling', ['cls', 'mean'] as const, 'mean') : undefined;
  const normalize = flags.has('normalize') ? true : undefined;
  const promptName = flags.has('prompt') ? flags.string('prompt') : undefined;
  // A file is read once to check every line and count them (for the ETA); stdin streams unchecked ahead.
  let total: number | undefined;
  if (input !== '-') {
    total = 0;
    for await (const _ of texts(input)) total++;
  }
  await withModel(flags, async (model, progress) => {
    const writer = await vectorWriter(output, precision);
    let last = 0;
    let width = 0;
    let tokens = 0;
    const started = performance.now();
    try {
      for await (const v of embedCorpus(model, texts(input), {
        batchTokens, pooling, normalize, promptName,
        onProgress: (p) => {
          tokens = p.tokens;
          if (p.elapsedMs - last < 1000 && p.texts !== total) return;
          last = p.elapsedMs;
          const rate = p.tokens / (p.elapsedMs / 1000);
          const eta = total ? ` ETA ${seconds(((total - p.texts) / p.texts) * p.elapsedMs)}` : '';
          progress.stage(`embedded ${p.texts}${total ? `/${total}` : ''} texts, ${Math.round(rate)} tokens/s${eta}`);
        },
      })) {
        width = v.embedding.length;
        await writer.write(v.embedding);
      }
    } catch (e) {
      await writer.abort(); // whatever was at --output before stays as it was
      throw e;
    }
    const { rows, files } = await writer.close();
    const ms = performance.now() - started;
    return {
      texts: rows, dimension: width, precision: format.precision, output: files, batch_tokens: batchTokens,
      tokens, seconds: Number((ms / 1000).toFixed(3)), tokens_per_s: Math.round(tokens / (ms / 1000)),
      peak_rss_mib: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
    };
  });
}
