// `webgpu-bert bench …`: the benchmark suite, the same run as `npm run bench -- …` (bench/main.ts). The
// suites take their own flags after their names, so the arguments reach bench/main.ts unparsed. The bench
// lives in the repository, not in the published package: from an install it says so.
import { commandHelp } from './args.ts';
import { BENCH } from './commands.ts';
import { CliError, UsageError } from './errors.ts';
import { writeStdout } from './stdout.ts';

/** What bench/main.ts exports to this command (typed here, so the CLI's sources do not import the bench's). */
interface BenchModule {
  parseBenchArgs(argv: string[]): unknown;
  runBench(argv: string[]): Promise<void>;
}

/** Computed, so neither the compiler nor a bundler follows it into bench/ (not part of the package). */
const BENCH_ENTRY = new URL('../../bench/main.ts', import.meta.url).href;

export async function bench(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) return writeStdout(commandHelp(BENCH));
  let mod: BenchModule;
  try {
    mod = (await import(/* @vite-ignore */ BENCH_ENTRY)) as BenchModule;
  } catch (e) {
    throw new CliError(`bench runs from a checkout of the webgpu-bert repository (bench/ is not part of the package): ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    mod.parseBenchArgs(argv);
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
  try {
    await mod.runBench(argv);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}
