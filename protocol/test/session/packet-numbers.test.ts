// Sessions over wire version 2 (SPEC.md §3.2): packet numbers that cross 2^32 both ways, reordered and lost, still open; a sender stops at 2^30 unacknowledged; a version-1 datagram is dropped and counted.
import { describe, it, expect } from 'vitest'
import { createHash } from 'node:crypto'
import { SenderSession } from '../../src/session/sender-session.js'
import { ReceiverSession } from '../../src/session/receiver-session.js'
import { FixedRateController } from '../../src/session/fixed-rate-controller.js'
import { MemoryBlockSource } from '../../src/files/memory-block-source.js'
import { MemoryBlockSink } from '../../src/files/memory-block-sink.js'
import type { ReplayWindow } from '../../src/crypto/replay-window.js'
import { PacketType, SHORT_CONNECTION_ID_BYTES, readHeader } from '../../src/wire/datagram-codec.js'
import { decodePacketNumber, MAX_UNACKNOWLEDGED_PACKETS } from '../../src/wire/packet-number.js'

const secret = new Uint8Array(32).fill(9)
const connectionId = '76543210fedcba98'

function lcg (seed: number): () => number {
  let s = seed >>> 0
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
}

function pair (bytes: Uint8Array): { sender: SenderSession, receiver: ReceiverSession, sink: MemoryBlockSink } {
  const sink = new MemoryBlockSink()
  const sender = new SenderSession({
    connectionId, secret, endpointRole: 'initiator', nowMs: 0, entries: [{ relativePath: 'x.bin', kind: 'file', sizeBytes: bytes.length }],
    source: new MemoryBlockSource([bytes]), rateController: new FixedRateController({ policy: 'fixed', targetBitsPerSec: 100e6, minBitsPerSec: 1e6 })
  })
  const receiver = new ReceiverSession({ connectionId, secret, endpointRole: 'responder', nowMs: 0, sink })
  return { sender, receiver, sink }
}

/** The packet number state a session keeps; tests set it as if `first` datagrams had already gone each way. */
interface Numbering { nextPacketNumber: number, replay: ReplayWindow, largestAckedPn?: number }

function numberFrom (first: number, sender: SenderSession, receiver: ReceiverSession): void {
  const s = sender as unknown as Numbering
  const r = receiver as unknown as Numbering
  s.nextPacketNumber = first; s.largestAckedPn = first - 1; r.replay.commit(first - 1)
  r.nextPacketNumber = first; s.replay.commit(first - 1)
}

/** Back to back in virtual time, 10 ms ± `jitterMs` one way (so datagrams overtake each other), with random loss. */
function run (sender: SenderSession, receiver: ReceiverSession, lossRate: number, jitterMs: number): number[] {
  const rand = lcg(3)
  const wire: Array<{ at: number, to: 'r' | 's', buf: Buffer }> = []
  const numbersSent: number[] = []
  let now = 0
  for (let step = 0; step < 1_000_000; step++) {
    for (const [s, to] of [[sender, 'r'], [receiver, 's']] as const) {
      if (s.nextDeadlineMs() <= now) s.handleTimeout(now)
      for (let b = s.pollTransmit(now); b !== undefined; b = s.pollTransmit(now)) {
        if (to === 'r') numbersSent.push(readHeader(b).packetNumber)
        // Sessions may build datagrams in one reused buffer: the wire keeps copies.
        if (rand() >= lossRate) wire.push({ at: now + 10 + (rand() * 2 - 1) * jitterMs, to, buf: Buffer.from(b) })
      }
    }
    if (sender.state === 'closed' && receiver.state === 'closed') break
    wire.sort((a, b) => a.at - b.at)
    const next = Math.min(wire[0]?.at ?? Infinity, sender.nextDeadlineMs(), receiver.nextDeadlineMs())
    if (next === Infinity) break
    now = Math.max(now, next)
    while (wire.length > 0 && wire[0]!.at <= now) {
      const d = wire.shift()!
      ;(d.to === 'r' ? receiver : sender).handleDatagram(d.buf, now)
    }
  }
  return numbersSent
}

