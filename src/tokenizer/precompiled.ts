// SentencePiece's normalization rules as tokenizer.json carries them: `precompiled_charsmap`, a darts-clone
// double-array trie over UTF-8 keys whose values index a pool of NUL-terminated replacements, read here
// from its bytes (not approximated with NFKC). The walk is the one `tokenizers` does, quirks included: per
// grapheme when it is under 6 UTF-8 bytes, else per char; the shortest matching prefix of the chunk wins
// and the rest of the chunk is dropped; and the change bookkeeping charges a deletion to whatever was
// pushed last (a deletion at the very start is lost), which shifts later offsets exactly as Rust does.
import { TokenizerError } from './errors.ts';
import type { NormalizedString } from './normalized.ts';
import type { Change } from './unicode.ts';

const utf8 = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class PrecompiledCharsmap {
  private readonly trie: Uint32Array;
  private readonly pool: Uint8Array;
  private readonly cache = new Map<string, string | null>();

  constructor(bytes: Uint8Array) {
    if (bytes.length < 4) throw new TokenizerError('tokenizer.json precompiled_charsmap is empty or shorter than its 4-byte header');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const trieBytes = view.getUint32(0, true);
    if (trieBytes % 4 !== 0 || 4 + trieBytes > bytes.length) throw new TokenizerError(`tokenizer.json precompiled_charsmap declares a trie of ${trieBytes} bytes in ${bytes.length}`);
    this.trie = new Uint32Array(trieBytes / 4);
    for (let i = 0; i < this.trie.length; i++) this.trie[i] = view.getUint32(4 + 4 * i, true);
    this.pool = bytes.subarray(4 + trieBytes);
    try {
      decoder.decode(this.pool);
    } catch {
      throw new TokenizerError('tokenizer.json precompiled_charsmap has replacements that are not valid UTF-8');
    }
    if (this.trie.length === 0) throw new TokenizerError('tokenizer.json precompiled_charsmap has an empty trie');
  }

  static fromBase64(b64: string): PrecompiledCharsmap {
    let bin: string;
    try {
      bin = atob(b64);
    } catch {
      throw new TokenizerError('tokenizer.json precompiled_charsmap is not valid base64');
    }
    return new PrecompiledCharsmap(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  }

  /** Values of every key that is a prefix of `key`, shortest first (darts-clone's common prefix search). */
  private prefixValues(key: Uint8Array): number[] {
    const a = this.trie;
    const offset = (u: number) => (u >>> 10) << ((u & 0x200) >>> 6);
    const label = (u: number) => (u & 0x800000ff) >>> 0;
    const out: number[] = [];
    let pos = offset(a[0]);
    for (const byte of key) {
      if (byte === 0) break;
      pos ^= byte;
      const unit = a[pos];
      if (unit === undefined || label(unit) !== byte) return out;
      pos ^= offset(unit);
      if ((unit >>> 8) & 1) out.push(a[pos] & 0x7fffffff);
    }
    return out;
  }

  /** The replacement of a chunk: the pool string at the shortest matching prefix's value, or null. */
  transform(chunk: string): string | null {
    const hit = this.cache.get(chunk);
    if (hit !== undefined) return hit;
    const values = this.prefixValues(utf8.encode(chunk));
    let result: string | null = null;
    if (values.length > 0) {
      let end = values[0];
      while (end < this.pool.length && this.pool[end] !== 0) end++;
      result = decoder.decode(this.pool.subarray(values[0], end));
    }
    this.cache.set(chunk, result);
    return result;
  }

  normalize(n: NormalizedString): void {
    const dest: Change[] = [];
    let modified = false;
    const replace = (old: string, repl: string) => {
      const diff = [...repl].length - [...old].length;
      const start = dest.length;
      for (const c of repl) dest.push([c, 0]);
      if (diff > 0) for (let k = dest.length - diff; k < dest.length; k++) if (k >= start) dest[k][1] = 1;
      if (diff < 0 && dest.length > 0) dest[dest.length - 1][1] += diff;
    };
    for (const { segment } of graphemes(n.text)) {
      if (utf8.encode(segment).length < 6) {
        const norm = this.transform(segment);
        if (norm !== null) {
          modified = true;
          replace(segment, norm);
          continue;
        }
      }
      for (const c of segment) {
        const norm = this.transform(c);
        if (norm === null) {
          dest.push([c, 0]);
        } else {
          modified = true;
          replace(c, norm);
        }
      }
    }
    if (modified) n.transform(dest);
  }
}

let segmenter: Intl.Segmenter | undefined;

/** Extended grapheme clusters (unicode-segmentation in Rust; Intl.Segmenter agrees on current Unicode). */
function graphemes(text: string): Iterable<{ segment: string }> {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return segmenter.segment(text);
}
