// `webgpu-bert <command>`: parses the command line, runs the command, and turns every failure into one
// `error: …` line on stderr with exit code 1 (2 for a wrong command line). bin/webgpu-bert.js imports this
// file; importing it runs the CLI on process.argv.
import { readFileSync } from 'node:fs';
import { Flags, commandHelp, parseArgs, type CommandSpec } from './args.ts';
import { BENCH, CLASSIFY, COMMANDS, COMPARE, EMBED, FILL_MASK, NER, QA, QUANTIZE, RERANK, RUN, SIMILARITY, TOKENIZE, topLevelHelp, ZERO_SHOT } from './commands.ts';
import { UsageError, describeError } from './errors.ts';
import { writeStdout } from './stdout.ts';

type Implementation = (flags: Flags, positionals: string[]) => Promise<void>;

/** Loaded on demand: `tokenize` and `--help` never import the GPU stack. */
const IMPLEMENTATIONS = new Map<CommandSpec, () => Promise<Implementation>>([
  [RUN, async () => (await import('./run.ts')).run],
  [TOKENIZE, async () => (await import('./tokenize.ts')).tokenize],
  [EMBED, async () => (await import('./embed.ts')).embed],
  [FILL_MASK, async () => (await import('./tasks.ts')).fillMaskCommand],
  [CLASSIFY, async () => (await import('./tasks.ts')).classifyCommand],
  [NER, async () => (await import('./tasks.ts')).nerCommand],
  [QA, async () => (await import('./tasks.ts')).qaCommand],
  [SIMILARITY, async () => (await import('./tasks.ts')).similarityCommand],
  [RERANK, async () => (await import('./tasks.ts')).rerankCommand],
  [ZERO_SHOT, async () => (await import('./tasks.ts')).zeroShotCommand],
  [QUANTIZE, async () => (await import('./quantize.ts')).quantize],
  [COMPARE, async () => (await import('./compare.ts')).compareCommand],
]);

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** Runs the CLI on `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined) throw new UsageError(`missing command (${COMMANDS.map((c) => c.name).join(', ')}); see webgpu-bert --help`);
    if (first === '-h' || first === '--help' || first === 'help') {
      await writeStdout(topLevelHelp(version()));
      return 0;
    }
    if (first === '-V' || first === '--version') {
      await writeStdout(`${version()}\n`);
      return 0;
    }
    const spec = COMMANDS.find((c) => c.name === first);
    if (!spec) {
      const what = first.startsWith('-') ? `unknown flag ${first} (flags go after the command)` : `unknown command ${JSON.stringify(first)}`;
      throw new UsageError(`${what}; commands: ${COMMANDS.map((c) => c.name).join(', ')} (see webgpu-bert --help)`);
    }
    // The suites check their own flags (--tokens, --models, ...): bench takes its arguments unparsed.
    if (spec === BENCH) {
      await (await import('./bench.ts')).bench(rest);
      return 0;
    }
    const parsed = parseArgs(spec, rest);
    if (parsed.help) {
      await writeStdout(commandHelp(spec));
      return 0;
    }
    const implementation = await IMPLEMENTATIONS.get(spec)!();
    await implementation(new Flags(parsed), parsed.positionals);
    return 0;
  } catch (error) {
    const { text, code } = describeError(error);
    process.stderr.write(`${text}\n`);
    return code;
  }
}

// A reader that closes the pipe early (`| head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});
const code = await main(process.argv.slice(2));
// Exit explicitly: a GPU instance or a browser connection can keep the event loop alive after the result.
process.exit(code);
