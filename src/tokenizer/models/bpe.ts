// BPE (GPT-2/RoBERTa byte-level BPE, SentencePiece BPE): a word starts as its chars (with the continuing
// prefix / end-of-word suffix where set) and adjacent pairs merge in rank order, lowest rank first and
// leftmost among equals, as `tokenizers`' Word::merge_all does with its priority queue. Chars outside the
// vocabulary become unk (fused into one where fuse_unk), <0xXX> byte tokens (byte_fallback), or vanish
// when there is no unk token. ignore_merges looks the whole word up first.
import { TokenizerError } from '../errors.ts';
import { optional, type Json } from '../json.ts';
import { checkCount } from '../limits.ts';
import type { Token } from '../pre-tokenizers.ts';
import { VocabModel, vocabFromJson } from './model.ts';
import { wrap } from './wordpiece.ts';

/** A symbol of the word: its id and its length in UTF-8 bytes (offsets are running sums, as in the Rust Word). */
interface Symbol { id: number; len: number; prev: number; next: number; dead: boolean }

/** A binary min-heap of merges by (rank, position). */
class MergeQueue {
  private readonly items: [rank: number, pos: number, id: number][] = [];
  push(x: [number, number, number]): void {
    const a = this.items;
    a.push(x);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): [number, number, number] | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      for (let i = 0; ;) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let m = i;
        if (l < a.length && less(a[l], a[m])) m = l;
        if (r < a.length && less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}
const less = (x: [number, number, number], y: [number, number, number]) => x[0] < y[0] || (x[0] === y[0] && x[1] < y[1]);

export class Bpe extends VocabModel {
  /** `${left id} ${right id}` -> [rank, merged id] */
  private readonly merges = new Map<string, [number, number]>();

  constructor(
    vocab: Map<string, number>,
    merges: readonly (readonly [string, string])[],
    private readonly o: { unkToken?: string; prefix?: string; suffix?: string; fuseUnk: boolean; byteFallback: boolean; ignoreMerges: boolean },
  ) {
    super(vocab);
    const strip = o.prefix ?? '';
    merges.forEach(([a, b], rank) => {
      const merged = a + (b.startsWith(strip) ? b.slice(strip.length) : b);
      const [ia, ib, im] = [vocab.get(a), vocab.get(b), vocab.get(merged)];
      if (ia === undefined || ib === undefined || im === undefined) {
        const missing = ia === undefined ? a : ib === undefined ? b : merged;
        throw new TokenizerError(`tokenizer.json BPE merge ${rank + 1} ("${a} ${b}"): token ${JSON.stringify(missing)} is not in the vocabulary`);
      }
      this.merges.set(`${ia} ${ib}`, [rank, im]); // a repeated pair: the later rank wins, as in the Rust map
    });
  }

  static fromJson(j: Json): Bpe {
    const vocab = wrap(() => vocabFromJson(j.vocab, 'tokenizer.json BPE'));
    const dropout = j.dropout;
    if (dropout !== null && dropout !== undefined && dropout !== 0) throw new TokenizerError(`tokenizer.json BPE dropout ${JSON.stringify(dropout)} is not supported: it samples merges at random (inference uses none)`);
    return new Bpe(vocab, parseMerges(j.merges), {
      unkToken: j.unk_token === null || j.unk_token === undefined ? undefined : optional(j, 'unk_token', 'string', 'BPE', ''),
      prefix: j.continuing_subword_prefix == null ? undefined : optional(j, 'continuing_subword_prefix', 'string', 'BPE', ''),
      suffix: j.end_of_word_suffix == null ? undefined : optional(j, 'end_of_word_suffix', 'string', 'BPE', ''),
      fuseUnk: optional(j, 'fuse_unk', 'boolean', 'BPE', false),
      byteFallback: optional(j, 'byte_fallback', 'boolean', 'BPE', false),
      ignoreMerges: optional(j, 'ignore_merges', 'boolean', 'BPE', false),
    });
  }

  get unkToken(): string | undefined {
    return this.o.unkToken;
  }

  tokenize(chars: readonly string[]): Token[] {
    if (chars.length === 0) return [];
    if (this.o.ignoreMerges) {
      const whole = chars.join('');
      const id = this.vocab.get(whole);
      if (id !== undefined) return [{ id, value: whole, start: 0, end: chars.length }];
    }
    const symbols = this.initialSymbols(chars);
    this.mergeAll(symbols);
    // Running byte offsets back to chars: the char holding a token's first byte and the one holding its last.
    const charOfByte: number[] = [];
    chars.forEach((c, i) => { for (let k = 0; k < utf8Length(c); k++) charOfByte.push(i); });
    const charAt = (b: number) => charOfByte[Math.min(b, charOfByte.length - 1)];
    let at = 0;
    return symbols.filter((x) => !x.dead).map((x) => {
      const token = { id: x.id, value: this.ids.get(x.id)!, start: charAt(at), end: charAt(at + x.len - 1) + 1 };
      at += x.len;
      return token;
    });
  }

