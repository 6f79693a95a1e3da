// Encodes and decodes Ferry datagrams: the 13-byte header and the frame bodies (SPEC.md §3, §4). Decoding never trusts lengths.
import { FerryError } from '../errors/ferry-error.js'
import { WireReader, writeVarint } from './varint.js'

/** Version 2 in the top two bits of byte 0 (SPEC.md §3.1); any other version is undecodable. */
export const WIRE_VERSION = 2
/** Connection id bytes on the wire: the low 32 bits of the session's 64-bit id (SPEC.md §3.1). */
export const SHORT_CONNECTION_ID_BYTES = 4
/** flags(1) + short connection id(4) + packet number, low 32 bits(4) + timestamp(4). */
export const HEADER_BYTES = 1 + SHORT_CONNECTION_ID_BYTES + 4 + 4
/** AEAD tag appended to every body. */
export const TAG_BYTES = 16
/** Global offset (u48) in front of every data payload (SPEC.md §4.3). */
export const DATA_FRAME_HEADER_BYTES = 6
/** Largest UDP payload on a 1500-byte MTU (1500 − 20 IPv4 − 8 UDP): Ferry never relies on IP fragmentation. */
export const MAX_DATAGRAM_BYTES = 1472
/** IPv4 + UDP header bytes in front of every datagram on the wire. */
export const IP_UDP_OVERHEAD_BYTES = 28
/** File bytes in a full data datagram: 1472 − 13 − 16 − 6 = 1437 (SPEC.md §3.1). */
export const MAX_PAYLOAD_BYTES = MAX_DATAGRAM_BYTES - HEADER_BYTES - TAG_BYTES - DATA_FRAME_HEADER_BYTES
/** Payload bytes per byte on the wire for full data datagrams, IP and UDP included: 1437 / 1500. */
export const PAYLOAD_FRACTION = MAX_PAYLOAD_BYTES / (MAX_DATAGRAM_BYTES + IP_UDP_OVERHEAD_BYTES)
/** Largest global offset a data frame can carry (48 bits). */
export const MAX_OFFSET_BYTES = 2 ** 48 - 1

export const PacketType = { Hello: 1, Data: 2, Ack: 3, Close: 4, Ping: 5, Pong: 6 } as const
export type PacketType = typeof PacketType[keyof typeof PacketType]

export interface PacketHeader {
  type: PacketType
  /** The low 32 bits of the session's connection id (shortConnectionId). */
  shortConnectionId: number
  /**
   * writeHeader writes the low 32 bits of the full number; readHeader returns those 32 bits, from which the session
   * reconstructs the full number (decodePacketNumber, SPEC.md §3.2).
   */
  packetNumber: number
  /** Sender's clock in 10 µs ticks, modulo 2^32 (SPEC.md §3.3). */
  timestampTicks: number
}

/** `firstFlight`: the initiating sender sends data right behind this hello, under ChaCha20-Poly1305 (SPEC.md §4.2.1). */
export interface HelloFrame { type: typeof PacketType.Hello, senderRole: 'sender' | 'receiver', reply: boolean, resuming: boolean, firstFlight: boolean, suites: number }
/** `globalOffset`: where the payload lies in the session's byte space (SPEC.md §5.1). */
export interface DataFrame { type: typeof PacketType.Data, globalOffset: number, payload: Uint8Array }
export interface AckSegment { fromBytes: number, toBytes: number, received: Array<[number, number]> }
export interface AckFrame {
  type: typeof PacketType.Ack
  largestPacketNumber: number
  ackDelayMs: number
  receiveRateBitsPerSec: number
  /** Relative one-way delay samples (ms); only differences are meaningful. */
  oneWayDelayMs: number[]
  /** Part of a full-state description sent at session start or resume (SPEC.md §5.4). */
  sync: boolean
  /** Every byte below this has been received. */
  cumulativeBytes: number
  /** Within each [fromBytes, toBytes), bytes not listed in `received` are missing (NACK). */
  segments: AckSegment[]
}
export interface CloseFrame { type: typeof PacketType.Close, code: string, message: string }
export interface PingFrame { type: typeof PacketType.Ping, id: number }
export interface PongFrame { type: typeof PacketType.Pong, id: number }
export type Frame = HelloFrame | DataFrame | AckFrame | CloseFrame | PingFrame | PongFrame

function decodeError (message: string): FerryError {
  return new FerryError('FERRY_PROTOCOL_DECODE', message, { statusCode: 400 })
}

