// The parts of the GPU layer that need no GPU: cache keys, preprocessing, uniform packing, grid math,
// binding declarations and the comparison helper.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pipelineKey } from '../../src/gpu/pipeline-cache.ts';
import { preprocess } from '../../src/gpu/shaders.ts';
import { packParams, parseParamFields } from '../../src/gpu/uniforms.ts';
import { grid1d, parseBindings } from '../../src/kernels/kernel.ts';
import { matmulTiled } from '../../src/kernels/matmul.ts';
import { compare, TOLERANCES } from '../../src/reference/compare.ts';
import { geluErf } from '../../src/reference/kernels.ts';

test('pipeline keys are derived from name, constants and defines, independent of key order', () => {
  const a = pipelineKey({ name: 'k', constants: { BM: 64, BN: 32 }, defines: { X: true, TM: 4 } });
  const b = pipelineKey({ name: 'k', constants: { BN: 32, BM: 64 }, defines: { TM: 4, X: true } });
  assert.equal(a, b);
  assert.notEqual(a, pipelineKey({ name: 'k', constants: { BM: 64, BN: 64 }, defines: { X: true, TM: 4 } }));
  assert.notEqual(a, pipelineKey({ name: 'k', constants: { BM: 64, BN: 32 }, defines: { X: false, TM: 4 } }));
});

test('a resolved variant fills defaults and refuses unknown names', () => {
  const { constants, defines } = matmulTiled.resolve({ constants: { BK: 8 }, defines: { HAS_BIAS: true } });
  assert.deepEqual(constants, { BM: 64, BN: 64, BK: 8 });
  assert.equal(defines.HAS_BIAS, true);
  assert.equal(defines.TRANS_B, false);
  assert.throws(() => matmulTiled.resolve({ constants: { BX: 1 } as never }), /unknown constant BX/);
});

test('preprocess: #if on booleans, numbers substituted, unknown names refused', () => {
  const src = 'a\n#if ${ON}\nb\n#else\nc\n#endif\nconst N: u32 = ${N}u;\n';
  assert.equal(preprocess('t.wgsl', src, { ON: true, N: 7 }).replace(/\s+/g, ' ').trim(), 'a b const N: u32 = 7u;');
  assert.equal(preprocess('t.wgsl', src, { ON: false, N: 2 }).replace(/\s+/g, ' ').trim(), 'a c const N: u32 = 2u;');
  assert.throws(() => preprocess('t.wgsl', src, { ON: true }), /t\.wgsl: \$\{N\} has no value/);
});

test('packParams writes u32/i32/f32 little-endian, pads to 16 bytes, and refuses bad values', () => {
  const fields = parseParamFields(['m: u32', 'd: i32', 'eps: f32']);
  const view = new DataView(packParams('k', fields, { m: 3, d: -2, eps: 0.5 }));
  assert.equal(view.byteLength, 16);
  assert.deepEqual([view.getUint32(0, true), view.getInt32(4, true), view.getFloat32(8, true)], [3, -2, 0.5]);
  assert.throws(() => packParams('k', fields, { m: 3, d: 1 }), /param "eps" is missing/);
  assert.throws(() => packParams('k', fields, { m: -1, d: 1, eps: 1 }), /"m" = -1 does not fit u32/);
  assert.throws(() => packParams('k', fields, { m: 1.5, d: 1, eps: 1 }), /does not fit u32/);
  assert.throws(() => packParams('k', fields, { m: 1, d: 1, eps: 1, extra: 2 }), /unknown param "extra"/);
});

test('grid1d splits past 65535 workgroups and always covers the count', () => {
  assert.deepEqual(grid1d(10), [10, 1, 1]);
  assert.deepEqual(grid1d(65535), [65535, 1, 1]);
  for (const n of [65536, 100000, 4_000_000]) {
    const [x, y] = grid1d(n);
    assert.ok(x <= 65535 && x * y >= n && x * (y - 1) < n, `${n} -> ${x}x${y}`);
  }
});

test('binding declarations parse, with optional defines', () => {
  assert.deepEqual(parseBindings('k', ['x: read', 'b: read if HAS_B', 'y: write', 'params: uniform']).map((b) => [b.name, b.access, b.binding, b.when]),
    [['x', 'read', 0, undefined], ['b', 'read', 1, 'HAS_B'], ['y', 'write', 2, undefined], ['params', 'uniform', 3, undefined]]);
  assert.throws(() => parseBindings('k', ['x: readonly']), /binding "x: readonly"/);
});

test('compare: passes close values, fails NaN, far values and a bad norm, and names the worst element', () => {
  const want = Float64Array.from({ length: 100 }, (_, i) => Math.sin(i + 1));
  assert.ok(compare(Float32Array.from(want), want).pass);
  const nan = Float32Array.from(want);
  nan[7] = NaN;
  const r = compare(nan, want);
  assert.ok(!r.pass);
  assert.equal(r.nonFinite, 1);
  assert.equal(r.worst?.index, 7);
  const off = Float32Array.from(want);
  off[42] += 0.01;
  const r2 = compare(off, want);
  assert.ok(!r2.pass && r2.worst?.index === 42 && /\[42\]/.test(r2.message));
  // Small errors everywhere: each element within rtol but the norm over the limit.
  const drift = Float32Array.from(want, (v) => v * (1 + 5e-5));
  assert.ok(!compare(drift, want, TOLERANCES.fp32).pass);
  assert.ok(compare(drift, want, TOLERANCES.model).pass);
  assert.ok(!compare(new Float32Array(3), new Float64Array(4)).pass);
});

test('reference GELU: known values of the exact erf form', () => {
  // gelu(x) = 0.5 * x * erfc(-x / sqrt 2), from tabulated values: erf(1/sqrt 2) = 0.682689492137086,
  // erfc(5) = 1.5374597944280349e-12 (so x = -5 sqrt 2 probes the far tail in relative terms).
  assert.ok(Math.abs(geluErf(1) - 0.5 * (1 + 0.682689492137086)) < 1e-15);
  const x = -5 * Math.SQRT2;
  assert.ok(Math.abs(geluErf(x) / (0.5 * x * 1.5374597944280349e-12) - 1) < 1e-13);
});
