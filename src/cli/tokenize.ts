// `webgpu-bert tokenize`: the model's tokenizer on one text (or pair), or on a JSONL corpus in one process;
// reads only the tokenizer files. A corpus is read and checked whole before anything is written, so a
// malformed line fails the command with nothing on stdout; then one JSON encoding per input line.
import { readFile } from 'node:fs/promises';
import type { Encoding, Tokenizer } from '../tokenizer/index.ts';
import { parseJsonText } from '../tokenizer/json-text.ts';
import type { Flags } from './args.ts';
import { CliError, UsageError } from './errors.ts';
import { hubOptions, modelLocation, openModel, readTokenizer } from './model-files.ts';
import { createProgress } from './progress.ts';
import { writeStdout } from './stdout.ts';

/** Encodings are written in groups of this many lines: one write call each, not one per line. */
const LINES_PER_WRITE = 512;

export interface Item {
  line: number;
  text: string;
  pair?: string;
}

export async function tokenize(flags: Flags, positionals: string[]): Promise<void> {
  const maxLength = flags.int('max-length', 1);
  const input = flags.string('input');
  if (input !== undefined && positionals.length > 0) throw new UsageError('give a <text> or --input FILE, not both');
  if (input === undefined && positionals.length === 0) throw new UsageError('"tokenize" needs a <text> or --input FILE (see webgpu-bert tokenize --help)');
  if (input !== undefined && flags.has('pair')) throw new UsageError('--pair goes with a <text>; with --input, give pairs as {"text": …, "pair": …} lines');
  const items = input === undefined ? [{ line: 0, text: positionals[0], pair: flags.string('pair') }] : parseCorpus(await readInput(input), input);

  const progress = createProgress(false);
  const tokenizer = await readTokenizer(await openModel(await modelLocation(flags, progress), hubOptions(flags)));
  progress.done();
  const offsets = flags.bool('offsets');
  for (let i = 0; i < items.length; i += LINES_PER_WRITE) {
    const lines = items.slice(i, i + LINES_PER_WRITE).map((item) => JSON.stringify(view(encode(tokenizer, item, maxLength, input), offsets)));
    await writeStdout(`${lines.join('\n')}\n`);
  }
}

async function readInput(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`--input ${file}: ${code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot read: ${(e as Error).message}`}`);
  }
}

/** One JSON string or {"text", "pair"?} object per line (other fields ignored); blank lines are skipped. */
export function parseCorpus(content: string, file: string): Item[] {
  const items: Item[] = [];
  content.split(/\r?\n/).forEach((raw, k) => {
    const item = parseCorpusLine(raw, k + 1, file);
    if (item) items.push(item);
  });
  if (items.length === 0) throw new CliError(`${file === '-' ? 'stdin' : file}: no texts (every line is blank)`);
  return items;
}

function encode(tokenizer: Tokenizer, item: Item, maxLength: number | undefined, input: string | undefined): Encoding {
  try {
    return tokenizer.encode(item.text, { pair: item.pair, maxLength });
  } catch (error) {
    if ((error as Error).name !== 'TokenizerError') throw error;
    // The tokenizer names its option (maxLength); the user typed --max-length.
    let message = (error as Error).message;
    if (maxLength !== undefined && /maxLength/.test(message)) message = `--max-length ${maxLength} ${message.replace(/^maxLength \d+ /, '')}`;
    throw new CliError(input === undefined ? message : `${input === '-' ? 'stdin' : input}:${item.line}: ${message}`);
  }
}

function view(e: Encoding, offsets: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { tokens: e.tokens, input_ids: e.inputIds, token_type_ids: e.tokenTypeIds, attention_mask: e.attentionMask };
  if (offsets) out.offsets = e.offsets;
  return out;
}

/** One line of a corpus (blank: undefined); errors name the file (stdin for -) and line. */
export function parseCorpusLine(raw: string, line: number, file: string): Item | undefined {
  if (raw.trim() === '') return undefined;
  const where = `${file === '-' ? 'stdin' : file}:${line}`;
  const value = parseJsonText(raw, (detail) => new CliError(`${where}: ${detail}; each line must be a JSON string or {"text": …, "pair": …}`));
  if (typeof value === 'string') return { line, text: value };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(`${where}: expected a JSON string or {"text": …, "pair": …}, got ${JSON.stringify(value).slice(0, 40)}`);
  }
  const { text, pair } = value as { text?: unknown; pair?: unknown };
  if (typeof text !== 'string') throw new CliError(`${where}: "text" must be a string, got ${text === undefined ? 'no "text" field' : JSON.stringify(text).slice(0, 40)}`);
  if (pair !== undefined && pair !== null && typeof pair !== 'string') throw new CliError(`${where}: "pair" must be a string, got ${JSON.stringify(pair).slice(0, 40)}`);
  return { line, text, pair: pair ?? undefined };
}
