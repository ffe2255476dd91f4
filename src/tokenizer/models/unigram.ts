// Unigram (SentencePiece; XLM-R, CamemBERT): the segmentation of a word into vocabulary pieces with the
// highest total score, by `tokenizers`' encode_optimized Viterbi over char positions. A char no single piece
// covers gets an unk edge scored min_score - 10; consecutive unks on the best path fuse into one token;
// with byte_fallback a fused unk becomes <0xXX> tokens (each spanning the whole unknown run) when every
// byte has one. Ties keep the first candidate: the path whose last piece starts earliest.
import { TokenizerError } from '../errors.ts';
import { optional, type Json } from '../json.ts';
import { checkCount } from '../limits.ts';
import type { Token } from '../pre-tokenizers.ts';
import type { Model } from './model.ts';

/** sentencepiece's kUnkPenalty. */
const UNK_PENALTY = 10;

interface TrieNode { children: Map<string, TrieNode>; id?: number }

export class Unigram implements Model {
  private readonly ids = new Map<string, number>();
  private readonly root: TrieNode = { children: new Map() };
  private readonly unkScore: number;

  constructor(private readonly pieces: readonly (readonly [string, number])[], private readonly unkId: number | undefined, private readonly byteFallback: boolean) {
    if (unkId !== undefined && (unkId < 0 || unkId >= pieces.length)) throw new TokenizerError(`tokenizer.json Unigram unk_id ${unkId} is outside its ${pieces.length} pieces`);
    let min = Infinity;
    pieces.forEach(([piece, score], id) => {
      this.ids.set(piece, id); // a repeated piece: the last id wins, as in the Rust map
      let node = this.root;
      for (const c of piece) {
        let next = node.children.get(c);
        if (!next) node.children.set(c, (next = { children: new Map() }));
        node = next;
      }
      node.id = id;
      min = Math.min(min, score);
    });
    this.unkScore = min - UNK_PENALTY;
  }

  static fromJson(j: Json): Unigram {
    const vocab = j.vocab;
    if (!Array.isArray(vocab) || vocab.length === 0) throw new TokenizerError('tokenizer.json Unigram needs a non-empty "vocab" list of [piece, score]');
    checkCount(vocab.length, 'maxVocabSize', 'tokenizer.json Unigram vocab');
    vocab.forEach((p, i) => {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'number') {
        throw new TokenizerError(`tokenizer.json Unigram vocab[${i}] must be [piece, score], got ${JSON.stringify(p)}`);
      }
    });
    const unk = j.unk_id === null || j.unk_id === undefined ? undefined : optional(j, 'unk_id', 'number', 'Unigram', 0);
    return new Unigram(vocab as [string, number][], unk, optional(j, 'byte_fallback', 'boolean', 'Unigram', false));
  }

  get vocabSize(): number {
    return this.pieces.length;
  }

  get maxId(): number {
    return this.pieces.length - 1;
  }

  get unkToken(): string | undefined {
    return this.unkId === undefined ? undefined : this.pieces[this.unkId][0];
  }

  tokenToId(t: string): number | undefined {
    return this.ids.get(t);
  }

  idToToken(id: number): string | undefined {
    return this.pieces[id]?.[0];
  }

  tokenize(chars: readonly string[]): Token[] {
    const n = chars.length;
    if (n === 0) return [];
    // best[e]: the best path over chars [0, e): its score, where its last piece starts, and that piece's id.
    const best = Array.from({ length: n + 1 }, () => ({ score: 0, from: -1, id: -1 }));
    for (let s = 0; s < n; s++) {
      const here = best[s].score;
      let single = false;
      let node: TrieNode | undefined = this.root;
      for (let e = s; e < n && node; e++) {
        node = node.children.get(chars[e]);
        if (node?.id === undefined) continue;
        const id = this.ids.get(this.pieces[node.id][0])!;
        const candidate = this.pieces[id][1] + here;
        const t = best[e + 1];
        if (t.from < 0 || candidate > t.score) Object.assign(t, { score: candidate, from: s, id });
        if (e === s) single = true;
      }
      if (!single) {
        if (this.unkId === undefined) throw new TokenizerError('Unigram: encountered an unknown token but the model has no unk_id');
        const t = best[s + 1];
        const candidate = this.unkScore + here;
        if (t.from < 0 || candidate > t.score) Object.assign(t, { score: candidate, from: s, id: this.unkId });
      }
    }
    // Back from the end; consecutive unks fuse into one piece.
    const spans: [number, number][] = [];
    let unkEnd = -1;
    for (let e = n; e > 0;) {
      const { from, id } = best[e];
      if (id === this.unkId) {
        if (unkEnd < 0) unkEnd = e;
      } else {
        if (unkEnd >= 0) spans.push([e, unkEnd]);
        unkEnd = -1;
        spans.push([from, e]);
      }
      e = from;
    }
    if (unkEnd >= 0) spans.push([0, unkEnd]);
    spans.reverse();

    const out: Token[] = [];
    for (const [s, e] of spans) {
      const piece = chars.slice(s, e).join('');
      const id = this.ids.get(piece);
      if (id !== undefined) {
        out.push({ id, value: piece, start: s, end: e });
        continue;
      }
      if (this.byteFallback) {
        const bytes = [...new TextEncoder().encode(piece)].map((b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
        if (bytes.every((b) => this.ids.has(b))) {
          for (const b of bytes) out.push({ id: this.ids.get(b)!, value: b, start: s, end: e });
          continue;
        }
      }
      out.push({ id: this.unkId!, value: piece, start: s, end: e });
    }
    return out;
  }
}
