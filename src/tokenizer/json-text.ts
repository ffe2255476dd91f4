// JSON text from files anyone can edit (config.json, tokenizer.json, modules.json, safetensors headers, run
// inputs, JSONL corpora), parsed with limits that turn a hostile file into a one-line error. V8's JSON.parse
// is iterative and survives any nesting, but every recursive walk after it (JSON.stringify in a message,
// structuredClone, a reader that follows nested pieces) overflows the stack on a few thousand levels and
// reports an internal error; so nesting is counted on the text first. It lives in tokenizer/ because that is
// the one folder every layer may import.

/** Nesting depth any JSON file read here may have: real ones nest under 10 (tokenizer.json about 6). */
export const MAX_JSON_DEPTH = 64;
/** Largest JSON file parsed: far above real ones (tokenizer.json files reach ~35 MB), below V8's string limit. */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;

/** Why `text` nests deeper than `maxDepth` (brackets counted outside strings), or undefined when it does not. */
export function jsonNestingProblem(text: string, maxDepth = MAX_JSON_DEPTH): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped char
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return `nests deeper than ${maxDepth} levels of arrays and objects (at character ${i})`;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}

/**
 * The value of a JSON text, or the error `fail` makes of what is wrong with it: nesting past `maxDepth`, or
 * not JSON ("not valid JSON: …"). The detail is one line, without the file name (`fail` adds it).
 */
export function parseJsonText(text: string, fail: (detail: string) => Error, maxDepth = MAX_JSON_DEPTH): unknown {
  const deep = jsonNestingProblem(text, maxDepth);
  if (deep) throw fail(deep);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw fail(`not valid JSON: ${(e as Error).message.replace(/\s*[\r\n]+\s*/g, ' ')}`);
  }
}

/** UTF-8 bytes of a JSON file → its value; too large, not UTF-8, too deep or not JSON is `fail`'s error. */
export function parseJsonBytes(bytes: Uint8Array, fail: (detail: string) => Error, maxDepth = MAX_JSON_DEPTH): unknown {
  if (bytes.byteLength > MAX_JSON_BYTES) throw fail(`is ${bytes.byteLength} bytes; JSON files over ${MAX_JSON_BYTES} bytes are refused`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail('not valid UTF-8');
  }
  return parseJsonText(text, fail, maxDepth);
}