  private unkId(): number {
    const id = this.o.unkToken === undefined ? undefined : this.vocab.get(this.o.unkToken);
    if (id === undefined) throw new TokenizerError(`BPE unk token ${JSON.stringify(this.o.unkToken)} is not in the vocabulary`);
    return id;
  }

  /** tokenizers' merge_word before merging: a symbol per char, unk and byte fallback as the Rust crate does. */
  private initialSymbols(chars: readonly string[]): Symbol[] {
    const out: Symbol[] = [];
    const add = (id: number, len: number) => out.push({ id, len, prev: out.length - 1, next: out.length + 1, dead: false });
    let unk: number | undefined; // bytes of the pending unk
    const flushUnk = () => {
      if (unk !== undefined) add(this.unkId(), unk);
      unk = undefined;
    };
    chars.forEach((c, i) => {
      let s = c;
      if (i > 0 && this.o.prefix) s = this.o.prefix + s;
      if (i === chars.length - 1 && this.o.suffix) s += this.o.suffix;
      const id = this.vocab.get(s);
      const len = utf8Length(c);
      if (id !== undefined) {
        flushUnk();
        add(id, len);
        return;
      }
      if (this.o.byteFallback) {
        const bytes = [...utf8.encode(s)].map((b) => this.vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`));
        // Byte tokens go out before a pending unk (the Rust crate does not flush it first), one byte each.
        if (bytes.every((b) => b !== undefined)) {
          for (const b of bytes) add(b!, 1);
          return;
        }
      }
      if (this.o.unkToken === undefined) return; // no unk token: the char is dropped
      if (unk !== undefined && this.o.fuseUnk) unk += len;
      else {
        flushUnk();
        unk = len;
      }
    });
    flushUnk();
    if (out.length > 0) out[out.length - 1].next = -1;
    return out;
  }

  private mergeAll(sym: Symbol[]): void {
    const queue = new MergeQueue();
    const pairAt = (i: number) => (sym[i].next >= 0 ? this.merges.get(`${sym[i].id} ${sym[sym[i].next].id}`) : undefined);
    for (let i = 0; i + 1 < sym.length; i++) {
      const m = pairAt(i);
      if (m) queue.push([m[0], i, m[1]]);
    }
    for (let top = queue.pop(); top; top = queue.pop()) {
      const [, pos, newId] = top;
      const cur = sym[pos];
      if (cur.dead || cur.next < 0) continue;
      const m = pairAt(pos);
      if (!m || m[1] !== newId) continue; // stale: the pair here changed since it was queued
      const right = sym[cur.next];
      cur.id = newId;
      cur.len += right.len;
      right.dead = true;
      cur.next = right.next;
      if (right.next >= 0) sym[right.next].prev = pos;
      if (cur.prev >= 0) {
        const left = pairAt(cur.prev);
        if (left) queue.push([left[0], cur.prev, left[1]]);
      }
      const next = pairAt(pos);
      if (next) queue.push([next[0], pos, next[1]]);
    }
  }
}

/** merges as ["a", "b"] pairs (tokenizers 0.20+) or "a b" strings (older files). */
function parseMerges(m: unknown): [string, string][] {
  if (!Array.isArray(m)) throw new TokenizerError('tokenizer.json BPE needs "merges" as a list');
  checkCount(m.length, 'maxMerges', 'tokenizer.json BPE merges');
  if (m.every((x) => Array.isArray(x) && x.length === 2 && x.every((s) => typeof s === 'string'))) return m as [string, string][];
  if (m.every((x) => typeof x === 'string')) {
    return m.filter((line) => !line.startsWith('#version')).map((line, i) => {
      const parts = line.split(' ');
      if (parts.length !== 2) throw new TokenizerError(`tokenizer.json BPE merge ${i + 1} ${JSON.stringify(line)} is not two tokens separated by one space`);
      return parts as [string, string];
    });
  }
  throw new TokenizerError('tokenizer.json BPE merges must all be ["a", "b"] pairs or all "a b" strings');
}

const utf8 = new TextEncoder();

function utf8Length(c: string): number {
  const cp = c.codePointAt(0)!;
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}
