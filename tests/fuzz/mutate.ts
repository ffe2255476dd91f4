// Seeded mutations of real files, as a careless tool or an attacker would damage them: bytes (bit flips,
// truncation, splices, inserted and repeated runs), JSON values (swapped between places, replaced by the
// wrong type, huge or non-integer numbers, deep nesting, long strings, keys dropped or added), and the
// safetensors layout (header length, offsets, dtypes and shapes that disagree with the body).
import { Rng } from '../../src/random.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(0, xs.length)];

/** Numbers and values that break readers that trust their input. */
const NASTY_NUMBERS = [0, -1, 1, 2 ** 31, 2 ** 32 + 1, 2 ** 53 + 1, -(2 ** 53), 1e308, -1e308, 1.5, 0.5, 1e-320, 65536, 4096, 1e9, 7, 3];
const NASTY_STRINGS = ['', ' ', '\u0000', '../../../etc/passwd', '/abs', 'C:\\x', 'https://example.com/x', '\ud800', '💥'.repeat(3), 'a'.repeat(70_000), '__proto__', 'constructor', '[UNK]', '##', 'F32', 'I8', 'BF16', '\n\r'];
/** Regexes a tokenizer.json might carry: catastrophic ones, unsupported constructs, real ones. */
export const NASTY_PATTERNS = ['(\\w+\\s?)+$', '(a+)+b', '(a|a)*c', '(?>a)', '(a)\\1', '\\s*[\\r\\n]+', '(?<=a+)b', 'a{100000}', '((a{100}){100}){100}', '[', '(', '\\', '\\p{Nope}', "'s|'t| ?\\p{L}+|\\s+(?!\\S)|\\s+", '(?i:ß)', '^$', '(?=)*'];

function nastyValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(0, 9)) {
    case 0: return pick(rng, NASTY_NUMBERS);
    case 1: return pick(rng, NASTY_STRINGS);
    case 2: return null;
    case 3: return rng.next() < 0.5;
    case 4: return depth > 2 ? [] : Array.from({ length: rng.int(0, 4) }, () => nastyValue(rng, depth + 1));
    case 5: return depth > 2 ? {} : Object.fromEntries(Array.from({ length: rng.int(0, 3) }, () => [pick(rng, ['type', 'a', 'vocab', 'dtype', 'shape', 'data_offsets', 'path']), nastyValue(rng, depth + 1)]));
    case 6: return { Regex: pick(rng, NASTY_PATTERNS) };
    case 7: return Array(rng.int(0, 3) === 0 ? 100_000 : 300).fill(rng.int(0, 5));
    default: return -rng.int(0, 1000) / 7;
  }
}

/** [container, key] places in a JSON value (breadth-first, at most 20,000, at most 64 deep), to damage one. */
function places(root: unknown): [Record<string | number, unknown>, string | number][] {
  const out: [Record<string | number, unknown>, string | number][] = [];
  let level: unknown[] = [root];
  for (let depth = 0; depth < 64 && level.length > 0 && out.length < 20_000; depth++) {
    const next: unknown[] = [];
    for (const v of level) {
      if (typeof v !== 'object' || v === null) continue;
      for (const k of Object.keys(v)) {
        if (out.length >= 20_000) break;
        out.push([v as Record<string | number, unknown>, Array.isArray(v) ? Number(k) : k]);
        next.push((v as Record<string, unknown>)[k]);
      }
    }
    level = next;
  }
  return out;
}

/** One or two edits of a parsed JSON value, in place (the value itself may be replaced: use the result). */
export function mutateJson(rng: Rng, value: unknown): unknown {
  let root = value;
  for (let edits = rng.int(1, 3); edits > 0; edits--) {
    const all = places(root);
    if (all.length === 0 || rng.next() < 0.03) {
      root = nastyValue(rng);
      continue;
    }
    const [obj, key] = pick(rng, all);
    switch (rng.int(0, 9)) {
      case 0: delete obj[key]; break;
      case 1: { // swap with another place's value
        const [o2, k2] = pick(rng, all);
        [obj[key], o2[k2]] = [o2[k2], obj[key]];
        break;
      }
      case 2: { // nest deeply
        let deep: unknown = obj[key];
        const list = pick(rng, ['normalizers', 'pretokenizers', 'decoders', 'processors']);
        for (let d = rng.int(0, 2) === 0 ? 100_000 : rng.int(10, 200); d > 0; d--) deep = rng.next() < 0.5 ? [deep] : { type: 'Sequence', [list]: [deep] };
        obj[key] = deep;
        break;
      }
      case 3: obj[key] = pick(rng, NASTY_NUMBERS); break;
      case 4: obj[key] = typeof obj[key] === 'string' ? pick(rng, NASTY_STRINGS) : String(obj[key]); break;
      case 5: obj[key] = Array.isArray(obj[key]) ? (obj[key] as unknown[]).slice(0, rng.int(0, 3)) : [obj[key]]; break;
      case 6: if (typeof obj === 'object' && !Array.isArray(obj)) obj[pick(rng, NASTY_STRINGS.slice(0, 8))] = nastyValue(rng); else obj[key] = nastyValue(rng); break;
      case 7: if (typeof obj[key] === 'number') obj[key] = (obj[key] as number) * pick(rng, [-1, 1e6, 0.5, 1e300]) + pick(rng, [0, 1, -1]); else obj[key] = nastyValue(rng); break;
      default: obj[key] = nastyValue(rng);
    }
  }
  return root;
}

