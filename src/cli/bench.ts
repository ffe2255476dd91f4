// `webgpu-bert bench …`: the benchmark suite, the same run as `npm run bench -- …` (bench/main.ts). The
// suites take their own flags after their names, so the arguments reach bench/main.ts unparsed. The bench
// lives in the repository, not in the published package: from an install it says so.
import { commandHelp } from './args.ts';
import { BENCH } from './commands.ts';
import { CliError, UsageError } from './errors.ts';
import { writeStdout } from './stdout.ts';

type BenchModule = typeof import('../../bench/main.ts');

export async function bench(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) return writeStdout(commandHelp(BENCH));
  let mod: BenchModule;
  try {
    mod = await import('../../bench/main.ts');
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
