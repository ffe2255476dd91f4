// The forward's inputs from the command line: an in.json file (Hugging Face field names) or a text (and pair)
// tokenized with the model's tokenizer. Everything is checked against config.json before a device is
// created, and every message names the file (or flag) and the field.
import { readFile } from 'node:fs/promises';
import { InputError, validateInputs, type ForwardInputs } from '../runtime/model.ts';
import type { EncoderConfig } from '../families/config.ts';
import type { Tokenizer } from '../tokenizer/index.ts';
import { parseJsonText } from '../tokenizer/json-text.ts';
import { CliError } from './errors.ts';

/** Reads and checks `{"input_ids": [[…]], "attention_mask"?: [[…]], "token_type_ids"?: [[…]]}`; other fields are ignored. */
export async function readInputFile(file: string, config: EncoderConfig): Promise<ForwardInputs> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`--input ${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read: ${(e as Error).message}`}`);
  }
  return checkInputs(parseJsonText(text, (detail) => new CliError(`${file}: ${detail}`)), file, config);
}

export function checkInputs(json: unknown, where: string, config: EncoderConfig): ForwardInputs {
  const fail = (detail: string): never => {
    throw new CliError(`${where}: ${detail}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('expected a JSON object with "input_ids" (and optionally "attention_mask", "token_type_ids")');
  const obj = json as Record<string, unknown>;
  if (!('input_ids' in obj)) fail('missing field "input_ids" (a list of token id rows)');
  const matrix = (field: string, rows?: number, cols?: number): number[][] | undefined => {
    const m = obj[field];
    if (m === undefined || m === null) return undefined;
    if (!Array.isArray(m) || m.length === 0) fail(`"${field}" must be a non-empty list of rows, e.g. [[101, 2023, 102]]`);
    (m as unknown[]).forEach((row, b) => {
      if (!Array.isArray(row)) fail(`"${field}"[${b}] must be a list of integers, got ${describe(row)}`);
      if ((row as unknown[]).length === 0) fail(`"${field}"[${b}] is empty`);
      const want = cols ?? (m as unknown[][])[0].length;
      if ((row as unknown[]).length !== want) {
        const other = cols === undefined ? `"${field}"[0] has ${want}` : `"input_ids" rows have ${want}`;
        fail(`"${field}"[${b}] has ${(row as unknown[]).length} values but ${other}: rows must be padded to one length (attention_mask 0 on padding)`);
      }
      (row as unknown[]).forEach((v, s) => {
        if (typeof v !== 'number' || !Number.isInteger(v)) fail(`"${field}"[${b}][${s}] must be an integer, got ${describe(v)}`);
      });
    });
    if (rows !== undefined && (m as unknown[]).length !== rows) fail(`"${field}" has ${(m as unknown[]).length} rows but "input_ids" has ${rows}`);
    return m as number[][];
  };
  const inputIds = matrix('input_ids') ?? fail('"input_ids" must be a non-empty list of rows, e.g. [[101, 2023, 102]], got null');
  const [rows, cols] = [inputIds.length, inputIds[0].length];
  const inputs: ForwardInputs = { inputIds, attentionMask: matrix('attention_mask', rows, cols), tokenTypeIds: matrix('token_type_ids', rows, cols) };
  return checkAgainstConfig(inputs, where, config);
}

/** The engine's own checks (id ranges, mask values, sequence length), with `where` in front. */
export function checkAgainstConfig(inputs: ForwardInputs, where: string, config: EncoderConfig): ForwardInputs {
  try {
    validateInputs(config, inputs);
  } catch (e) {
    if (e instanceof InputError) throw new CliError(`${where}: ${e.message}`);
    throw e;
  }
  return inputs;
}

/** One text (and optional pair) as a batch of one. */
export function encodeText(tokenizer: Tokenizer, config: EncoderConfig, text: string, pair?: string): ForwardInputs {
  const e = tokenizer.encode(text, { pair });
  const inputs = { inputIds: [e.inputIds], attentionMask: [e.attentionMask], tokenTypeIds: [e.tokenTypeIds] };
  return checkAgainstConfig(inputs, pair === undefined ? '--text' : '--text/--pair', config);
}

function describe(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
