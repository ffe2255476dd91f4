import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CheckpointError } from '../../src/errors.ts';
import { f16BitsToNumber, numberToBf16Bits, numberToF16Bits } from '../../src/gpu/float16.ts';
import { MAX_HEADER_BYTES, parseSafetensors, tensorToFloat32, writeSafetensors } from '../../src/model/safetensors.ts';

const FILE = 'bad.safetensors';

/** A file from a header text (or bytes) and `dataLen` zero data bytes; the length prefix may lie. */
function rawFile(header: string | Uint8Array, dataLen = 0, claimedLen?: bigint): Uint8Array {
  const json = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + json.byteLength + dataLen);
  new DataView(out.buffer).setBigUint64(0, claimedLen ?? BigInt(json.byteLength), true);
  out.set(json, 8);
  return out;
}
const tensorsHeader = (entries: Record<string, unknown>) => JSON.stringify(entries);

function assertFails(bytes: Uint8Array, message: string): void {
  assert.throws(
    () => parseSafetensors(bytes, FILE),
    (e: unknown) => {
      assert.ok(e instanceof CheckpointError, `expected CheckpointError, got ${e}`);
      assert.equal(e.message, `${FILE}: ${message}`);
      assert.equal(e.file, FILE);
      assert.ok(!e.message.includes('\n'), 'message must be one line');
      return true;
    },
  );
}

function roundTrip(dtype: 'F32' | 'F16' | 'BF16', values: number[]): Float32Array {
  const bytes = writeSafetensors({ t: { dtype, shape: [values.length], data: new Float32Array(values) } });
  const parsed = parseSafetensors(bytes, 'rt.safetensors');
  return tensorToFloat32(bytes, parsed.tensors.get('t')!, 'rt.safetensors');
}
const storedBits16 = (dtype: 'F16' | 'BF16', values: number[]): number[] => {
  const bytes = writeSafetensors({ t: { dtype, shape: [values.length], data: new Float32Array(values) } });
  const info = parseSafetensors(bytes, 'x').tensors.get('t')!;
  const view = new DataView(bytes.buffer, info.begin);
  return values.map((_, i) => view.getUint16(2 * i, true));
};

describe('float16 conversions', () => {
  test('every half widens to the value of its fields (independent formula)', () => {
    for (let h = 0; h < 65536; h++) {
      const sign = h & 0x8000 ? -1 : 1;
      const exp = (h >> 10) & 0x1f;
      const mant = h & 0x3ff;
      const want =
        exp === 31 ? (mant ? NaN : sign * Infinity)
        : exp === 0 ? sign * mant * 2 ** -24
        : sign * (1 + mant / 1024) * 2 ** (exp - 15);
      assert.ok(Object.is(f16BitsToNumber(h), want), `half 0x${h.toString(16)}: ${f16BitsToNumber(h)} != ${want}`);
      if (!Number.isNaN(want)) assert.equal(numberToF16Bits(want), h, `narrowing 0x${h.toString(16)} back`);
    }
  });

  test('midpoints between neighbouring halves round to the even one, off-midpoints to the nearest', () => {
    for (let h = 0; h < 0x7bff; h++) {
      const a = f16BitsToNumber(h);
      const b = f16BitsToNumber(h + 1);
      const mid = (a + b) / 2; // needs 12 significant bits: exact in f32
      assert.equal(numberToF16Bits(mid), h % 2 === 0 ? h : h + 1, `tie after 0x${h.toString(16)}`);
      assert.equal(numberToF16Bits(mid + (b - a) / 64), h + 1);
      assert.equal(numberToF16Bits(mid - (b - a) / 64), h);
    }
  });

  test('bfloat16 ties to even and keeps NaN quiet', () => {
    assert.equal(numberToBf16Bits(1 + 2 ** -8), 0x3f80); // tie, 1.0 is even
    assert.equal(numberToBf16Bits(1 + 3 * 2 ** -8), 0x3f82); // tie, rounds up to even
    assert.equal(numberToBf16Bits(1 + 2 ** -8 + 2 ** -20), 0x3f81);
    assert.equal(numberToBf16Bits(NaN) & 0x7fc0, 0x7fc0);
  });
});

