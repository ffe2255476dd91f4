// The one comparison helper. An element passes when |got - want| <= atol + rtol * |want|, with atol
// scaled by the reference's RMS (so one table serves values of any magnitude); the whole array passes
// when, in addition, ||got - want|| / ||want|| <= relNorm. NaN or infinity in `got` always fails.

export interface Tolerance {
  /** Bound on ||got - want||_2 / ||want||_2. */
  relNorm: number;
  rtol: number;
  /** atol = atolRms * rms(want). */
  atolRms: number;
}

/** The tolerance table. Change a number here, with the reason next to it. */
export const TOLERANCES = {
  // fp32 kernels vs their float64 twins: rounding alone lands near 1e-7 (GELU's erfc fit adds ~1e-7).
  fp32: { relNorm: 1e-5, rtol: 1e-4, atolRms: 1e-4 },
  // A whole fp32 model vs PyTorch's float64 run: errors of many layers add up (DESIGN.md: <= 1e-4).
  model: { relNorm: 1e-4, rtol: 1e-3, atolRms: 1e-3 },
} as const satisfies Record<string, Tolerance>;

export interface Mismatch { index: number; got: number; want: number }

export interface CompareReport {
  pass: boolean;
  relNorm: number;
  maxAbs: number;
  worst: Mismatch | undefined;
  mismatches: Mismatch[];
  mismatchCount: number;
  nonFinite: number;
  message: string;
}

export function compare(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance = TOLERANCES.fp32, what = 'result'): CompareReport {
  if (got.length !== want.length) {
    const message = `${what}: length ${got.length}, expected ${want.length}`;
    return { pass: false, relNorm: Infinity, maxAbs: Infinity, worst: undefined, mismatches: [], mismatchCount: 0, nonFinite: 0, message };
  }
  let diff2 = 0;
  let want2 = 0;
  for (let i = 0; i < want.length; i++) want2 += want[i] * want[i];
  const rms = Math.sqrt(want2 / Math.max(want.length, 1));
  const atol = tol.atolRms * rms;
  let maxAbs = 0;
  let worst: Mismatch | undefined;
  let worstExcess = -Infinity;
  let nonFinite = 0;
  let mismatchCount = 0;
  const mismatches: Mismatch[] = [];
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    const d = Math.abs(g - w);
    if (!Number.isFinite(g)) nonFinite++;
    else diff2 += d * d;
    if (d > maxAbs || !Number.isFinite(g)) maxAbs = Number.isFinite(g) ? d : Infinity;
    const excess = Number.isFinite(g) ? d - (atol + tol.rtol * Math.abs(w)) : Infinity;
    if (excess > worstExcess) { worstExcess = excess; worst = { index: i, got: g, want: w }; }
    if (excess > 0) {
      mismatchCount++;
      if (mismatches.length < 5) mismatches.push({ index: i, got: g, want: w });
    }
  }
  const relNorm = want2 > 0 ? Math.sqrt(diff2 / want2) : Math.sqrt(diff2);
  const pass = nonFinite === 0 && mismatchCount === 0 && relNorm <= tol.relNorm;
  const fmt = (m: Mismatch) => `[${m.index}] got ${m.got} want ${m.want}`;
  const message = pass
    ? `${what}: ok (rel ${relNorm.toExponential(2)}, max abs ${maxAbs.toExponential(2)}, n ${want.length})`
    : `${what}: FAIL rel ${relNorm.toExponential(2)} (limit ${tol.relNorm}), ${nonFinite} non-finite, ${mismatchCount} of ${want.length} elements out of tolerance; worst ${worst ? fmt(worst) : '-'}; first ${mismatches.map(fmt).join(', ') || '-'}`;
  return { pass, relNorm, maxAbs, worst, mismatches, mismatchCount, nonFinite, message };
}
