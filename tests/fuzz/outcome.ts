// How a fuzz case ended: read fine, refused with one of the project's one-line user errors, or failed (a
// crash: any other error, a message of several lines or a huge one, a stack overflow; a hang; an oom).
import { isUserError } from '../../src/cli/errors.ts';

export type Outcome = 'ok' | 'refused' | 'crash' | 'hang' | 'oom';

/** A user error is a refusal when it is one short line; anything else a reader throws is a crash. */
export function classify(e: unknown): { outcome: Outcome; detail: string } {
  if (!(e instanceof Error)) return { outcome: 'crash', detail: `threw a non-Error: ${String(e).slice(0, 200)}` };
  const head = `${e.name}: ${e.message.slice(0, 300)}`;
  if (!isUserError(e)) return { outcome: 'crash', detail: `${head} at ${(e.stack ?? '').split('\n').slice(1, 4).map((l) => l.trim()).join(' < ')}` };
  if (/[\r\n]/.test(e.message)) return { outcome: 'crash', detail: `message of several lines: ${JSON.stringify(e.message.slice(0, 300))}` };
  if (/maximum call stack|internal error/i.test(e.message)) return { outcome: 'crash', detail: head };
  if (e.message.length > 2000) return { outcome: 'crash', detail: `message of ${e.message.length} chars: ${head}` };
  return { outcome: 'refused', detail: head };
}
