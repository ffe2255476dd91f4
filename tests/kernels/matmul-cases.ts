// Matmul against its float64 twin: every configuration over shapes that break tiling, every epilogue,
// both B layouts, strided and two-level batches, and BERT's own shapes.
import { MATMUL_CONFIGS, matmulConfig, prepareMatmul, type Activation, type MatmulConfig } from '../../src/kernels/matmul.ts';
import { compare } from '../../src/reference/compare.ts';
import { matmulRef } from '../../src/reference/kernels.ts';
import { Rng } from '../../src/random.ts';
import { encode, FORMATS, type Format } from './formats.ts';
import type { KernelCase } from './harness.ts';

// biasOffset: the bias is read from that element on (a vocabulary split into row blocks runs one matmul per block).
interface Epilogue { bias: boolean; residual: boolean; activation: Activation; alpha: number; biasOffset?: number }
const EPILOGUES: Epilogue[] = [
  { bias: false, residual: false, activation: 'none', alpha: 1 },
  { bias: true, residual: false, activation: 'gelu', alpha: 1 },
  { bias: true, residual: true, activation: 'none', alpha: 1 },
  { bias: false, residual: true, activation: 'gelu_tanh', alpha: 0.125 },
  { bias: true, residual: false, activation: 'tanh', alpha: 1 },
  { bias: true, residual: true, activation: 'relu', alpha: 1 },
  { bias: true, residual: false, activation: 'silu', alpha: 1, biasOffset: 5 },
];

// [m, n, k]: sizes around tile edges (1, 3, 17, 63, 65, 127, 200) and BERT's (768, 3072).
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [3, 17, 63], [17, 3, 65], [63, 65, 127], [65, 127, 200], [200, 63, 17],
  [1, 768, 65], [17, 3072, 3], [3, 65, 768], [127, 17, 3072], [768, 3, 17],
];

function epilogueName(e: Epilogue): string {
  return [e.bias && 'bias', e.activation !== 'none' && e.activation, e.residual && 'residual', e.alpha !== 1 && `alpha ${e.alpha}`, e.biasOffset && `bias at ${e.biasOffset}`]
    .filter(Boolean).join('+') || 'plain';
}

function matmulCase(config: MatmulConfig, [m, n, k]: [number, number, number], transB: boolean, e: Epilogue, seed: number,
  batch?: { count: number; inner: number; lda: number; ldb: number; ldc: number; a: [number, number]; b: [number, number]; c: [number, number]; sizes: [number, number, number] }): KernelCase {
  const shape = batch ? `${batch.count}x(${m}x${n}x${k}) strided` : `${m}x${n}x${k}`;
  return {
    name: `matmul ${config.name} ${shape} ${transB ? 'B[n,k]' : 'B[k,n]'} ${epilogueName(e)}`,
    seed,
    async run(ctx) {
      const rng = new Rng(seed);
      const [aSize, bSize, cSize] = batch?.sizes ?? [m * k, n * k, m * n];
      const A = rng.floats(aSize);
      const B = rng.floats(bSize);
      const biasOffset = e.biasOffset ?? 0;
      const bias = e.bias ? rng.floats(biasOffset + n) : undefined;
      const residual = e.residual ? rng.floats(cSize) : undefined;
      const strides = batch && { count: batch.count, inner: batch.inner, a: batch.a, b: batch.b, c: batch.c };
      const lds = batch ? { lda: batch.lda, ldb: batch.ldb, ldc: batch.ldc } : {};
      const c = await ctx.output([cSize], 'c');
      const step = await prepareMatmul(ctx.gpu, ctx.uniforms, {
        a: await ctx.input(A, [aSize], 'a'), b: await ctx.input(B, [bSize], 'b'), c,
        bias: bias && await ctx.input(bias, [bias.length], 'bias'), residual: residual && await ctx.input(residual, [cSize], 'residual'),
        m, n, k, transB, activation: e.activation, alpha: e.alpha, batch: strides, config, ...lds,
        offsets: { bias: biasOffset },
      });
      await ctx.run([step]);
      const got = await ctx.read(c);
      // Elements a strided batch does not cover stay NaN on the GPU and in the reference alike.
      const want = matmulRef({ a: A, b: B, bias, residual, m, n, k, transB, activation: e.activation, alpha: e.alpha, batch: strides, cSize, fill: NaN, ...lds, offsets: { bias: biasOffset } });
      const covered = [...want.keys()].filter((i) => !Number.isNaN(want[i]));
      return [compare(covered.map((i) => got[i]), covered.map((i) => want[i]), undefined, 'c')];
    },
  };
}

