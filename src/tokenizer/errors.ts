/** Bad input or an unusable tokenizer file; the message is one line naming what is wrong. */
export class TokenizerError extends Error {
  override name = 'TokenizerError';
}
