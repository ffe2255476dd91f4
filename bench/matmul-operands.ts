// The matmul operands and their check, shared by our kernels' bench (bench/kernels.ts) and TF.js's
// tf.matMul (bench/peers/tfjs.ts): both engines multiply the same seeded matrices and are held to the same
// float64 rows of C. A module of its own so that neither bench imports the other.
import { compare, type CompareReport } from '../src/reference/compare.ts';
import { Rng } from '../src/random.ts';

/** A [m, k] and B [n, k] or [k, n] (the same n*k numbers either way), drawn from the shape's seed. */
export function matmulOperands(m: number, n: number, k: number): { A: Float32Array; B: Float32Array } {
  const rng = new Rng(m * 7 + n * 13 + k);
  const A = rng.floats(m * k);
  const B = rng.floats(n * k);
  return { A, B };
}

/** Rows of C checked against a float64 twin: a full reference at 2048^3 would take longer than the benchmark. */
export function checkMatmulRows(m: number, n: number, k: number, A: Float32Array, B: Float32Array, transB: boolean, C: Float32Array): CompareReport {
  const rows = [0, 1, m >> 1, m - 2, m - 1].filter((r, i, all) => r >= 0 && all.indexOf(r) === i);
  const got: number[] = [];
  const want: number[] = [];
  for (const r of rows) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let q = 0; q < k; q++) acc += A[r * k + q] * (transB ? B[j * k + q] : B[q * n + j]);
      want.push(acc);
      got.push(C[r * n + j]);
    }
  }
  return compare(got, want, undefined, `rows ${rows.join(',')} of C`);
}
