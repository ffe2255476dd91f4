// A small, strict command-line parser: every flag is declared (name, value placeholder, help line), unknown
// flags and repeated flags are usage errors, `--flag value` and `--flag=value` both work, `--` ends flags.
import { UsageError } from './errors.ts';

export interface FlagSpec {
  name: string;
  /** Placeholder shown in help (`<dir|url>`); absent for a boolean flag. */
  value?: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** The usage line after `webgpu-bert <name> `. */
  usage: string;
  flags: FlagSpec[];
  /** Positional arguments: how many are allowed, and what they are called in messages. */
  positionals: { min: number; max: number; name: string };
  /** Extra help text (examples, output format). */
  details?: string;
}

export interface ParsedArgs {
  flags: Map<string, string | true>;
  positionals: string[];
  help: boolean;
}

export function parseArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  let help = false;
  const hint = `see webgpu-bert ${spec.name} --help`;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq < 0 ? arg : arg.slice(0, eq)).replace(/^--?/, '');
    const flag = arg.startsWith('--') ? spec.flags.find((f) => f.name === name) : undefined;
    if (!flag) throw new UsageError(`unknown flag ${eq < 0 ? arg : arg.slice(0, eq)} for "${spec.name}" (${hint})`);
    if (flags.has(name)) throw new UsageError(`--${name} is given more than once`);
    if (!flag.value) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !/^--./.test(argv[i + 1])) value = argv[++i];
    // A value that starts with "--" must be written --flag=--value, so a forgotten value is caught.
    if (value === undefined) throw new UsageError(`--${name} needs a value ${flag.value}`);
    flags.set(name, value);
  }
  if (!help) {
    const { min, max, name } = spec.positionals;
    if (positionals.length < min) throw new UsageError(`"${spec.name}" needs ${min === max ? '' : 'at least '}${min === 1 ? `a ${name}` : `${min} ${name}s`} (${hint})`);
    if (positionals.length > max) {
      const what = max === 0 ? 'no positional arguments' : max === 1 ? `one ${name} (quote it if it has spaces)` : `at most ${max} ${name}s`;
      throw new UsageError(`"${spec.name}" takes ${what}, got ${JSON.stringify(positionals[max])} too (${hint})`);
    }
  }
  return { flags, positionals, help };
}

/** Typed access to parsed flags, with messages that name the flag. */
export class Flags {
  constructor(private parsed: ParsedArgs) {}

  string(name: string): string | undefined {
    const v = this.parsed.flags.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  bool(name: string): boolean {
    return this.parsed.flags.get(name) === true;
  }

  has(name: string): boolean {
    return this.parsed.flags.has(name);
  }

  /** A positive integer (>= min), or undefined when the flag is absent. */
  int(name: string, min = 1): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const n = /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min) {
      throw new UsageError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    }
    return n;
  }

  /** One of `choices`, or `fallback` when absent. */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const v = this.string(name);
    if (v === undefined) return fallback;
    if (!(choices as readonly string[]).includes(v)) {
      throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
    }
    return v as T;
  }
}

/** The help text of one command, built from its spec so flags and help never disagree. */
export function commandHelp(spec: CommandSpec): string {
  const width = Math.max(...spec.flags.map((f) => flagLabel(f).length), 10);
  const lines = [
    `webgpu-bert ${spec.name}: ${spec.summary}`,
    '',
    `Usage: webgpu-bert ${spec.name} ${spec.usage}`,
    '',
    'Flags:',
    ...spec.flags.map((f) => `  ${flagLabel(f).padEnd(width)}  ${f.help}`),
    `  ${'-h, --help'.padEnd(width)}  this help`,
  ];
  if (spec.details) lines.push('', spec.details.trimEnd());
  return `${lines.join('\n')}\n`;
}

function flagLabel(f: FlagSpec): string {
  return f.value ? `--${f.name} ${f.value}` : `--${f.name}`;
}
