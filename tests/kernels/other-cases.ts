// LayerNorm, GELU, add, softmax and embeddings against their float64 twins.
import { prepareAdd } from '../../src/kernels/add.ts';
import { prepareEmbeddings } from '../../src/kernels/embeddings.ts';
import { prepareGelu } from '../../src/kernels/gelu.ts';
import { prepareLayernorm } from '../../src/kernels/layernorm.ts';
import { prepareMatmulLayernorm } from '../../src/kernels/matmul-layernorm.ts';
import { MASK_VALUE, prepareSoftmax } from '../../src/kernels/softmax.ts';
import { compare } from '../../src/reference/compare.ts';
import { addRef, embeddingsRef, geluRef, layernormRef, matmulLayernormRef, softmaxRef } from '../../src/reference/kernels.ts';
import { Rng } from '../../src/reference/random.ts';
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
      name: `layernorm ${rows}x${n}${withResidual ? ' +residual' : ''} offset ${offset}`,
      seed,
      async run(ctx) {
        const rng = new Rng(seed);
        const x = Float32Array.from(rng.normals(rows * n), (v) => v + offset);
        const residual = withResidual ? rng.normals(rows * n, 0.5) : undefined;
        const gamma = rng.floats(n, 0.5, 1.5);
        const beta = rng.floats(n, -0.5, 0.5);
        const y = await ctx.output([rows, n], 'y');
        await ctx.run([await prepareLayernorm(ctx.gpu, ctx.uniforms, {
          x: await ctx.input(x, [rows, n], 'x'), residual: residual && await ctx.input(residual, [rows, n], 'residual'),
          gamma: await ctx.input(gamma, [n], 'gamma'), beta: await ctx.input(beta, [n], 'beta'), y, rows, n, eps: 1e-12,
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
  return MATMUL_LAYERNORM_SHAPES.map(([m, n, k, offset], i): KernelCase => {
    const seed = 2500 + i;
    return {
      name: `matmul+layernorm ${m}x${n}x${k}${offset ? ` residual offset ${offset}` : ''}`,
      seed,
      async run(ctx) {
        const rng = new Rng(seed);
        const a = rng.floats(m * k);
        const b = rng.floats(n * k, -0.1, 0.1);
        const bias = rng.floats(n, -0.5, 0.5);
        // Rows centred on `offset` with spread ~1: a one-pass variance would lose ~1e-4 here. Not 1000 as for
        // layernorm: rounding v = acc + bias + residual to fp32 at 1000 alone costs ~3e-5 of the spread.
        const residual = Float32Array.from(rng.normals(m * n), (v) => v + offset);
        const gamma = rng.floats(n, 0.5, 1.5);
        const beta = rng.floats(n, -0.5, 0.5);
        const y = await ctx.output([m, n], 'y');
        await ctx.run([await prepareMatmulLayernorm(ctx.gpu, ctx.uniforms, {
          a: await ctx.input(a, [m, k], 'a'), b: await ctx.input(b, [n, k], 'b'), bias: await ctx.input(bias, [n], 'bias'),
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

function embeddingsCases(): KernelCase[] {
  const shapes: [number, number, number][] = [[1, 1, 17], [2, 3, 64], [3, 17, 200], [1, 17, 768], [2, 5, 3]];
  return shapes.flatMap(([batch, seqLen, h], i) => [true, false].map((fuseLn, j): KernelCase => {
    const seed = 6000 + 2 * i + j;
    return {
      name: `embeddings ${batch}x${seqLen} h${h}${fuseLn ? ' +layernorm' : ''}`,
      seed,
      async run(ctx) {
        const rng = new Rng(seed);
        const [vocab, maxPos, types] = [50, 40, 2];
        const tokens = batch * seqLen;
        const ids = Uint32Array.from({ length: tokens }, () => rng.int(0, vocab));
        const tokenTypes = Uint32Array.from({ length: tokens }, () => rng.int(0, types));
        const [word, position, tokenType] = [rng.normals(vocab * h), rng.normals(maxPos * h), rng.normals(types * h)];
        const gamma = rng.floats(h, 0.5, 1.5);
        const beta = rng.floats(h, -0.5, 0.5);
        const y = await ctx.output([tokens, h], 'y');
        await ctx.run([await prepareEmbeddings(ctx.gpu, ctx.uniforms, {
          ids: await ctx.input(ids, [tokens], 'ids'), tokenTypes: await ctx.input(tokenTypes, [tokens], 'types'),
          word: await ctx.input(word, [vocab, h], 'word'), position: await ctx.input(position, [maxPos, h], 'position'),
          tokenType: await ctx.input(tokenType, [types, h], 'token_type'),
          gamma: fuseLn ? await ctx.input(gamma, [h], 'gamma') : undefined, beta: fuseLn ? await ctx.input(beta, [h], 'beta') : undefined,
          y, seqLen, eps: 1e-12,
        })]);
        const want = embeddingsRef({ ids, tokenTypes, word, position, tokenType, h, seqLen, gamma: fuseLn ? gamma : undefined, beta: fuseLn ? beta : undefined, eps: 1e-12 });
        return [compare(await ctx.read(y), want, undefined, 'y')];
      },
    };
  }));
}

export function otherCases(): KernelCase[] {
  return [...layernormCases(), ...matmulLayernormCases(), ...geluCases(), ...addCases(), ...softmaxCases(), ...embeddingsCases()];
}
