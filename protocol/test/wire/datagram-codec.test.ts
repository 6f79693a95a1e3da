// Codec: every frame type round-trips; every truncated prefix and random bytes give a coded decode error, never another exception; the version 2 header and its overhead budget.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import {
  DATA_FRAME_HEADER_BYTES, HEADER_BYTES, MAX_DATAGRAM_BYTES, MAX_PAYLOAD_BYTES, PAYLOAD_FRACTION, PacketType, TAG_BYTES,
  peekShortConnectionId, readBody, readHeader, shortConnectionId, writeBody, writeHeader, maxBodyBytes, type Frame
} from '../../src/wire/datagram-codec.js'

const frames: Frame[] = [
  { type: PacketType.Hello, senderRole: 'sender', reply: false, resuming: true, firstFlight: false, suites: 3 },
  { type: PacketType.Hello, senderRole: 'sender', reply: false, resuming: false, firstFlight: true, suites: 1 },
  { type: PacketType.Data, globalOffset: 2 ** 48 - 1, payload: new Uint8Array(MAX_PAYLOAD_BYTES).fill(9) },
  { type: PacketType.Data, globalOffset: 2 ** 32 + 1437, payload: new Uint8Array(1).fill(1) },
  {
    type: PacketType.Ack, largestPacketNumber: 2 ** 40, ackDelayMs: 1.25, receiveRateBitsPerSec: 987_654_000, oneWayDelayMs: [-3.5, 12.01], sync: true, cumulativeBytes: 1000,
    segments: [{ fromBytes: 1000, toBytes: 9000, received: [[1500, 2000], [3000, 9000]] }, { fromBytes: 20_000, toBytes: 2 ** 48 - 1, received: [] }]
  },
  { type: PacketType.Close, code: 'FERRY_PROTOCOL_INTEGRITY', message: 'SHA-256 mismatch for a/b' },
  { type: PacketType.Ping, id: 77 },
  { type: PacketType.Pong, id: 0 }
]

function encode (frame: Frame): Uint8Array {
  const buf = new Uint8Array(maxBodyBytes(frame))
  return buf.subarray(0, writeBody(buf, 0, frame))
}

function codeOf (fn: () => unknown): string | undefined {
  try { fn() } catch (err) { return (err as { code?: string }).code ?? 'uncoded: ' + String(err) }
  return undefined
}

describe('datagram codec', () => {
  it.each(frames.map(f => [f.type, f] as const))('round-trips frame type %i', (_type, frame) => {
    expect(readBody(frame.type, encode(frame))).toEqual(frame)
  })

  it.each(frames.map(f => [f.type, f] as const))('refuses every truncated prefix of frame type %i with FERRY_PROTOCOL_DECODE', (_type, frame) => {
    const bytes = encode(frame)
    for (let len = 0; len < bytes.length; len++) {
      if (frame.type === PacketType.Data && len > DATA_FRAME_HEADER_BYTES) continue // a shorter payload is still a valid data frame
      expect(codeOf(() => readBody(frame.type, bytes.subarray(0, len)))).toBe('FERRY_PROTOCOL_DECODE')
    }
  })

  it('round-trips headers and refuses short or foreign ones', () => {
    const buf = new Uint8Array(HEADER_BYTES + TAG_BYTES)
    const header = { type: PacketType.Ack, shortConnectionId: 0xabcdef01, packetNumber: 0xfffffffe, timestampTicks: 0xfffffffe } as const
    writeHeader(buf, header)
    expect(buf[0]! >>> 6).toBe(2)
    expect(readHeader(buf)).toEqual(header)
    expect(peekShortConnectionId(buf)).toBe(0xabcdef01)
    for (let len = 0; len < buf.length; len++) {
      expect(codeOf(() => readHeader(buf.subarray(0, len)))).toBe('FERRY_PROTOCOL_DECODE')
      expect(peekShortConnectionId(buf.subarray(0, len))).toBeUndefined()
    }
    buf[0] = 0x00
    expect(codeOf(() => readHeader(buf))).toBe('FERRY_PROTOCOL_DECODE')
  })

  it('writes the low 32 bits of a packet number and of a connection id', () => {
    const buf = new Uint8Array(HEADER_BYTES + TAG_BYTES)
    writeHeader(buf, { type: PacketType.Data, shortConnectionId: shortConnectionId('0123456789abcdef'), packetNumber: 5 * 2 ** 32 + 7, timestampTicks: 0 })
    expect(readHeader(buf)).toMatchObject({ shortConnectionId: 0x89abcdef, packetNumber: 7 })
  })

  it('refuses a version 1 header (there is no installed base to stay compatible with)', () => {
    const buf = new Uint8Array(HEADER_BYTES + TAG_BYTES)
    writeHeader(buf, { type: PacketType.Data, shortConnectionId: 1, packetNumber: 1, timestampTicks: 1 })
    buf[0] = (1 << 6) | PacketType.Data
    expect(codeOf(() => readHeader(buf))).toBe('FERRY_PROTOCOL_DECODE')
  })

  it('spends 35 bytes per full data datagram: 1437 payload bytes in 1500 on the wire', () => {
    expect(HEADER_BYTES + DATA_FRAME_HEADER_BYTES + TAG_BYTES).toBe(35)
    expect(MAX_PAYLOAD_BYTES).toBe(1437)
    expect(PAYLOAD_FRACTION).toBeCloseTo(0.958, 4)
    const frame: Frame = { type: PacketType.Data, globalOffset: 0, payload: new Uint8Array(MAX_PAYLOAD_BYTES) }
    expect(HEADER_BYTES + maxBodyBytes(frame) + TAG_BYTES).toBe(MAX_DATAGRAM_BYTES)
  })

  it('decodes arbitrary bytes to a frame or a coded error, never anything else (fuzz)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.uint8Array({ maxLength: 200 }), (type, bytes) => {
      const code = codeOf(() => readBody(type as PacketType, bytes))
      expect(code === undefined || code === 'FERRY_PROTOCOL_DECODE').toBe(true)
    }), { numRuns: 5000 })
  })

  it('round-trips random acknowledgements (property)', () => {
    const ranges = fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1000 })), { maxLength: 40 })
    fc.assert(fc.property(fc.nat(), fc.array(ranges, { maxLength: 4 }), fc.array(fc.integer({ min: -100_000, max: 100_000 }), { maxLength: 4 }), (cumulative, segs, delays) => {
      let cursor = cumulative
      const segments = segs.map(list => {
        const from = cursor
        const received: Array<[number, number]> = []
        for (const [gap, len] of list) { const s = cursor + gap + (received.length > 0 ? 1 : 0); received.push([s, s + len]); cursor = s + len }
        cursor += 7
        return { fromBytes: from, toBytes: cursor, received }
      })
      const frame: Frame = { type: PacketType.Ack, largestPacketNumber: cumulative, ackDelayMs: 0.5, receiveRateBitsPerSec: 1000, oneWayDelayMs: delays.map(d => d / 100), sync: false, cumulativeBytes: cumulative, segments }
      expect(readBody(PacketType.Ack, encode(frame))).toEqual(frame)
    }), { numRuns: 500 })
  })
})