describe('writeSafetensors → parseSafetensors round trip', () => {
  test('F32 keeps every bit, including subnormals, infinities, -0 and NaN', () => {
    const values = [0, -0, 1, -1.5, 3.4028234663852886e38, 1.401298464324817e-45, 1.1754942106924411e-38, Infinity, -Infinity, NaN, Math.fround(0.1)];
    const got = roundTrip('F32', values);
    values.forEach((v, i) => assert.ok(Object.is(got[i], v), `${i}: ${got[i]} != ${v}`));
  });

  test('F16 rounds to nearest even and widens back exactly', () => {
    const cases: [number, number, number][] = [
      // [value written, half bits stored, value read back]
      [1, 0x3c00, 1],
      [-2, 0xc000, -2],
      [65504, 0x7bff, 65504], // largest half
      [65519.99609375, 0x7bff, 65504], // just below the tie with 65536
      [65520, 0x7c00, Infinity], // tie: 65504 is odd, so it goes to Inf
      [1e6, 0x7c00, Infinity],
      [2 ** -14, 0x0400, 2 ** -14], // smallest normal
      [2 ** -14 - 2 ** -24, 0x03ff, 2 ** -14 - 2 ** -24], // largest subnormal
      [2 ** -24, 0x0001, 2 ** -24], // smallest subnormal
      [2 ** -25, 0x0000, 0], // tie between 0 and 2^-24: 0 is even
      [3 * 2 ** -25, 0x0002, 2 ** -23], // tie between 1·2^-24 and 2·2^-24: 2 is even
      [2 ** -26, 0x0000, 0],
      [1 + 2 ** -11, 0x3c00, 1], // tie, even mantissa kept
      [1 + 3 * 2 ** -11, 0x3c02, 1 + 2 ** -9], // tie, rounds up to even
      [Math.fround(0.1), 0x2e66, 0.0999755859375],
      [-0, 0x8000, -0],
      [Infinity, 0x7c00, Infinity],
      [-Infinity, 0xfc00, -Infinity],
    ];
    const values = cases.map((c) => c[0]);
    assert.deepEqual(storedBits16('F16', values).map((b) => b.toString(16)), cases.map((c) => c[1].toString(16)));
    const got = roundTrip('F16', values);
    cases.forEach(([v, , want], i) => assert.ok(Object.is(got[i], want), `${v}: read ${got[i]}, want ${want}`));
    assert.ok(Number.isNaN(roundTrip('F16', [NaN])[0]));
  });

  test('BF16 rounds to nearest even and widens back exactly', () => {
    const maxF32 = 3.4028234663852886e38;
    const cases: [number, number, number][] = [
      [1, 0x3f80, 1],
      [1 + 2 ** -8, 0x3f80, 1], // tie → even
      [1 + 3 * 2 ** -8, 0x3f82, 1 + 2 ** -6], // tie → even (up)
      [Math.fround(0.1), 0x3dcd, 0.10009765625],
      [maxF32, 0x7f80, Infinity], // rounds past the largest bf16
      [1.401298464324817e-45, 0x0000, 0], // f32 subnormal below half the bf16 step
      [2 ** -133, 0x0001, 2 ** -133], // smallest bf16 subnormal
      [-0, 0x8000, -0],
      [-Infinity, 0xff80, -Infinity],
    ];
    assert.deepEqual(storedBits16('BF16', cases.map((c) => c[0])).map((b) => b.toString(16)), cases.map((c) => c[1].toString(16)));
    const got = roundTrip('BF16', cases.map((c) => c[0]));
    cases.forEach(([v, , want], i) => assert.ok(Object.is(got[i], want), `${v}: read ${got[i]}, want ${want}`));
    assert.ok(Number.isNaN(roundTrip('BF16', [NaN])[0]));
  });

  test('layout: padded header, metadata, sorted names, back-to-back offsets, unaligned start', () => {
    const bytes = writeSafetensors(
      {
        zeta: { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
        alpha: { dtype: 'BF16', shape: [3], data: new Float32Array([1, 2, 3]) },
        empty: { dtype: 'F16', shape: [0, 4], data: new Float32Array(0) },
        'ünïcode': { dtype: 'F16', shape: [1], data: new Float32Array([0.5]) },
        ids: { dtype: 'I64', shape: [2], bytes: new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]) },
      },
      { format: 'pt' },
    );
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal(headerLen % 8, 0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLen));
    assert.match(text, /^\{"__metadata__":\{"format":"pt"\},"alpha":/);
    assert.match(text, /\} *$/);

    // Copy to an odd offset inside a larger buffer: nothing may assume alignment.
    const shifted = new Uint8Array(bytes.byteLength + 3).subarray(3);
    shifted.set(bytes);
    const parsed = parseSafetensors(shifted, 'x.safetensors');
    assert.deepEqual(parsed.metadata, { format: 'pt' });
    assert.equal(parsed.dataStart, 8 + headerLen);
    const layout = [...parsed.tensors.values()].map((t) => [t.name, t.dtype, t.begin - parsed.dataStart, t.end - parsed.dataStart]);
    assert.deepEqual(layout, [
      ['alpha', 'BF16', 0, 6],
      ['empty', 'F16', 6, 6],
      ['ids', 'I64', 6, 22],
      ['zeta', 'F32', 22, 46],
      ['ünïcode', 'F16', 46, 48],
    ]);
    const read = (name: string) => [...tensorToFloat32(shifted, parsed.tensors.get(name)!, 'x.safetensors')];
    assert.deepEqual(read('zeta'), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(read('alpha'), [1, 2, 3]);
    assert.deepEqual(read('empty'), []);
    assert.deepEqual(read('ünïcode'), [0.5]);
    assert.deepEqual(parsed.tensors.get('zeta')!.shape, [2, 3]);
  });

  test('F64 is read rounded to f32; integer dtypes are refused', () => {
    const f64 = new Float64Array([0.1, 1 / 3, 1e300, -2.5]);
    const bytes = writeSafetensors({
      d: { dtype: 'F64', shape: [4], bytes: new Uint8Array(f64.buffer) },
      i: { dtype: 'I64', shape: [1], bytes: new Uint8Array(8) },
    });
    const parsed = parseSafetensors(bytes, 'm.safetensors');
    assert.deepEqual([...tensorToFloat32(bytes, parsed.tensors.get('d')!, 'm.safetensors')], [...f64].map(Math.fround));
    assert.throws(() => tensorToFloat32(bytes, parsed.tensors.get('i')!, 'm.safetensors'), {
      name: 'CheckpointError',
      message: 'm.safetensors: tensor "i" has dtype I64; only F32, F16, BF16 and F64 load as weights',
    });
  });

  test('the writer refuses data that does not match the shape', () => {
    assert.throws(() => writeSafetensors({ t: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } }), {
      name: 'RangeError',
      message: 'writeSafetensors: tensor "t" has 12 bytes of F32, shape [2,2] needs 16',
    });
  });
});

