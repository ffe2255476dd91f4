// LayerNorm, GELU, add, softmax and embeddings against their float64 twins.
import { prepareAdd } from '../../src/kernels/add.ts';
import { prepareEmbeddings } from '../../src/kernels/embeddings.ts';
import { prepareGelu } from '../../src/kernels/gelu.ts';
import { prepareLayernorm } from '../../src/kernels/layernorm.ts';
import { prepareMatmulLayernorm } from '../../src/kernels/matmul-layernorm.ts';
import { MASK_VALUE, prepareSoftmax } from '../../src/kernels/softmax.ts';
import { compare } from '../../src/reference/compare.ts';
import { addRef, embeddingsRef, geluRef, layernormRef, matmulLayernormRef, softmaxRef } from '../../src/reference/kernels.ts';
import { Rng } from '../../src/random.ts';
import { packBf16, packF16, roundTo } from '../../src/gpu/packed.ts';
import { encode, type Format } from './formats.ts';
import type { KernelCase } from './harness.ts';

const SIZES = [1, 3, 17, 63, 65, 127, 200, 768, 3072];

function layernormCases(): KernelCase[] {
  return SIZES.flatMap((n, i) => [false, true].map((withResidual, j): KernelCase => {
    const rows = [1, 3, 17][(i + j) % 3];
    // Rows centred on 1000 with spread 1: a one-pass variance (E[x^2] - mean^2) loses every digit here.
    // Not with a residual: rounding x + residual to fp32 at 1000 alone costs ~1e-5 of the spread.
    const offset = withResidual ? 0 : 1000;
    const seed = 2000 + 2 * i + j;
    return {
      name: `layernorm ${rows}x${n}${withResidual ? ' +residual' : ''}${i % 3 === 2 ? ' no beta' : ''} offset ${offset}`,
      seed,
      async run(ctx) {
        const rng = new Rng(seed);
        const x = Float32Array.from(rng.normals(rows * n), (v) => v + offset);
        const residual = withResidual ? rng.normals(rows * n, 0.5) : undefined;
        const gamma = rng.floats(n, 0.5, 1.5);
        // Every third size without beta: ModernBERT's LayerNorms have no bias.
        const beta = i % 3 === 2 ? undefined : rng.floats(n, -0.5, 0.5);
        const y = await ctx.output([rows, n], 'y');
        await ctx.run([await prepareLayernorm(ctx.gpu, ctx.uniforms, {
          x: await ctx.input(x, [rows, n], 'x'), residual: residual && await ctx.input(residual, [rows, n], 'residual'),
          gamma: await ctx.input(gamma, [n], 'gamma'), beta: beta && await ctx.input(beta, [n], 'beta'), y, rows, n, eps: 1e-12,
        })]);
        return [compare(await ctx.read(y), layernormRef({ x, residual, gamma, beta, rows, n, eps: 1e-12 }), undefined, 'y')];
      },
    };
  }));
}

/** [m, n, k, residual offset]: edges of BM = 4 rows, of 64-invocation column strides, k not a multiple of 4. */
const MATMUL_LAYERNORM_SHAPES: [number, number, number, number][] = [
  [1, 768, 768, 0], [3, 768, 3072, 0], [17, 200, 64, 0], [65, 63, 17, 0], [2, 65, 3, 0],
  [5, 127, 65, 0], [4, 960, 64, 0], [3, 1, 8, 0], [6, 768, 64, 100],
];

function matmulLayernormCases(): KernelCase[] {
  // The weight stored f32, then in every packed format over a few of the shapes (vec4 and scalar k).
  const shapes: [number, number, number, number, Format | undefined][] = [
    ...MATMUL_LAYERNORM_SHAPES.map((s): [number, number, number, number, undefined] => [...s, undefined]),
    [3, 768, 128, 0, 'f16'], [5, 127, 65, 0, 'bf16'], [17, 200, 64, 0, 'i8/32'], [2, 65, 200, 0, 'i8/64'], [4, 96, 256, 0, 'i8/128'],
  ];
  return shapes.map(([m, n, k, offset, format], i): KernelCase => {
    const seed = 2500 + i;
    return {
      name: `matmul+layernorm ${m}x${n}x${k}${offset ? ` residual offset ${offset}` : ''}${format ? ` B ${format}` : ''}`,
      seed,
      async run(ctx) {
        const rng = new Rng(seed);
        const a = rng.floats(m * k);
        const raw = rng.floats(n * k, -0.1, 0.1);
        const encoded = format && encode(raw, n, k, format);
        const b = encoded ? encoded.values : raw;
        const bias = rng.floats(n, -0.5, 0.5);
        // Rows centred on `offset` with spread ~1: a one-pass variance would lose ~1e-4 here. Not 1000 as for
        // layernorm: rounding v = acc + bias + residual to fp32 at 1000 alone costs ~3e-5 of the spread.
        const residual = Float32Array.from(rng.normals(m * n), (v) => v + offset);
        const gamma = rng.floats(n, 0.5, 1.5);
        const beta = rng.floats(n, -0.5, 0.5);
        const y = await ctx.output([m, n], 'y');
        await ctx.run([await prepareMatmulLayernorm(ctx.gpu, ctx.uniforms, {
          a: await ctx.input(a, [m, k], 'a'), b: encoded ? await ctx.packed(encoded.packed, [n, k], `b ${format}`) : await ctx.input(b, [n, k], 'b'),
          bias: await ctx.input(bias, [n], 'bias'),
          residual: await ctx.input(residual, [m, n], 'residual'), gamma: await ctx.input(gamma, [n], 'gamma'),
          beta: await ctx.input(beta, [n], 'beta'), y, m, n, k, eps: 1e-12,
        })]);
        return [compare(await ctx.read(y), matmulLayernormRef({ a, b, bias, residual, gamma, beta, m, n, k, eps: 1e-12 }), undefined, 'y')];
      },
    };
  });
}

