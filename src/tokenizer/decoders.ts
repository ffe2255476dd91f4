// tokenizer.json `decoder`: tokens back to text, each step a map over the token strings as `tokenizers`'
// decode_chain (the results are joined with nothing).
import { CHAR_BYTES } from './byte-level.ts';
import { TokenizerError } from './errors.ts';
import { field, isRecord, optional } from './json.ts';
import { checkGrowth, SequenceBudget } from './limits.ts';
import { NormalizedString } from './normalized.ts';
import { patternFromJson } from './normalizers.ts';
import { metaspaceOptions } from './pre-tokenizers.ts';

export type Decoder = (tokens: string[]) => string[];

const lossy = new TextDecoder('utf-8', { ignoreBOM: true });
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8 = new TextEncoder();

/** The WordPiece decoder's clean-up (decoders/wordpiece.rs): no space before punctuation and contractions. */
export function wordPieceCleanup(s: string): string {
  return s.replaceAll(' .', '.').replaceAll(' ?', '?').replaceAll(' !', '!').replaceAll(' ,', ',').replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't").replaceAll(" 'm", "'m").replaceAll(' do not', " don't").replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve").replaceAll(" 're", "'re");
}

export function decoderFromJson(j: unknown, budget = new SequenceBudget('decoder'), depth = 0): Decoder | undefined {
  const step = pieceFromJson(j, budget, depth);
  if (!step || (isRecord(j) && j.type === 'Sequence')) return step;
  return (tokens) => {
    const out = step(tokens);
    checkGrowth('decoder', (j as Record<string, unknown>).type, textLength(tokens), textLength(out));
    return out;
  };
}

const textLength = (tokens: string[]) => tokens.reduce((n, t) => n + t.length, 0);

function pieceFromJson(j: unknown, budget: SequenceBudget, depth: number): Decoder | undefined {
  if (j === null || j === undefined) return undefined;
  if (!isRecord(j)) throw new TokenizerError('tokenizer.json decoder must be an object or null');
  switch (j.type) {
    case 'WordPiece': {
      const prefix = optional(j, 'prefix', 'string', 'WordPiece decoder', '##');
      const cleanup = optional(j, 'cleanup', 'boolean', 'WordPiece decoder', true);
      return (tokens) => tokens.map((t, i) => {
        const s = i === 0 ? t : t.startsWith(prefix) ? t.slice(prefix.length) : ` ${t}`;
        return cleanup ? wordPieceCleanup(s) : s;
      });
    }
    case 'ByteLevel':
      // All tokens' bytes (a token that is not all byte-level chars as its UTF-8), decoded once, lossily.
      return (tokens) => {
        const bytes: number[] = [];
        for (const t of tokens) {
          const chars = [...t];
          if (chars.every((c) => CHAR_BYTES.has(c))) for (const c of chars) bytes.push(CHAR_BYTES.get(c)!);
          else bytes.push(...utf8.encode(t));
        }
        return [lossy.decode(Uint8Array.from(bytes))];
      };
    case 'Metaspace': {
      const o = metaspaceOptions(j);
      return (tokens) => tokens.map((t, i) => [...t].flatMap((c) => (c !== o.replacement ? [c] : i === 0 && o.prependScheme !== 'never' ? [] : [' '])).join(''));
    }
    case 'BPEDecoder': {
      const suffix = optional(j, 'suffix', 'string', 'BPEDecoder', '</w>');
      return (tokens) => tokens.map((t, i) => t.replaceAll(suffix, i === tokens.length - 1 ? '' : ' '));
    }
    case 'ByteFallback':
      return (tokens) => {
        const out: string[] = [];
        let bytes: number[] = [];
        const flush = () => {
          if (bytes.length === 0) return;
          try {
            out.push(strict.decode(Uint8Array.from(bytes)));
          } catch {
            for (const _ of bytes) out.push('\ufffd');
          }
          bytes = [];
        };
        for (const t of tokens) {
          const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(t);
          if (m) bytes.push(parseInt(m[1], 16));
          else {
            flush();
            out.push(t);
          }
        }
        flush();
        return out;
      };
    case 'Fuse':
      return (tokens) => [tokens.join('')];
    case 'Strip': {
      const content = field(j, 'content', 'string', 'Strip decoder');
      const [start, stop] = [field(j, 'start', 'number', 'Strip decoder'), field(j, 'stop', 'number', 'Strip decoder')];
      return (tokens) => tokens.map((t) => {
        const chars = [...t];
        let a = 0;
        while (a < Math.min(start, chars.length) && chars[a] === content) a++;
        let b = chars.length;
        for (let k = 0; k < stop && b > a && chars[b - 1] === content; k++) b--;
        return chars.slice(a, b).join('');
      });
    }
    case 'Replace': {
      const pattern = patternFromJson(j.pattern, 'Replace decoder');
      const content = field(j, 'content', 'string', 'Replace decoder');
      return (tokens) => tokens.map((t) => {
        const n = NormalizedString.from(t);
        return pattern.findMatches(n.chars, t).map(([s, e, m]) => (m ? content : n.chars.slice(s, e).map((c) => c.c).join(''))).join('');
      });
    }
    case 'Sequence': {
      if (!Array.isArray(j.decoders)) throw new TokenizerError('tokenizer.json Sequence decoder needs a "decoders" list');
      const steps = budget.take(j.decoders, depth + 1).map((d) => decoderFromJson(d, budget, depth + 1)).filter((d): d is Decoder => d !== undefined);
      // Growth is held to the Sequence's input, not each step's: steps that each double stop here.
      return (tokens) => steps.reduce((ts, d) => {
        const out = d(ts);
        checkGrowth('decoder', 'Sequence', textLength(tokens), textLength(out));
        return out;
      }, tokens);
    }
    default:
      throw new TokenizerError(`tokenizer.json decoder ${JSON.stringify(j.type)} is not supported (supported: WordPiece, ByteLevel, Metaspace, BPEDecoder, ByteFallback, Fuse, Strip, Replace, Sequence)`);
  }
}
