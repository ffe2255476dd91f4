/** Bad input or an unusable tokenizer file; the message is one line naming what is wrong. */
export class TokenizerError extends Error {
  override name = 'TokenizerError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(oneLine(message), options);
  }
}

/** Messages quote tokens and values from files anyone can edit: one line, and a token of 100 KB is cut in the middle. */
function oneLine(message: string): string {
  const line = message.replace(/\s*[\r\n]+\s*/g, ' ');
  return line.length > 400 ? `${line.slice(0, 240)} … ${line.slice(-150)}` : line;
}
