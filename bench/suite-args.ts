// Flags of one suite (`--tokens 128,512`, `--no-peers`), parsed strictly: an unknown flag or a missing value is
// a one-line error naming the suite and the flags it takes, so a typo never silently runs the default grid.

export type FlagKind = 'ints' | 'list' | 'int' | 'string' | 'switch';

export class SuiteArgs {
  private values = new Map<string, string | true>();

  constructor(readonly suite: string, args: readonly string[], readonly known: Record<string, FlagKind>) {
    const takes = Object.keys(known).map((k) => `--${k}`).join(', ') || 'no flags';
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      const name = arg.replace(/^--/, '');
      const kind = arg.startsWith('--') ? known[name] : undefined;
      if (!kind) throw new Error(`unknown argument "${arg}" for the ${suite} suite (it takes ${takes})`);
      if (kind === 'switch') {
        this.values.set(name, true);
        continue;
      }
      const value = args[++i];
      if (value === undefined || value.startsWith('--')) throw new Error(`${suite}: --${name} needs a value`);
      this.values.set(name, value);
    }
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  switch(name: string): boolean {
    return this.values.get(name) === true;
  }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  /** Comma-separated names, e.g. `--configs naive,reg8x8`. */
  list(name: string): string[] | undefined {
    const v = this.values.get(name);
    if (typeof v !== 'string') return undefined;
    return v.split(',').map((s) => s.trim()).filter(Boolean);
  }

  /** Comma-separated positive integers, e.g. `--tokens 128,512`. */
  ints(name: string): number[] | undefined {
    return this.list(name)?.map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${this.suite}: --${name} takes positive integers, got "${s}"`);
      return n;
    });
  }

  int(name: string): number | undefined {
    const all = this.ints(name);
    if (all && all.length !== 1) throw new Error(`${this.suite}: --${name} takes one positive integer`);
    return all?.[0];
  }
}

/** Checks every name of a `--list` against the known ones; returns the list, or all of them when absent. */
export function pick(suite: string, flag: string, given: string[] | undefined, known: readonly string[]): string[] {
  if (!given) return [...known];
  const unknown = given.filter((g) => !known.includes(g));
  if (unknown.length) throw new Error(`${suite}: --${flag} ${unknown.join(',')} unknown (known: ${known.join(', ')})`);
  return given;
}