/** The connection id's short form on the wire: the low 32 bits of the 16-hex-character id (SPEC.md §3.1). */
export function shortConnectionId (connectionIdHex: string): number {
  return Number.parseInt(connectionIdHex.slice(-2 * SHORT_CONNECTION_ID_BYTES), 16)
}

/** Writes the header at offset 0 of `buf`. */
export function writeHeader (buf: Uint8Array, header: PacketHeader): void {
  buf[0] = (WIRE_VERSION << 6) | header.type
  writeU32(buf, 1, header.shortConnectionId)
  writeU32(buf, 5, header.packetNumber)
  writeU32(buf, 9, header.timestampTicks)
}

/** Reads and checks the header; throws FERRY_PROTOCOL_DECODE on a short datagram, another version or an unknown type. */
export function readHeader (buf: Uint8Array): PacketHeader {
  if (buf.length < HEADER_BYTES + TAG_BYTES) throw decodeError('datagram shorter than header and tag')
  const flags = buf[0]!
  if (flags >>> 6 !== WIRE_VERSION) throw decodeError('unknown wire version')
  if ((flags & 0x30) !== 0) throw decodeError('reserved header bits set')
  const type = flags & 0x0f
  if (type < 1 || type > 6) throw decodeError('unknown packet type')
  return { type: type as PacketType, shortConnectionId: readU32(buf, 1), packetNumber: readU32(buf, 5), timestampTicks: readU32(buf, 9) }
}

/** The short connection id (the driver's demultiplexing key) without decoding the rest; undefined when too short to be a datagram. */
export function peekShortConnectionId (buf: Uint8Array): number | undefined {
  if (buf.length < HEADER_BYTES + TAG_BYTES) return undefined
  return readU32(buf, 1)
}

function readU32 (buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) >>> 0) + (buf[at + 1]! << 16) + (buf[at + 2]! << 8) + buf[at + 3]!
}

/** Writes the low 32 bits of `value` (any safe integer: `>>> 0` keeps them), big-endian. */
function writeU32 (buf: Uint8Array, at: number, value: number): void {
  const v = value >>> 0
  buf[at] = v >>> 24; buf[at + 1] = (v >>> 16) & 0xff; buf[at + 2] = (v >>> 8) & 0xff; buf[at + 3] = v & 0xff
}

/** Upper bound on a body's encoded size, so callers can size buffers. */
export function maxBodyBytes (frame: Frame): number {
  switch (frame.type) {
    case PacketType.Data: return DATA_FRAME_HEADER_BYTES + frame.payload.length
    case PacketType.Close: return 16 + Buffer.byteLength(frame.code) + Buffer.byteLength(frame.message)
    case PacketType.Ack: return 64 + frame.oneWayDelayMs.length * 8 + frame.segments.reduce((n, s) => n + 24 + s.received.length * 16, 0)
    default: return 16
  }
}

function zigzag (value: number): number { return value >= 0 ? value * 2 : -value * 2 - 1 }
function unzigzag (value: number): number { return value % 2 === 0 ? value / 2 : -(value + 1) / 2 }

/** Encodes the body of `frame` into `buf` at `offset`; returns the end offset. */
export function writeBody (buf: Uint8Array, offset: number, frame: Frame): number {
  let o = offset
  switch (frame.type) {
    case PacketType.Hello:
      buf[o++] = (frame.senderRole === 'sender' ? 1 : 0) | (frame.reply ? 2 : 0) | (frame.resuming ? 4 : 0) | (frame.firstFlight ? 8 : 0)
      buf[o++] = frame.suites & 0xff
      return o
    case PacketType.Data: {
      const off = frame.globalOffset
      const high = Math.floor(off / 0x100000000)
      buf[o] = (high >>> 8) & 0xff; buf[o + 1] = high & 0xff
      writeU32(buf, o + 2, off)
      buf.set(frame.payload, o + DATA_FRAME_HEADER_BYTES)
      return o + DATA_FRAME_HEADER_BYTES + frame.payload.length
    }
    case PacketType.Ack: {
      o = writeVarint(buf, o, frame.largestPacketNumber)
      o = writeVarint(buf, o, Math.max(0, Math.round(frame.ackDelayMs * 100)))
      o = writeVarint(buf, o, Math.max(0, Math.round(frame.receiveRateBitsPerSec / 1000)))
      buf[o++] = (frame.sync ? 1 : 0)
      o = writeVarint(buf, o, frame.oneWayDelayMs.length)
      for (const d of frame.oneWayDelayMs) o = writeVarint(buf, o, zigzag(Math.round(d * 100)))
      o = writeVarint(buf, o, frame.cumulativeBytes)
      o = writeVarint(buf, o, frame.segments.length)
      for (const seg of frame.segments) {
        o = writeVarint(buf, o, seg.fromBytes)
        o = writeVarint(buf, o, seg.toBytes - seg.fromBytes)
        o = writeVarint(buf, o, seg.received.length)
        let cursor = seg.fromBytes
        for (const [s, e] of seg.received) {
          o = writeVarint(buf, o, s - cursor)
          o = writeVarint(buf, o, e - s)
          cursor = e
        }
      }
      return o
    }
    case PacketType.Close: {
      const code = Buffer.from(frame.code, 'utf8')
      const message = Buffer.from(frame.message.slice(0, 512), 'utf8')
      o = writeVarint(buf, o, code.length); buf.set(code, o); o += code.length
      o = writeVarint(buf, o, message.length); buf.set(message, o); o += message.length
      return o
    }
    case PacketType.Ping:
    case PacketType.Pong:
      return writeVarint(buf, o, frame.id)
  }
}

