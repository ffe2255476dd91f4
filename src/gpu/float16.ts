/**
 * Bit-exact conversions between float32 and the two 16-bit float formats checkpoints use.
 * Widening (f16/bf16 → f32) is exact: every 16-bit value is representable in f32. Narrowing rounds to
 * nearest, ties to even, as PyTorch's `.half()` / `.bfloat16()` do, so a file we write matches one
 * PyTorch would write. NaN stays NaN (quiet); ±Inf and ±0 keep their sign.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Bits of an IEEE binary16 → the f32 with the same value. */
export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0; // Inf, NaN (payload kept)
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0; // 112 = 127 - 15
  if (mant === 0) return sign >>> 0;
  // Subnormal half (mant · 2^-24): normalise so the leading 1 becomes the implicit bit.
  let e = 113; // exponent of 2^-14 in f32 bias, decremented per shift
  let m = mant;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/** f32 bits → binary16 bits, round to nearest even; overflow goes to ±Inf. */
export function f32BitsToF16Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const abs = x & 0x7fffffff;
  if (abs > 0x7f800000) return sign | 0x7e00 | ((abs >>> 13) & 0x3ff); // NaN, kept quiet
  // 65520 = 0x477ff000 lies halfway between 65504 (max half, odd mantissa) and 65536: ties go up to Inf.
  if (abs >= 0x477ff000) return sign | 0x7c00;
  if (abs < 0x38800000) {
    // Below 2^-14: a half subnormal, mant = round(value · 2^24). Done in f64, where it is exact.
    u32[0] = abs;
    const q = f32[0] * 16777216;
    let r = Math.floor(q);
    const frac = q - r;
    if (frac > 0.5 || (frac === 0.5 && (r & 1) === 1)) r++;
    return sign | r; // r = 1024 is the smallest normal, 0x0400: the carry is correct as is
  }
  let h = (abs - 0x38000000) >>> 13; // rebias exponent by -112, drop 13 mantissa bits
  const rest = abs & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++; // carry may bump the exponent: correct
  return sign | h;
}

/** f32 bits → bfloat16 bits (the top half), round to nearest even. */
export function f32BitsToBf16Bits(x: number): number {
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff; // NaN, kept quiet
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

let f16Table: Uint32Array | undefined;

/** All 65536 half → f32 bit patterns, built on first use (256 KiB). */
export function f16ToF32Table(): Uint32Array {
  if (!f16Table) {
    f16Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToF32Bits(h);
  }
  return f16Table;
}

export function f16BitsToNumber(h: number): number {
  u32[0] = f16BitsToF32Bits(h);
  return f32[0];
}

export function numberToF16Bits(v: number): number {
  f32[0] = v;
  return f32BitsToF16Bits(u32[0]);
}

export function numberToBf16Bits(v: number): number {
  f32[0] = v;
  return f32BitsToBf16Bits(u32[0]);
}
