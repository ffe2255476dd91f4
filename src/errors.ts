// The user errors every layer may throw, at the bottom of the layers (docs/layers.md): it imports nothing, so
// the tokenizer, families and gpu code can throw them without depending on the loader above them.

/**
 * The one error type the checkpoint loader throws for a bad or unreadable checkpoint. Its message is a
 * single line, `<file>: <what is wrong>`, so a CLI can print it as is and a test can match it exactly.
 */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
  /** The file (or folder/URL) at fault, e.g. `model.safetensors`. */
  readonly file: string;
  /** What is wrong, without the file prefix. */
  readonly detail: string;

  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    const oneLine = shortLine(detail);
    super(`${shortLine(file, 200)}: ${oneLine}`, options);
    this.file = file;
    this.detail = oneLine;
  }
}

/**
 * Messages quote names and values from files and servers anyone controls: one line, and anything past `max`
 * characters cut in the middle (the start says what, the end often where), so a 100 KB name stays readable.
 */
export function shortLine(text: string, max = 600): string {
  const line = text.replace(/\s*[\r\n]+\s*/g, ' ');
  return line.length > max ? `${line.slice(0, Math.floor(max * 0.6))} … ${line.slice(-Math.floor(max * 0.35))}` : line;
}
