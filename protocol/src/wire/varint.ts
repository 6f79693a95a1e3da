// QUIC-style variable-length integers (RFC 9000 §16), used by acknowledgement and close frames (SPEC.md §4.1).
import { FerryError } from '../errors/ferry-error.js'

/** Largest value a varint can carry (2^53 − 1 here: JavaScript numbers stay exact). */
export const VARINT_MAX = Number.MAX_SAFE_INTEGER

/** Bytes needed to encode `value`. */
export function varintSize (value: number): number {
  if (value < 0x40) return 1
  if (value < 0x4000) return 2
  if (value < 0x40000000) return 4
  return 8
}

/** Writes `value` at `offset`, returns the offset after it. Throws on a negative or non-integer value (API misuse). */
export function writeVarint (buf: Uint8Array, offset: number, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint out of range: ${value}`)
  if (value < 0x40) { buf[offset] = value; return offset + 1 }
  if (value < 0x4000) { buf[offset] = 0x40 | (value >>> 8); buf[offset + 1] = value & 0xff; return offset + 2 }
  if (value < 0x40000000) {
    buf[offset] = 0x80 | (value >>> 24); buf[offset + 1] = (value >>> 16) & 0xff
    buf[offset + 2] = (value >>> 8) & 0xff; buf[offset + 3] = value & 0xff
    return offset + 4
  }
  const high = Math.floor(value / 0x100000000)
  const low = value >>> 0
  buf[offset] = 0xc0 | (high >>> 24); buf[offset + 1] = (high >>> 16) & 0xff
  buf[offset + 2] = (high >>> 8) & 0xff; buf[offset + 3] = high & 0xff
  buf[offset + 4] = low >>> 24; buf[offset + 5] = (low >>> 16) & 0xff
  buf[offset + 6] = (low >>> 8) & 0xff; buf[offset + 7] = low & 0xff
  return offset + 8
}

/** A cursor that reads varints and fixed fields, raising FERRY_PROTOCOL_DECODE on any truncation. */
export class WireReader {
  offset: number
  constructor (readonly buf: Uint8Array, offset = 0, readonly end = buf.length) { this.offset = offset }

  get remaining (): number { return this.end - this.offset }

  private need (bytes: number): void {
    if (this.offset + bytes > this.end) throw new FerryError('FERRY_PROTOCOL_DECODE', 'datagram truncated', { statusCode: 400 })
  }

  u8 (): number { this.need(1); return this.buf[this.offset++]! }

  varint (): number {
    this.need(1)
    const first = this.buf[this.offset]!
    const len = 1 << (first >>> 6)
    this.need(len)
    let value = first & 0x3f
    for (let i = 1; i < len; i++) value = value * 256 + this.buf[this.offset + i]!
    this.offset += len
    if (value > VARINT_MAX) throw new FerryError('FERRY_PROTOCOL_DECODE', 'varint too large', { statusCode: 400 })
    return value
  }

  bytes (length: number): Uint8Array {
    this.need(length)
    const out = this.buf.subarray(this.offset, this.offset + length)
    this.offset += length
    return out
  }
}
