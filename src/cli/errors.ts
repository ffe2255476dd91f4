// The CLI's two error kinds and the one place that turns any error into the line printed on stderr.
// Exit codes: 2 for usage errors (the command line itself is wrong), 1 for everything else.

/** The command line is wrong: unknown command or flag, a missing or malformed flag value. Exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Bad input the user can fix (a file, a text, a model folder): its message is printed as is. Exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/**
 * Errors whose message is already one line a user can act on, by class name (each class sets `name`).
 * Names, not instanceof: errors thrown in the browser page come back as { name, message }, and the
 * `tokenize` command should not load the GPU modules just to test a class.
 */
const USER_ERROR_NAMES = new Set([
  'UsageError', 'CliError', 'CheckpointError', 'TokenizerError', 'InputError', 'TaskError',
  'GpuUnavailableError', 'GpuOutOfMemoryError', 'GpuDeviceLostError', 'GpuLimitError',
]);

export function isUserError(error: unknown): boolean {
  return error instanceof Error && USER_ERROR_NAMES.has(error.name);
}

export const DEBUG_ENV = 'WEBGPU_BERT_DEBUG';

export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** The stderr text for `error` (one line unless debugging) and the exit code. */
export function describeError(error: unknown, debug = Boolean(process.env[DEBUG_ENV])): { text: string; code: number } {
  const code = error instanceof UsageError ? 2 : 1;
  const message = oneLine(error instanceof Error ? error.message : String(error)) || (error as Error)?.name || 'unknown error';
  if (isUserError(error)) return { text: `error: ${message}`, code };
  if (debug && error instanceof Error && error.stack) return { text: `error: ${message}\n${error.stack}`, code };
  return { text: `error: ${message} (internal error; run with ${DEBUG_ENV}=1 for the stack)`, code };
}

/** Recreates an error reported by the browser page, keeping its class name so isUserError sees it. */
export function errorFromPage(e: { name: string; message: string; stack?: string }): Error {
  const error = new Error(e.message);
  error.name = e.name;
  if (e.stack) error.stack = `${e.name}: ${e.message} (in the browser page)\n${e.stack}`;
  return error;
}
