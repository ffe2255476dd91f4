// Sentence-embedding pooling (pool.wgsl) against its float64 twin poolRef: CLS and masked mean, with and
// without L2 normalisation, shapes that break the workgroup (hidden 1, 3, 63, 65, 768), padding tails of
// random length, and a sequence with every token masked (mean pools to zeros, normalised zeros stay zero).
import { MASK_VALUE } from '../../src/kernels/softmax.ts';
import { preparePool } from '../../src/kernels/pool.ts';
import { compare } from '../../src/reference/compare.ts';
import { poolRef } from '../../src/reference/kernels.ts';
import { Rng } from '../../src/reference/random.ts';
import type { KernelCase } from './harness.ts';

const SHAPES: [batch: number, seqLen: number, hidden: number][] = [[1, 1, 1], [3, 17, 64], [4, 8, 3], [2, 40, 63], [5, 3, 65], [2, 9, 768]];

export function poolCases(): KernelCase[] {
  return SHAPES.flatMap(([batch, seqLen, hidden], i) => (['cls', 'mean'] as const).flatMap((mode, j) => [false, true].map((normalize, n): KernelCase => {
    const seed = 9000 + 4 * i + 2 * j + n;
    // The last sequence of a batch of 3 or more has every token masked.
    const fullyMasked = batch >= 3;
    return {
      name: `pool ${mode}${normalize ? ' +normalize' : ''} ${batch}x${seqLen}x${hidden}${fullyMasked ? ' with a fully masked sequence' : ''}`,
      seed,
      async run(ctx) {
        const rng = new Rng(seed);
        // Offset by 0.5 so a mean that forgets the mask, or divides by seqLen, is far off.
        const x = Float32Array.from(rng.normals(batch * seqLen * hidden), (v) => v + 0.5);
        const mask = new Float32Array(batch * seqLen);
        for (let b = 0; b < batch; b++) {
          const keep = fullyMasked && b === batch - 1 ? 0 : rng.int(1, seqLen + 1);
          for (let s = keep; s < seqLen; s++) mask[b * seqLen + s] = MASK_VALUE;
        }
        const y = await ctx.output([batch, hidden], 'y');
        await ctx.run([await preparePool(ctx.gpu, ctx.uniforms, {
          x: await ctx.input(x, [batch * seqLen, hidden], 'x'), mask: await ctx.input(mask, [batch, seqLen], 'mask'),
          y, batch, seqLen, hidden, mode, normalize,
        })]);
        return [compare(await ctx.read(y), poolRef({ x, mask, batch, seqLen, hidden, mode, normalize }), undefined, 'y')];
      },
    };
  })));
}
