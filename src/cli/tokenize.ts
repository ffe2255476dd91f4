// `webgpu-bert tokenize`: the model's tokenizer on one text (or pair); reads only the tokenizer files.
import type { Encoding } from '../tokenizer/index.ts';
import type { Flags } from './args.ts';
import { CliError } from './errors.ts';
import { modelLocation, openModel, readTokenizer } from './model-files.ts';
import { createProgress } from './progress.ts';
import { writeStdout } from './stdout.ts';

export async function tokenize(flags: Flags, positionals: string[]): Promise<void> {
  const maxLength = flags.int('max-length', 1);
  const pair = flags.string('pair');
  const progress = createProgress(false);
  const tokenizer = await readTokenizer(await openModel(await modelLocation(flags, progress)));
  progress.done();
  let e: Encoding;
  try {
    e = tokenizer.encode(positionals[0], { pair, maxLength });
  } catch (error) {
    // The tokenizer names its option (maxLength); the user typed --max-length.
    if (maxLength !== undefined && (error as Error).name === 'TokenizerError' && /maxLength/.test((error as Error).message)) {
      throw new CliError(`--max-length ${maxLength} ${(error as Error).message.replace(/^maxLength \d+ /, '')}`);
    }
    throw error;
  }
  await writeStdout(`${JSON.stringify({ tokens: e.tokens, input_ids: e.inputIds, token_type_ids: e.tokenTypeIds, attention_mask: e.attentionMask })}\n`);
}