/** B [n, k] stored in `format`; the reference multiplies by the values that format holds. */
function formatCase(config: MatmulConfig, [m, n, k]: [number, number, number], format: Format, e: Epilogue, seed: number): KernelCase {
  return {
    name: `matmul ${config.name} ${m}x${n}x${k} B[n,k] ${format} ${epilogueName(e)}`,
    seed,
    async run(ctx) {
      const rng = new Rng(seed);
      const A = rng.floats(m * k);
      const { packed, values } = encode(rng.floats(n * k), n, k, format);
      const biasOffset = e.biasOffset ?? 0;
      const bias = e.bias ? rng.floats(biasOffset + n) : undefined;
      const residual = e.residual ? rng.floats(m * n) : undefined;
      const c = await ctx.output([m * n], 'c');
      const step = await prepareMatmul(ctx.gpu, ctx.uniforms, {
        a: await ctx.input(A, [m * k], 'a'), b: await ctx.packed(packed, [n, k], `b ${format}`), c,
        bias: bias && await ctx.input(bias, [bias.length], 'bias'), residual: residual && await ctx.input(residual, [m * n], 'residual'),
        m, n, k, transB: true, activation: e.activation, alpha: e.alpha, config, offsets: { bias: biasOffset },
      });
      await ctx.run([step]);
      const want = matmulRef({ a: A, b: values, bias, residual, m, n, k, transB: true, activation: e.activation, alpha: e.alpha, cSize: m * n, offsets: { bias: biasOffset } });
      return [compare(await ctx.read(c), want, undefined, 'c')];
    },
  };
}

/** act(x . W[2c]) * (x . W[2c+1]) with W [n, k], n/2 columns out, B f32 or packed. */
function gluCase(config: MatmulConfig, [m, n, k]: [number, number, number], e: { activation: Activation; bias: boolean; residual: boolean }, format: Format | undefined, seed: number): KernelCase {
  return {
    name: `matmul ${config.name} ${m}x${n}x${k} B[n,k]${format ? ` ${format}` : ''} GLU ${e.activation}${e.bias ? '+bias' : ''}${e.residual ? '+residual' : ''}`,
    seed,
    async run(ctx) {
      const rng = new Rng(seed);
      const A = rng.floats(m * k);
      const raw = rng.floats(n * k);
      const encoded = format && encode(raw, n, k, format);
      const bias = e.bias ? rng.floats(n) : undefined;
      const residual = e.residual ? rng.floats(m * (n / 2)) : undefined;
      const c = await ctx.output([m * (n / 2)], 'c');
      const step = await prepareMatmul(ctx.gpu, ctx.uniforms, {
        a: await ctx.input(A, [m * k], 'a'), b: encoded ? await ctx.packed(encoded.packed, [n, k], `b ${format}`) : await ctx.input(raw, [n * k], 'b'), c,
        bias: bias && await ctx.input(bias, [n], 'bias'), residual: residual && await ctx.input(residual, [m * (n / 2)], 'residual'),
        m, n, k, transB: true, activation: e.activation, glu: true, config,
      });
      await ctx.run([step]);
      const want = matmulRef({ a: A, b: encoded ? encoded.values : raw, bias, residual, m, n, k, transB: true, activation: e.activation, glu: true });
      return [compare(await ctx.read(c), want, undefined, 'c')];
    },
  };
}