/** Byte-level damage: 1-4 edits. */
export function mutateBytes(rng: Rng, bytes: Uint8Array, focus?: [number, number]): Uint8Array {
  let b: Uint8Array = bytes.slice();
  for (let edits = rng.int(1, 5); edits > 0; edits--) {
    const [lo, hi] = focus && rng.next() < 0.7 ? focus : [0, b.length];
    const at = () => (hi > lo ? rng.int(lo, Math.min(hi, b.length)) : 0);
    switch (rng.int(0, 6)) {
      case 0: { // bit flips
        for (let k = rng.int(1, 9); k > 0 && b.length > 0; k--) b[at()] ^= 1 << rng.int(0, 8);
        break;
      }
      case 1: b = b.slice(0, at()); break; // truncation
      case 2: { // splice: a run copied from elsewhere over another
        const [from, to, len] = [at(), at(), rng.int(1, 64)];
        b.set(b.slice(from, from + len).slice(0, Math.max(0, b.length - to)), to);
        break;
      }
      case 3: { // random bytes inserted
        const insert = Uint8Array.from({ length: rng.int(1, 16) }, () => rng.int(0, 256));
        const p = at();
        b = concat(b.slice(0, p), insert, b.slice(p));
        break;
      }
      case 4: { // a run repeated
        const [p, len] = [at(), rng.int(1, 32)];
        b = concat(b.slice(0, p + len), b.slice(p, p + len), b.slice(p));
        break;
      }
      default: { // interesting bytes
        for (let k = rng.int(1, 4); k > 0 && b.length > 0; k--) b[at()] = pick(rng, [0, 0xff, 0x7f, 0x80, 0x22, 0x5c, 0x7b, 0x5b, 0x2d, 0x30]);
      }
    }
  }
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A JSON file damaged as text (bytes) or as a value (then re-serialized). */
export function mutateJsonFile(rng: Rng, bytes: Uint8Array): Uint8Array {
  if (rng.next() < 0.3) return mutateBytes(rng, bytes);
  let value: unknown;
  try {
    value = JSON.parse(dec.decode(bytes));
  } catch {
    return mutateBytes(rng, bytes);
  }
  return jsonBytes(mutateJson(rng, value));
}

class Raw {
  constructor(readonly text: string) {}
}

/** JSON text of any value, however deep (JSON.stringify recurses and overflows on deep ones). */
export function jsonBytes(value: unknown): Uint8Array {
  const out: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v instanceof Raw) out.push(v.text);
    else if (Array.isArray(v)) {
      stack.push(new Raw(']'));
      for (let i = v.length - 1; i >= 0; i--) stack.push(v[i] === undefined ? null : v[i], ...(i > 0 ? [new Raw(',')] : []));
      out.push('[');
    } else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined);
      stack.push(new Raw('}'));
      for (let i = entries.length - 1; i >= 0; i--) stack.push(entries[i][1], new Raw(`${i > 0 ? ',' : ''}${JSON.stringify(entries[i][0])}:`));
      out.push('{');
    } else out.push(JSON.stringify(v) ?? 'null');
  }
  return enc.encode(out.join(''));
}

/** safetensors: the header as JSON (offsets, dtypes, shapes, metadata) or the header length, or the bytes. */
export function mutateSafetensors(rng: Rng, bytes: Uint8Array): Uint8Array {
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const choice = rng.int(0, 10);
  let header: Record<string, Record<string, unknown>> | undefined;
  try {
    header = choice < 5 && 8 + len <= bytes.length ? JSON.parse(dec.decode(bytes.subarray(8, 8 + len))) : undefined;
  } catch {
    header = undefined; // damaged already in this case
  }
  const names = header && typeof header === 'object' ? Object.keys(header).filter((n) => n !== '__metadata__' && typeof header![n] === 'object' && header![n] !== null) : [];
  if (header && names.length > 0) {
    const name = pick(rng, names);
    const t = header[name];
    switch (rng.int(0, 6)) {
      case 0: t.data_offsets = [pick(rng, NASTY_NUMBERS), pick(rng, NASTY_NUMBERS)]; break;
      case 1: t.dtype = pick(rng, ['F32', 'F16', 'BF16', 'I8', 'I64', 'U8', 'F64', 'BOOL', 'F8_E4M3', 'x', '']); break;
      case 2: t.shape = rng.next() < 0.5 ? [pick(rng, NASTY_NUMBERS), pick(rng, NASTY_NUMBERS)] : (t.shape as number[]).slice().reverse(); break;
      case 3: { // two tensors share or swap ranges
        const other = header[pick(rng, names)];
        [t.data_offsets, other.data_offsets] = [other.data_offsets, t.data_offsets];
        break;
      }
      case 4: header[pick(rng, ['__metadata__', name])] = mutateJson(rng, structuredClone(header.__metadata__ ?? {})) as Record<string, unknown>; break;
      default: header[name] = mutateJson(rng, t) as Record<string, unknown>;
    }
    const h = jsonBytes(header);
    const head = new Uint8Array(8);
    new DataView(head.buffer).setBigUint64(0, BigInt(h.length), true);
    return concat(head, h, bytes.subarray(8 + len));
  }
  if (choice === 5) { // the header length itself
    const out = bytes.slice();
    new DataView(out.buffer).setBigUint64(0, BigInt(pick(rng, [0, 1, 2, len - 1, len + 1, bytes.length, 2 ** 40, 2 ** 63])), true);
    return out;
  }
  return mutateBytes(rng, bytes, rng.next() < 0.7 ? [0, 8 + len] : undefined);
}