describe('packet numbers on the wire', () => {
  it('a transfer whose packet numbers cross 2^32 both ways, reordered and lossy, completes', () => {
    const bytes = new Uint8Array(3_000_000).map((_, i) => (i * 131) & 0xff)
    const { sender, receiver, sink } = pair(bytes)
    numberFrom(2 ** 32 - 500, sender, receiver)
    const wireNumbers = run(sender, receiver, 0.02, 3)
    expect(sender.outcome).toEqual({ ok: true })
    expect(receiver.outcome).toEqual({ ok: true })
    expect(createHash('sha256').update(sink.files[0]!).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'))
    // The wire's 32 bits wrapped: numbers near 2^32 first, small ones after; none refused on the way.
    expect(wireNumbers[0]).toBe(2 ** 32 - 500)
    expect(wireNumbers.some(pn => pn < 1000)).toBe(true)
    expect(receiver.dropped.replayed + receiver.dropped.unauthenticated + sender.dropped.replayed + sender.dropped.unauthenticated).toBe(0)
    // ChaCha20-Poly1305 changes keys every 2^32 packets: the wrap was a key update too.
    expect(sender.keyGenerations).toBe(2)
  })

  it(`a sender never has more than 2^30 datagrams unacknowledged: it closes with FERRY_PROTOCOL_UNACKNOWLEDGED_LIMIT`, () => {
    const { sender } = pair(new Uint8Array(1_000_000))
    ;(sender as unknown as Numbering).nextPacketNumber = MAX_UNACKNOWLEDGED_PACKETS - 20
    const numbers: number[] = []
    for (let now = 0; now < 50 && sender.state !== 'closed'; now += 1) {
      for (let b = sender.pollTransmit(now); b !== undefined; b = sender.pollTransmit(now)) numbers.push(readHeader(b).packetNumber)
    }
    expect(sender.outcome).toMatchObject({ ok: false, code: 'FERRY_PROTOCOL_UNACKNOWLEDGED_LIMIT', by: 'local' })
    // None acknowledged (largest -1): the last datagram, the CLOSE, is number 2^30 − 1, one the receiver can still place.
    expect(Math.max(...numbers)).toBe(MAX_UNACKNOWLEDGED_PACKETS - 1)
    expect(decodePacketNumber(MAX_UNACKNOWLEDGED_PACKETS - 1, -1)).toBe(MAX_UNACKNOWLEDGED_PACKETS - 1)
  })

  it('drops and counts a version-1 datagram, and one with a foreign short connection id', () => {
    const { sender, receiver } = pair(new Uint8Array(10_000))
    const hello = sender.pollTransmit(0)!
    // Version 1's layout: flags, the full 8-byte connection id, a 48-bit packet number, a timestamp.
    const v1 = Buffer.alloc(hello.length)
    v1[0] = (1 << 6) | PacketType.Hello
    Buffer.from(connectionId, 'hex').copy(v1, 1)
    expect(receiver.handleDatagram(v1, 1)).toBe(false)
    // The version bits alone changed on an authentic datagram.
    const relabeled = Buffer.from(hello)
    relabeled[0] = (1 << 6) | (relabeled[0]! & 0x3f)
    expect(receiver.handleDatagram(relabeled, 1)).toBe(false)
    expect(receiver.dropped.malformed).toBe(2)
    const foreign = Buffer.from(hello)
    foreign[SHORT_CONNECTION_ID_BYTES] ^= 1 // the short connection id's last byte
    expect(receiver.handleDatagram(foreign, 1)).toBe(false)
    expect(receiver.dropped.wrongConnection).toBe(1)
    expect(receiver.handleDatagram(Buffer.from(hello), 1)).toBe(true)
    expect(receiver.state).toBe('established')
  })
})
