/**
 * A minimal protocol-buffers writer: the wire format (https://protobuf.dev/programming-guides/encoding/)
 * for the field kinds ONNX's ModelProto uses — varints (int32/int64/enum, negatives as 10-byte two's
 * complement), fixed32 floats, length-delimited strings, bytes and nested messages, packed repeated varints.
 *
 * Messages are built as trees and measured before they are written, because a nested message's length
 * prefix comes before its bytes. Large byte fields can be lazy (produced while writing, e.g. a transposed
 * weight), and `chunks()` yields the encoding piece by piece, so a 400 MB model is never one extra buffer.
 * Browser-safe: no node:* imports.
 */

/** Bytes whose length is known now and whose content is made only when the message is written. */
export interface LazyBytes {
  readonly byteLength: number;
  bytes(): Uint8Array;
}

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;
const MAX_FIELD_NUMBER = 2 ** 29 - 1;
const UINT64_LIMIT = 1n << 64n;

/** A varint's bytes. Negative integers are their 64-bit two's complement (int32/int64 semantics: 10 bytes). */
export function encodeVarint(value: number | bigint): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`protobuf varint: ${value} is not a safe integer (pass a bigint)`);
  }
  let v = BigInt(value);
  if (v < 0n) {
    if (v < -(1n << 63n)) throw new RangeError(`protobuf varint: ${value} is below the int64 range`);
    v = BigInt.asUintN(64, v);
  }
  if (v >= UINT64_LIMIT) throw new RangeError(`protobuf varint: ${value} is above the uint64 range`);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

function tag(field: number, wireType: number): Uint8Array {
  if (!Number.isInteger(field) || field < 1 || field > MAX_FIELD_NUMBER) {
    throw new RangeError(`protobuf: field number ${field} is not an integer in [1, ${MAX_FIELD_NUMBER}]`);
  }
  return encodeVarint(field * 8 + wireType);
}

type Part = Uint8Array | LazyBytes | ProtoMessage;

const utf8 = new TextEncoder();

/** One message under construction: fields are appended in call order (the order they are written). */
export class ProtoMessage {
  private readonly parts: Part[] = [];
  private cachedLength: number | undefined;

  private push(...parts: Part[]): this {
    this.parts.push(...parts);
    this.cachedLength = undefined;
    return this;
  }

  /** int32, int64, uint64 or enum. */
  varint(field: number, value: number | bigint): this {
    return this.push(tag(field, WIRE_VARINT), encodeVarint(value));
  }

  /** float (fixed32, little-endian IEEE 754 single). */
  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.push(tag(field, WIRE_FIXED32), b);
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  bytes(field: number, value: Uint8Array | LazyBytes): this {
    return this.push(tag(field, WIRE_LENGTH_DELIMITED), encodeVarint(value.byteLength), value);
  }

  message(field: number, value: ProtoMessage): this {
    // The length prefix is measured when written: the child may still grow until then.
    return this.push(tag(field, WIRE_LENGTH_DELIMITED), value);
  }

  /** A packed repeated varint field (proto3's default for repeated scalars): one tag, one length. */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    const encoded = values.map(encodeVarint);
    const body = new Uint8Array(encoded.reduce((n, e) => n + e.length, 0));
    let at = 0;
    for (const e of encoded) {
      body.set(e, at);
      at += e.length;
    }
    return this.bytes(field, body);
  }

  /** Encoded size in bytes (nested messages included, without this message's own tag and length). */
  get byteLength(): number {
    if (this.cachedLength === undefined) {
      let n = 0;
      for (const p of this.parts) n += p instanceof ProtoMessage ? encodeVarint(p.byteLength).length + p.byteLength : p.byteLength;
      this.cachedLength = n;
    }
    return this.cachedLength;
  }

  /** The encoding in order, as views and freshly made lazy bytes: concatenated they are the message. */
  *chunks(): Generator<Uint8Array> {
    for (const p of this.parts) {
      if (p instanceof ProtoMessage) {
        yield encodeVarint(p.byteLength);
        yield* p.chunks();
      } else if (p instanceof Uint8Array) {
        yield p;
      } else {
        const b = p.bytes();
        if (b.byteLength !== p.byteLength) throw new Error(`protobuf: lazy bytes made ${b.byteLength} bytes, announced ${p.byteLength}`);
        yield b;
      }
    }
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(this.byteLength);
    let at = 0;
    for (const c of this.chunks()) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
}