function geluCases(): KernelCase[] {
  return [...SIZES, 70000].flatMap((n, i) => (['erf', 'tanh'] as const).map((form, j): KernelCase => {
    const seed = 3000 + 2 * i + j;
    return {
      name: `gelu ${form} ${n}`,
      seed,
      async run(ctx) {
        // [-8, 8] reaches both tails, where 1 + erf(x/sqrt2) is tiny and a crude erf fails.
        const x = new Rng(seed).floats(n, -8, 8);
        const y = await ctx.output([n], 'y');
        await ctx.run([await prepareGelu(ctx.gpu, ctx.uniforms, { x: await ctx.input(x, [n], 'x'), y, form })]);
        return [compare(await ctx.read(y), geluRef(x, form), undefined, 'y')];
      },
    };
  }));
}

function addCases(): KernelCase[] {
  return [1, 17, 65, 3072, 70000].map((n, i): KernelCase => ({
    name: `add ${n}`,
    seed: 4000 + i,
    async run(ctx) {
      const rng = new Rng(4000 + i);
      const [a, b] = [rng.floats(n), rng.floats(n)];
      const c = await ctx.output([n], 'c');
      await ctx.run([await prepareAdd(ctx.gpu, ctx.uniforms, { a: await ctx.input(a, [n], 'a'), b: await ctx.input(b, [n], 'b'), c })]);
      return [compare(await ctx.read(c), addRef(a, b), undefined, 'c')];
    },
  }));
}

function softmaxCases(): KernelCase[] {
  return [1, 3, 17, 63, 65, 127, 200, 768].flatMap((n, i) => [false, true].map((masked, j): KernelCase => {
    const seed = 5000 + 2 * i + j;
    const [maskRows, maskDiv] = [3, [1, 2, 5][i % 3]];
    const rows = maskRows * maskDiv;
    return {
      name: `softmax ${rows}x${n}${masked ? ` mask/${maskDiv} with a fully masked row` : ''}`,
      seed,
      async run(ctx) {
        const rng = new Rng(seed);
        const x = rng.floats(rows * n, -6, 6);
        let mask: Float32Array | undefined;
        if (masked) {
          // Mask row 0: a random padding tail; row 1: everything masked; row 2: nothing masked.
          mask = new Float32Array(maskRows * n);
          const keep = rng.int(1, n + 1);
          for (let c = keep; c < n; c++) mask[c] = MASK_VALUE;
          mask.fill(MASK_VALUE, n, 2 * n);
        }
        const y = await ctx.output([rows, n], 'y');
        await ctx.run([await prepareSoftmax(ctx.gpu, ctx.uniforms, {
          x: await ctx.input(x, [rows, n], 'x'), y, rows, n, scale: 0.7,
          mask: mask && await ctx.input(mask, [maskRows, n], 'mask'), maskDiv,
        })]);
        return [compare(await ctx.read(y), softmaxRef({ x, rows, n, scale: 0.7, mask, maskDiv }), undefined, 'y')];
      },
    };
  }));
}

interface EmbeddingsShape {
  batch: number; seqLen: number; h: number;
  /** Which tables and LayerNorm parts exist: BERT has them all, DistilBERT no token types, ModernBERT no positions and no beta. */
  position: boolean; tokenType: boolean; ln: 'none' | 'gamma+beta' | 'gamma';
  /** Storage of the word, position and token-type tables (default all f32). */
  tables?: ['f32' | 'f16' | 'bf16', 'f32' | 'f16' | 'bf16', 'f32' | 'f16' | 'bf16'];
  /** The word table as this many row blocks, one unfused dispatch each (a vocabulary over one binding). */
  blocks?: number;
}