/** Decodes a plaintext body of the given type; throws FERRY_PROTOCOL_DECODE on anything malformed. */
export function readBody (type: PacketType, body: Uint8Array): Frame {
  const r = new WireReader(body)
  let frame: Frame
  switch (type) {
    case PacketType.Hello: {
      const flags = r.u8()
      if ((flags & 0xf0) !== 0) throw decodeError('reserved hello flags set')
      frame = { type, senderRole: (flags & 1) !== 0 ? 'sender' : 'receiver', reply: (flags & 2) !== 0, resuming: (flags & 4) !== 0, firstFlight: (flags & 8) !== 0, suites: r.u8() }
      break
    }
    case PacketType.Data: {
      const head = r.bytes(DATA_FRAME_HEADER_BYTES)
      const globalOffset = ((head[0]! << 8) | head[1]!) * 0x100000000 + readU32(head, 2)
      if (r.remaining === 0) throw decodeError('empty data payload')
      return { type, globalOffset, payload: r.bytes(r.remaining) }
    }
    case PacketType.Ack: {
      const largestPacketNumber = r.varint()
      const ackDelayMs = r.varint() / 100
      const receiveRateBitsPerSec = r.varint() * 1000
      const flags = r.u8()
      if ((flags & 0xfe) !== 0) throw decodeError('reserved ack flags set')
      const samples = r.varint()
      if (samples > 16) throw decodeError('too many delay samples')
      const oneWayDelayMs: number[] = []
      for (let i = 0; i < samples; i++) oneWayDelayMs.push(unzigzag(r.varint()) / 100)
      const cumulativeBytes = r.varint()
      const segmentCount = r.varint()
      if (segmentCount > 64) throw decodeError('too many ack segments')
      const segments: AckSegment[] = []
      for (let i = 0; i < segmentCount; i++) {
        const fromBytes = r.varint()
        const toBytes = fromBytes + r.varint()
        if (!Number.isSafeInteger(toBytes)) throw decodeError('ack segment overflows')
        const rangeCount = r.varint()
        if (rangeCount > r.remaining) throw decodeError('ack range count exceeds datagram')
        const received: Array<[number, number]> = []
        let cursor = fromBytes
        for (let j = 0; j < rangeCount; j++) {
          const start = cursor + r.varint()
          const end = start + r.varint()
          if (end <= start || end > toBytes || (j > 0 && start <= cursor)) throw decodeError('ack range out of order or outside its segment')
          received.push([start, end])
          cursor = end
        }
        segments.push({ fromBytes, toBytes, received })
      }
      frame = { type, largestPacketNumber, ackDelayMs, receiveRateBitsPerSec, oneWayDelayMs, sync: (flags & 1) !== 0, cumulativeBytes, segments }
      break
    }
    case PacketType.Close: {
      const code = Buffer.from(r.bytes(r.varint())).toString('utf8')
      const message = Buffer.from(r.bytes(r.varint())).toString('utf8')
      if (code !== '' && !/^FERRY_[A-Z0-9_]{1,64}$/.test(code)) throw decodeError('malformed close code')
      frame = { type, code, message }
      break
    }
    case PacketType.Ping:
    case PacketType.Pong:
      frame = { type, id: r.varint() }
      break
  }
  if (r.remaining !== 0) throw decodeError('trailing bytes after frame')
  return frame
}
