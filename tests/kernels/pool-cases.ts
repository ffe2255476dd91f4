// Sentence-embedding pooling (pool.wgsl) against its float64 twin poolRef: CLS and masked mean, with and
// without L2 normalisation, shapes that break the workgroup (hidden 1, 3, 63, 65, 768), padding tails of
// random length, and a sequence with every token masked (mean pools to zeros, normalised zeros stay zero).
import { MASK_VALUE } from '../../src/kernels/softmax.ts';
import { preparePool, SENTENCE_POOLING_MODES } from '../../src/kernels/pool.ts';
import { compare } from '../../src/reference/compare.ts';
import { poolRef } from '../../src/reference/kernels.ts';
import { Rng } from '../../src/random.ts';
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

/**
 * The other sentence-transformers modes (max, mean_sqrt_len_tokens, weightedmean, lasttoken) on masks with a masked
 * head (a prompt left out of the pooling) and a padded tail, and every mode side by side in one row through
 * y_offset / y_ld, as several pooling modes are concatenated.
 */
export function sentencePoolCases(): KernelCase[] {
  const modes = ['max', 'mean_sqrt_len_tokens', 'weightedmean', 'lasttoken'] as const;
  const shapes: [number, number, number][] = [[3, 17, 64], [2, 40, 63], [4, 5, 65]];
  const masks = (rng: Rng, batch: number, seqLen: number, fullyMasked: boolean) => {
    const mask = new Float32Array(batch * seqLen);
    for (let b = 0; b < batch; b++) {
      const head = rng.int(0, 3);
      const keep = fullyMasked && b === batch - 1 ? 0 : rng.int(head + 1, seqLen + 1);
      for (let s = 0; s < seqLen; s++) if (s < head || s >= keep) mask[b * seqLen + s] = MASK_VALUE;
    }
    return mask;
  };
  const single = shapes.flatMap(([batch, seqLen, hidden], i) => modes.map((mode, j): KernelCase => {
    const seed = 9100 + 4 * i + j;
    return {
      name: `pool ${mode} ${batch}x${seqLen}x${hidden} (masked head and tail${batch >= 3 ? ', a fully masked sequence' : ''})`,
      seed,
      async run(ctx) {
        const rng = new Rng(seed);
        const x = Float32Array.from(rng.normals(batch * seqLen * hidden), (v) => v + 0.5);
        const mask = masks(rng, batch, seqLen, batch >= 3);
        const y = await ctx.output([batch, hidden], 'y');
        await ctx.run([await preparePool(ctx.gpu, ctx.uniforms, {
          x: await ctx.input(x, [batch * seqLen, hidden], 'x'), mask: await ctx.input(mask, [batch, seqLen], 'mask'), y, batch, seqLen, hidden, mode,
        })]);
        return [compare(await ctx.read(y), poolRef({ x, mask, batch, seqLen, hidden, mode }), undefined, 'y')];
      },
    };
  }));
  const all = SENTENCE_POOLING_MODES;
  const concat: KernelCase = {
    name: `pool ${all.join('+')} concatenated 3x11x33`,
    seed: 9199,
    async run(ctx) {
      const [batch, seqLen, hidden] = [3, 11, 33];
      const rng = new Rng(9199);
      const x = Float32Array.from(rng.normals(batch * seqLen * hidden), (v) => v + 0.5);
      const mask = masks(rng, batch, seqLen, false);
      const width = all.length * hidden;
      const y = await ctx.output([batch, width], 'y');
      const [xt, mt] = [await ctx.input(x, [batch * seqLen, hidden], 'x'), await ctx.input(mask, [batch, seqLen], 'mask')];
      await ctx.run(await Promise.all(all.map((mode, k) => preparePool(ctx.gpu, ctx.uniforms, { x: xt, mask: mt, y, batch, seqLen, hidden, mode, yOffset: k * hidden, yLd: width }))));
      const want = new Float64Array(batch * width);
      all.forEach((mode, k) => {
        const part = poolRef({ x, mask, batch, seqLen, hidden, mode });
        for (let b = 0; b < batch; b++) want.set(part.subarray(b * hidden, (b + 1) * hidden), b * width + k * hidden);
      });
      return [compare(await ctx.read(y), want, undefined, 'y')];
    },
  };
  return [...single, concat];
}