export function matmulCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  let seed = 1000;
  // Every configuration sees every shape; the layout and epilogue rotate so each meets all of them.
  MATMUL_CONFIGS.forEach((config, ci) => {
    SHAPES.forEach((shape, si) => {
      cases.push(matmulCase(config, shape, (si + ci) % 2 === 1, EPILOGUES[(si + ci) % EPILOGUES.length], seed++));
    });
  });
  for (const config of MATMUL_CONFIGS) {
    // Three matrices back to back, B shared (stride 0) as a weight is across a batch.
    const [m, n, k] = [17, 65, 63];
    cases.push(matmulCase(config, [m, n, k], true, EPILOGUES[2], seed++, {
      count: 3, inner: 1, lda: k, ldb: k, ldc: n, a: [m * k, 0], b: [0, 0], c: [m * n, 0], sizes: [3 * m * k, n * k, 3 * m * n],
    }));
    // Attention's layout: 2 sequences x 3 heads of head size 16 read out of a packed [tokens, 3*48] tensor,
    // Q.K^T per (sequence, head) written to [2, 3, S, S]. Tests two-level strides and row strides.
    const [seqs, heads, dh, S] = [2, 3, 16, 37];
    const hidden = heads * dh;
    const ld = 3 * hidden;
    cases.push(matmulCase(config, [S, S, dh], true, { bias: false, residual: false, activation: 'none', alpha: 0.25 }, seed++, {
      count: seqs * heads, inner: heads, lda: ld, ldb: ld, ldc: S,
      a: [S * ld, dh], b: [S * ld, dh], c: [heads * S * S, S * S], sizes: [seqs * S * ld, seqs * S * ld, seqs * heads * S * S],
    }));
  }
  // The unrolled kernel runs only on aligned operands (else reg4x4 stands in, covered above): its own edge
  // shapes, both layouts, every epilogue.
  const unrolled = matmulConfig('unrolled4x4');
  ([[1, 1, 4], [3, 17, 64], [17, 3, 68], [63, 65, 128], [65, 127, 200], [200, 63, 16], [5, 768, 768]] as const).forEach((shape, i) => {
    cases.push(matmulCase(unrolled, [...shape], true, EPILOGUES[(i + 2) % EPILOGUES.length], seed++));
  });
  // B as [k, n] takes the vec4 path when n is a multiple of 4 as well.
  ([[1, 4, 4], [3, 16, 64], [17, 68, 8], [63, 128, 132], [65, 200, 64], [5, 768, 3072]] as const).forEach((shape, i) => {
    cases.push(matmulCase(unrolled, [...shape], false, EPILOGUES[(i + 1) % EPILOGUES.length], seed++));
  });
  // Weights stored f16, bf16 or int8 (per row and group of 32, 64, 128): every configuration, aligned (vec4)
  // and unaligned k, against the reference on the values the format holds.
  MATMUL_CONFIGS.forEach((config, ci) => {
    ([[3, 17, 64], [17, 65, 200], [1, 63, 65], [65, 3, 128]] as const).forEach((shape, si) => {
      const format = FORMATS[(ci + si) % FORMATS.length];
      cases.push(formatCase(config, [...shape], format, EPILOGUES[(ci + si) % EPILOGUES.length], seed++));
    });
  });
  // Gated MLPs (GeGLU, SwiGLU): B's rows in pairs, half the columns out; every configuration (naive and tiled
  // run the register fallback), weights f32 and packed, bias and residual or not.
  MATMUL_CONFIGS.forEach((config, ci) => {
    const gluShapes: [number, number, number][] = [[3, 18, 64], [17, 130, 65], [65, 96, 128]];
    gluShapes.forEach((shape, si) => {
      const e = ([{ activation: 'gelu', bias: true, residual: false }, { activation: 'silu', bias: false, residual: true }, { activation: 'gelu_tanh', bias: true, residual: true }] as const)[(ci + si) % 3];
      cases.push(gluCase(config, shape, e, si === 2 ? FORMATS[ci % FORMATS.length] : undefined, seed++));
    });
  });
  // BERT-base's feed-forward shapes on 64 tokens, with the epilogues BERT uses, on the default configuration.
  cases.push(matmulCase(MATMUL_CONFIGS[1], [64, 3072, 768], true, EPILOGUES[1], seed++));
  cases.push(matmulCase(MATMUL_CONFIGS[1], [64, 768, 3072], true, EPILOGUES[2], seed++));
  return cases;
}
