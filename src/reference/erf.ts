// erf and erfc in float64 to ~1e-15, for the reference GELU. JavaScript has no Math.erf.
// |x| < 3: the Maclaurin series erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)); its largest term
// at |x| = 3 is ~1e3, so cancellation costs ~3 of 16 digits. |x| >= 3: the continued fraction of erfc
// (Lentz's method), which converges fast there and keeps erfc's relative precision on the tail.

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/** erfc(x) for x >= 3: exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))). */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  // The fraction K = b0 + a1/(b1 + a2/(b2 + ...)) with b = x, a_n = n/2.
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

export function erfc(x: number): number {
  if (x >= 3) return erfcContinuedFraction(x);
  if (x <= -3) return 2 - erfcContinuedFraction(-x);
  return 1 - erfSeries(x);
}

export function erf(x: number): number {
  if (Math.abs(x) < 3) return erfSeries(x);
  return x > 0 ? 1 - erfcContinuedFraction(x) : erfcContinuedFraction(-x) - 1;
}