describe('parseSafetensors rejects malformed files, one line each', () => {
  const t = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

  test('file and header length', () => {
    assertFails(new Uint8Array(5), 'file is 5 bytes, shorter than the 8-byte header length prefix');
    assertFails(rawFile('{}', 0, BigInt(MAX_HEADER_BYTES + 1)), 'header length 100000001 exceeds the 100000000-byte limit');
    assertFails(rawFile('{}', 0, 2n ** 64n - 1n), 'header length 18446744073709551615 exceeds the 100000000-byte limit');
    assertFails(rawFile('{}'.padEnd(1226), 0, 9999999n), 'header length 9999999 runs past the end of the file (1234 bytes)');
  });

  test('header encoding and JSON', () => {
    assertFails(rawFile(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 'header is not valid UTF-8');
    assertFails(rawFile(' {}'), 'header is not a JSON object: it starts with " {}"');
    assertFails(rawFile('[1,2]'), 'header is not a JSON object: it starts with "[1,2]"');
    assertFails(rawFile(''), 'header is not a JSON object: it starts with ""');
    assert.throws(() => parseSafetensors(rawFile('{"a": '), FILE), (e: Error) => {
      assert.match(e.message, /^bad\.safetensors: header is not valid JSON: [^\n]+$/);
      return true;
    });
  });

  test('__metadata__', () => {
    assertFails(rawFile('{"__metadata__": [1]}'), '"__metadata__" must be an object of strings, got [1]');
    assertFails(rawFile('{"__metadata__": {"format": 1}}'), '"__metadata__" value "format" must be a string, got 1');
    assert.deepEqual(parseSafetensors(rawFile('{"__metadata__": null}'), FILE).metadata, {});
  });

  test('tensor entry fields and types', () => {
    const one = (entry: unknown, dataLen = 0) => rawFile(tensorsHeader({ w: entry }), dataLen);
    assertFails(one(5), 'tensor "w": entry must be an object, got 5');
    assertFails(one({ shape: [1], data_offsets: [0, 4] }, 4), 'tensor "w": missing "dtype"');
    assertFails(one({ dtype: 'F32', data_offsets: [0, 4] }, 4), 'tensor "w": missing "shape"');
    assertFails(one({ dtype: 'F32', shape: [1] }, 4), 'tensor "w": missing "data_offsets"');
    assertFails(one(t(7 as never, [1], [0, 4]), 4), 'tensor "w": "dtype" must be a string, got 7');
    assertFails(one(t('F17', [1], [0, 4]), 4), 'tensor "w": unknown dtype "F17"');
    assertFails(one(t('f32', [1], [0, 4]), 4), 'tensor "w": unknown dtype "f32"');
    assertFails(one(t('F32', [2, -1], [0, 4]), 4), 'tensor "w": "shape" must be an array of non-negative integers, got [2,-1]');
    assertFails(one(t('F32', [1.5], [0, 4]), 4), 'tensor "w": "shape" must be an array of non-negative integers, got [1.5]');
    assertFails(one(t('F32', 4, [0, 4]), 4), 'tensor "w": "shape" must be an array of non-negative integers, got 4');
    assertFails(one(t('F32', [1], [0, 4, 8]), 4), 'tensor "w": "data_offsets" must be two non-negative integers [begin, end], got [0,4,8]');
    assertFails(one(t('F32', [1], [-4, 0]), 4), 'tensor "w": "data_offsets" must be two non-negative integers [begin, end], got [-4,0]');
    assertFails(one(t('F32', [1], ['0', 4]), 4), 'tensor "w": "data_offsets" must be two non-negative integers [begin, end], got ["0",4]');
    // Past 2^53 a JSON number is no longer an exact integer in JS: refused rather than rounded.
    assertFails(
      rawFile('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,9007199254740993]}}', 4),
      'tensor "w": "data_offsets" must be two non-negative integers [begin, end], got [0,9007199254740992]',
    );
  });

  test('offsets against the byte buffer and the shape', () => {
    const one = (entry: unknown, dataLen: number) => rawFile(tensorsHeader({ w: entry }), dataLen);
    assertFails(one(t('F32', [1], [8, 4]), 8), 'tensor "w": data_offsets [8,4] end before begin');
    assertFails(one(t('F32', [100], [0, 400]), 256), 'tensor "w": data_offsets [0,400] run past the end of the byte buffer (256 bytes)');
    assertFails(one(t('F32', [2, 2], [0, 12]), 12), 'tensor "w": data_offsets [0,12] hold 12 bytes, but shape [2,2] of F32 needs 16');
    assertFails(one(t('BF16', [3], [0, 12]), 12), 'tensor "w": data_offsets [0,12] hold 12 bytes, but shape [3] of BF16 needs 6');
    assertFails(one(t('F32', [2 ** 30, 2 ** 30, 2 ** 30], [0, 4]), 4), 'tensor "w": shape [1073741824,1073741824,1073741824] has too many elements');
  });

  test('tensors must tile the byte buffer: overlap, gaps, trailing bytes', () => {
    const file = (entries: Record<string, unknown>, dataLen: number) => rawFile(tensorsHeader(entries), dataLen);
    assertFails(
      file({ a: t('F32', [2], [0, 8]), b: t('F32', [2], [4, 12]) }, 12),
      'tensor "b" (data_offsets [4,12]) overlaps tensor "a" (data_offsets [0,8])',
    );
    assertFails(
      file({ a: t('F32', [2], [0, 8]), b: t('F32', [2], [0, 8]) }, 8),
      'tensor "b" (data_offsets [0,8]) overlaps tensor "a" (data_offsets [0,8])',
    );
    assertFails(
      file({ a: t('F32', [1], [0, 4]), b: t('F32', [1], [8, 12]) }, 12),
      'gap in the byte buffer: bytes [4,8) before tensor "b" belong to no tensor',
    );
    assertFails(file({ a: t('F32', [1], [4, 8]) }, 8), 'gap in the byte buffer: bytes [0,4) before tensor "a" belong to no tensor');
    assertFails(file({ a: t('F32', [1], [0, 4]) }, 6), 'gap in the byte buffer: bytes [4,6) after the last tensor belong to no tensor');
    assertFails(file({}, 2), 'gap in the byte buffer: bytes [0,2) after the last tensor belong to no tensor');
    // Listed out of order but contiguous, with a zero-size tensor in between: valid.
    const ok = parseSafetensors(file({ b: t('F32', [1], [4, 8]), z: t('F32', [0], [4, 4]), a: t('F32', [1], [0, 4]) }, 8), FILE);
    assert.deepEqual([...ok.tensors.keys()], ['b', 'z', 'a']);
  });
});