function embeddingsCases(): KernelCase[] {
  const all = { position: true, tokenType: true };
  const shapes: EmbeddingsShape[] = [
    { batch: 1, seqLen: 1, h: 17, ...all, ln: 'gamma+beta' }, { batch: 2, seqLen: 3, h: 64, ...all, ln: 'none' },
    { batch: 3, seqLen: 17, h: 200, ...all, ln: 'gamma+beta' }, { batch: 1, seqLen: 17, h: 768, ...all, ln: 'gamma+beta' },
    { batch: 2, seqLen: 5, h: 3, ...all, ln: 'none' }, { batch: 2, seqLen: 9, h: 65, position: true, tokenType: false, ln: 'gamma+beta' },
    { batch: 2, seqLen: 9, h: 63, position: false, tokenType: false, ln: 'gamma' },
    { batch: 3, seqLen: 7, h: 65, ...all, ln: 'none', blocks: 3 }, { batch: 1, seqLen: 17, h: 127, position: true, tokenType: false, ln: 'none', blocks: 2 },
    // Tables stored in halves, each its own format (odd h: a row starts mid-word).
    { batch: 2, seqLen: 9, h: 65, ...all, ln: 'gamma+beta', tables: ['f16', 'bf16', 'f16'] },
    { batch: 3, seqLen: 5, h: 64, ...all, ln: 'none', tables: ['bf16', 'f32', 'bf16'] },
    { batch: 1, seqLen: 17, h: 127, position: true, tokenType: false, ln: 'none', tables: ['f16', 'f16', 'f32'], blocks: 2 },
  ];
  return shapes.map((s, i): KernelCase => {
    const seed = 6000 + i;
    const parts = [s.position && 'position', s.tokenType && 'type', s.ln !== 'none' && s.ln, s.blocks && `${s.blocks} row blocks`,
      s.tables && `tables ${s.tables.join('/')}`].filter(Boolean).join(' + ');
    return {
      name: `embeddings ${s.batch}x${s.seqLen} h${s.h} word + ${parts}`,
      seed,
      async run(ctx) {
        const rng = new Rng(seed);
        const [vocab, maxPos, types] = [50, 40, 2];
        const { batch, seqLen, h } = s;
        const tokens = batch * seqLen;
        const ids = Uint32Array.from({ length: tokens }, () => rng.int(0, vocab));
        const tokenTypes = Uint32Array.from({ length: tokens }, () => rng.int(0, types));
        // Any position ids (RoBERTa's start at padding_idx + 1): not t % seqLen.
        const positions = Uint32Array.from({ length: tokens }, () => rng.int(0, maxPos));
        const formats = s.tables ?? ['f32', 'f32', 'f32'];
        const stored = (data: Float32Array, f: 'f32' | 'f16' | 'bf16') => (f === 'f32' ? data : roundTo(f, data));
        const [word, position, tokenType] = [rng.normals(vocab * h), rng.normals(maxPos * h), rng.normals(types * h)].map((d, j) => stored(d, formats[j]));
        const table = (data: Float32Array, rows: number, f: 'f32' | 'f16' | 'bf16', label: string) =>
          f === 'f32' ? ctx.input(data, [rows, h], label) : ctx.packed({ dtype: f, words: f === 'f16' ? packF16(data) : packBf16(data) }, [rows, h], `${label} ${f}`);
        const gamma = rng.floats(h, 0.5, 1.5);
        const beta = rng.floats(h, -0.5, 0.5);
        const y = await ctx.output([tokens, h], 'y');
        const common = {
          ids: await ctx.input(ids, [tokens], 'ids'),
          positions: s.position ? await ctx.input(positions, [tokens], 'positions') : undefined,
          position: s.position ? await table(position, maxPos, formats[1], 'position') : undefined,
          tokenTypes: s.tokenType ? await ctx.input(tokenTypes, [tokens], 'types') : undefined,
          tokenType: s.tokenType ? await table(tokenType, types, formats[2], 'token_type') : undefined,
          y, eps: 1e-12,
        };
        const ln = {
          gamma: s.ln !== 'none' ? await ctx.input(gamma, [h], 'gamma') : undefined,
          beta: s.ln === 'gamma+beta' ? await ctx.input(beta, [h], 'beta') : undefined,
        };
        const refArgs = {
          ids, word, h, positions, tokenTypes, position: s.position ? position : undefined, tokenType: s.tokenType ? tokenType : undefined,
          gamma: s.ln !== 'none' ? gamma : undefined, beta: s.ln === 'gamma+beta' ? beta : undefined, eps: 1e-12,
        };
        if (!s.blocks) {
          await ctx.run([await prepareEmbeddings(ctx.gpu, ctx.uniforms, { ...common, ...ln, word: await table(word, vocab, formats[0], 'word') })]);
          return [compare(await ctx.read(y), embeddingsRef(refArgs), undefined, 'y')];
        }
        // Row blocks of uneven size, one dispatch each into the same output: every token written exactly once.
        const bounds = s.blocks === 3 ? [0, 19, 33, vocab] : [0, 28, vocab];
        const steps = [];
        for (let b = 0; b < s.blocks; b++) {
          const [lo, hi] = [bounds[b], bounds[b + 1]];
          steps.push(await prepareEmbeddings(ctx.gpu, ctx.uniforms, {
            ...common, rowBegin: lo, word: await table(word.slice(lo * h, hi * h), hi - lo, formats[0], `word rows ${lo}..${hi}`),
          }));
        }
        await ctx.run(steps);
        return [compare(await ctx.read(y), embeddingsRef(refArgs), undefined, 'y')];
      },
    };
  });
}

export function otherCases(): KernelCase[] {
  return [...layernormCases(), ...matmulLayernormCases(), ...geluCases(), ...addCases(), ...softmaxCases(), ...embeddingsCases()];
}
