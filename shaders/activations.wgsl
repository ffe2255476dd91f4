// Shared snippet: the activations of BERT-family models, the two GELU forms, tanh (the pooler) and SiLU.
//
// gelu_erf (hidden_act "gelu") is 0.5*x*(1 + erf(x/sqrt2)). WGSL has no erf, and the usual
// Abramowitz-Stegun erf has an absolute error of 1e-7, which is a large relative error of gelu for
// x < -4 where 1 + erf is tiny. So we write gelu as 0.5*x*erfc(-x/sqrt2) and use the Chebyshev fit of
// erfc from Numerical Recipes (erfcc), whose relative error is below 1.2e-7 for every argument: gelu keeps
// fp32 precision on both tails, not only near zero.
//
// gelu_tanh (gelu_new, gelu_pytorch_tanh) is 0.5*x*(1 + tanh(u)), u = sqrt(2/pi)*(x + 0.044715*x^3).
// We use the identity 0.5*(1 + tanh(u)) = 1/(1 + exp(-2u)): no tanh overflow for large |x|, and the
// exponent is clamped so exp never reaches infinity (WGSL lets implementations assume no infinities).

fn erfc_approx(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  let r = t * exp(-z * z + poly);
  return select(2.0 - r, r, x >= 0.0);
}

fn gelu_erf(x: f32) -> f32 {
  return 0.5 * x * erfc_approx(-0.70710678118654752 * x);
}

fn gelu_tanh(x: f32) -> f32 {
  let u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
  return x / (1.0 + exp(min(-2.0 * u, 80.0)));
}

// tanh without the overflow of exp(2x) for large |x| nor the cancellation of (1 - e)/(1 + e) near 0, where
// the pooler's inputs often are: a Taylor polynomial below |x| = 0.125 (next term < 2e-10), the exp form
// (relative error a few ulp) above.
fn tanh_precise(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.125) {
    let x2 = x * x;
    return x * (1.0 + x2 * (-0.33333333333 + x2 * (0.13333333333 - x2 * 0.053968253968)));
  }
  let e = exp(-2.0 * a);
  return sign(x) * (1.0 - e) / (1.0 + e);
}

// SiLU (hidden_act "silu" / "swish"): x * sigmoid(x), written x / (1 + exp(-x)) with the exponent clamped
// as in gelu_tanh, so a large negative x gives -0 rather than an infinity.
fn silu(x: f32) -> f32 {
  return x / (1.0 + exp(min(-x, 80.0)));
}
