// JSON text from files anyone can edit (config.json, tokenizer.json, modules.json, safetensors headers, run
// inputs, JSONL corpora), parsed with limits that turn a hostile file into a one-line error. V8's JSON.parse
// is iterative and survives any nesting, but every recursive walk after it (JSON.stringify in a message,
// structuredClone, a reader that follows nested pieces) overflows the stack on a few thousand levels and
// reports an internal error; so nesting is counted on the text first. It lives in tokenizer/ because that is
// the one folder every layer may import.

/** Nesting depth any JSON file read here may have: real ones nest under 10 (tokenizer.json about 6). */
export const MAX_JSON_DEPTH = 64;
/** Entries of one array or object: V8 takes ~14 s to parse an object of 3M keys, so counts are checked first. */
export const MAX_JSON_ENTRIES = 16_777_216;
/** Largest JSON file parsed: far above real ones (tokenizer.json files reach ~35 MB), below V8's string limit. */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;

export interface JsonLimits { maxDepth?: number; maxEntries?: number }

/**
 * Why `text` nests deeper than `maxDepth` or holds an array or object of more than `maxEntries` entries
 * (brackets and commas counted outside strings, in one pass), or undefined when it does neither.
 */
export function jsonNestingProblem(text: string, { maxDepth = MAX_JSON_DEPTH, maxEntries = MAX_JSON_ENTRIES }: JsonLimits = {}): string | undefined {
  let depth = 0;
  let inString = false;
  const commas = new Float64Array(maxDepth + 2); // per open container: its commas so far
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped char
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x2c) {
      if (++commas[depth] >= maxEntries) return `has an array or object of more than ${maxEntries} entries (at character ${i})`;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return `nests deeper than ${maxDepth} levels of arrays and objects (at character ${i})`;
      commas[depth] = 0;
    } else if (c === 0x5d || c === 0x7d) depth = Math.max(0, depth - 1);
  }
  return undefined;
}

/**
 * The value of a JSON text, or the error `fail` makes of what is wrong with it: nesting or a container past
 * the limits, or not JSON ("not valid JSON: …"). The detail is one line, without the file name (`fail` adds it).
 */
export function parseJsonText(text: string, fail: (detail: string) => Error, limits: JsonLimits = {}): unknown {
  const problem = jsonNestingProblem(text, limits);
  if (problem) throw fail(problem);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw fail(`not valid JSON: ${(e as Error).message.replace(/\s*[\r\n]+\s*/g, ' ')}`);
  }
}

/** UTF-8 bytes of a JSON file → its value; too large, not UTF-8, past the limits or not JSON is `fail`'s error. */
export function parseJsonBytes(bytes: Uint8Array, fail: (detail: string) => Error, limits: JsonLimits = {}): unknown {
  if (bytes.byteLength > MAX_JSON_BYTES) throw fail(`is ${bytes.byteLength} bytes; JSON files over ${MAX_JSON_BYTES} bytes are refused`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail('not valid UTF-8');
  }
  return parseJsonText(text, fail, limits);
}
