// Data in the first flight (SPEC.md §4.2.1): an initiating sender sends data behind its hello; the suite, a lost hello, a receiver that would choose another suite, and the responding sender.
import { describe, it, expect } from 'vitest'
import { createHash } from 'node:crypto'
import { SenderSession } from '../../src/session/sender-session.js'
import { ReceiverSession } from '../../src/session/receiver-session.js'
import type { SessionCore } from '../../src/session/session-core.js'
import { FixedRateController } from '../../src/session/fixed-rate-controller.js'
import { MemoryBlockSource } from '../../src/files/memory-block-source.js'
import { MemoryBlockSink } from '../../src/files/memory-block-sink.js'
import type { CipherSuiteName, EndpointRole } from '../../src/crypto/packet-protection.js'
import { MAX_PAYLOAD_BYTES, PacketType } from '../../src/wire/datagram-codec.js'
import type { ResumeJournal } from '../../src/session/resume-journal.js'

const secret = new Uint8Array(32).fill(9)
const connectionId = '00112233aabbccdd'
const content = new Uint8Array(400_000).map((_, i) => (i * 13 + (i >> 9)) & 0xff)
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

interface Pair { sender: SenderSession, receiver: ReceiverSession, sink: MemoryBlockSink }

function pair (opts: { initiator?: 'sender' | 'receiver', senderSuites?: CipherSuiteName[], receiverSuites?: CipherSuiteName[], resumeFrom?: ResumeJournal, sink?: MemoryBlockSink } = {}): Pair {
  const senderRole: EndpointRole = (opts.initiator ?? 'sender') === 'sender' ? 'initiator' : 'responder'
  const sink = opts.sink ?? new MemoryBlockSink()
  const sender = new SenderSession({
    connectionId, secret, endpointRole: senderRole, nowMs: 0, entries: [{ relativePath: 'a.bin', kind: 'file', sizeBytes: content.length }],
    source: new MemoryBlockSource([content]), rateController: new FixedRateController({ policy: 'fixed', targetBitsPerSec: 40e6, minBitsPerSec: 1e6 }),
    ...(opts.senderSuites !== undefined ? { cipherSuites: opts.senderSuites } : {})
  })
  const receiver = new ReceiverSession({
    connectionId, secret, endpointRole: senderRole === 'initiator' ? 'responder' : 'initiator', nowMs: 0, sink,
    ...(opts.resumeFrom !== undefined ? { resumeFrom: opts.resumeFrom } : {}),
    ...(opts.receiverSuites !== undefined ? { cipherSuites: opts.receiverSuites } : {})
  })
  return { sender, receiver, sink }
}

/** Runs both sessions over a path with `oneWayMs` of delay until both close; `drop` sees each datagram with its type and the count of that type sent so far. */
function run (p: Pair, oneWayMs: number, drop: (from: 'sender' | 'receiver', type: number, nth: number) => boolean = () => false, stopWhen: () => boolean = () => false): { endMs: number, firstDataAtReceiverMs: number } {
  const wire: Array<{ at: number, to: SessionCore, buf: Buffer }> = []
  const counts = new Map<string, number>()
  let now = 0
  let firstDataAtReceiverMs = Infinity
  while ((p.sender.state !== 'closed' || p.receiver.state !== 'closed') && !stopWhen()) {
    for (const [s, to, name] of [[p.sender, p.receiver, 'sender'], [p.receiver, p.sender, 'receiver']] as const) {
      if (s.nextDeadlineMs() <= now) s.handleTimeout(now)
      for (let b = s.pollTransmit(now); b !== undefined; b = s.pollTransmit(now)) {
        const type = b[0]! & 0x0f
        const key = `${name}/${type}`
        const nth = counts.get(key) ?? 0
        counts.set(key, nth + 1)
        if (!drop(name, type, nth)) wire.push({ at: now + oneWayMs, to, buf: Buffer.from(b) })
      }
    }
    wire.sort((a, b) => a.at - b.at)
    const next = Math.min(wire[0]?.at ?? Infinity, p.sender.nextDeadlineMs(), p.receiver.nextDeadlineMs())
    if (next === Infinity) break
    now = Math.max(now + 0.01, next)
    if (now > 60_000) throw new Error('did not finish')
    while (wire.length > 0 && wire[0]!.at <= now) {
      const d = wire.shift()!
      if (d.to === p.receiver && (d.buf[0]! & 0x0f) === PacketType.Data && firstDataAtReceiverMs === Infinity) firstDataAtReceiverMs = now
      d.to.handleDatagram(d.buf, now)
    }
  }
  return { endMs: now, firstDataAtReceiverMs }
}

function expectComplete (p: Pair): void {
  expect(p.sender.outcome).toEqual({ ok: true })
  expect(p.receiver.outcome).toEqual({ ok: true })
  expect(sha(p.sink.files[0]!)).toBe(sha(content))
}

describe('first flight', () => {
  it('sends data right behind the hello, before any reply: the first data arrives with the hello, one RTT earlier', () => {
    const p = pair()
    const first = p.sender.pollTransmit(0)!
    const second = p.sender.pollTransmit(0)!
    expect(first[0]! & 0x0f).toBe(PacketType.Hello)
    expect(second[0]! & 0x0f).toBe(PacketType.Data)
    expect(p.sender.state).toBe('handshake')
    const fresh = pair()
    const { firstDataAtReceiverMs } = run(fresh, 50)
    expect(firstDataAtReceiverMs).toBe(50)
    expectComplete(fresh)
    expect(fresh.sender.cipherSuite).toBe('chacha20-poly1305')
    expect(fresh.receiver.dropped.unauthenticated).toBe(0)
    expect(fresh.sender.stats.retransmittedBytes).toBe(fresh.sender.layout.manifestRegionBytes) // the manifest's second copy only
  })

  it('a receiver that prefers AES-256-GCM but accepts ChaCha20-Poly1305 takes the first flight\'s suite: nothing is lost', () => {
    const p = pair({ receiverSuites: ['aes-256-gcm', 'chacha20-poly1305'] })
    run(p, 20)
    expectComplete(p)
    expect(p.sender.cipherSuite).toBe('chacha20-poly1305')
    expect(p.receiver.cipherSuite).toBe('chacha20-poly1305')
    expect(p.receiver.dropped.unauthenticated).toBe(0)
  })

  it('a receiver that accepts only AES-256-GCM cannot read the first flight: it counts it unauthenticated, and the sender repairs it', () => {
    const p = pair({ receiverSuites: ['aes-256-gcm'] })
    run(p, 20)
    expectComplete(p)
    expect(p.receiver.cipherSuite).toBe('aes-256-gcm')
    expect(p.receiver.dropped.unauthenticated).toBeGreaterThan(0)
    expect(p.sender.stats.retransmittedBytes).toBeGreaterThan(0)
  })

  it('a sender whose first preference is AES-256-GCM sends no first flight', () => {
    const p = pair({ senderSuites: ['aes-256-gcm', 'chacha20-poly1305'] })
    expect(p.sender.pollTransmit(0)![0]! & 0x0f).toBe(PacketType.Hello)
    expect(p.sender.pollTransmit(0)).toBeUndefined()
    run(p, 20)
    expectComplete(p)
    expect(p.receiver.dropped.unauthenticated).toBe(0)
  })

  it('the hello lost: the receiver takes the authentic data, establishes on it and replies; nothing is dropped or resent beyond what the path lost', () => {
    const p = pair()
    const { endMs } = run(p, 100, (from, type, nth) => from === 'sender' && type === PacketType.Hello && nth === 0)
    expectComplete(p)
    const reference = pair()
    const referenceEndMs = run(reference, 100).endMs
    expect(p.receiver.dropped).toEqual(reference.receiver.dropped) // the manifest's second copy, as duplicate
    expect(p.receiver.dropped.unauthenticated).toBe(0)
    expect(p.sender.stats).toEqual(reference.sender.stats)
    // Established by the first data's arrival (100 ms), its reply back at 200 ms: no wait for the retried hello.
    expect(endMs).toBe(referenceEndMs)
  })

  it('the reply lost: the first flight goes on, acknowledgements count, and the retried hello establishes', () => {
    const p = pair()
    run(p, 100, (from, type, nth) => from === 'receiver' && type === PacketType.Hello && nth === 0)
    expectComplete(p)
    expect(p.sender.stats.lostBytes).toBe(0)
    expect(p.sender.dropped.unauthenticated).toBe(0) // the receiver's CLOSE too, read before the repeated reply
  })

  it('the first RTT sample comes from data: a first flight on a 300 ms path reads 300 ms, not the 100 ms default', () => {
    const p = pair()
    run(p, 150)
    expect(p.sender.minRttMs).toBeGreaterThan(299.9)
    expect(p.sender.minRttMs).toBeLessThan(310)
  })

  it('a small file on a 600 ms path, sent whole before the first acknowledgement: no loss timer fires on the default RTT', () => {
    const p = pair()
    run(p, 300)
    expectComplete(p)
    expect(p.sender.stats.lostBytes).toBe(0)
    expect(p.sender.stats.retransmittedBytes).toBe(p.sender.layout.manifestRegionBytes)
  })

  it('into a resuming receiver whose sync frames are lost after the flight\'s data ended its repeats: the sender pings, the sync comes again, the transfer completes', () => {
    const sink = new MemoryBlockSink()
    const cut = pair({ sink })
    run(cut, 20, () => false, () => cut.receiver.bytesReceived > content.length / 2)
    const journal = cut.receiver.journal()
    const held = cut.receiver.bytesReceived
    const p = pair({ sink, resumeFrom: journal })
    // The receiver's first two sync frames are lost; first-flight data reaches it meanwhile (it stops repeating them).
    run(p, 5, (from, type, nth) => from === 'receiver' && type === PacketType.Ack && nth < 2)
    expectComplete(p)
    expect(p.sender.stats.payloadBytesSent - p.sender.stats.retransmittedBytes).toBeLessThan(p.sender.bytesTotal - held + 40e6 / 8 * 0.01 + 2 * MAX_PAYLOAD_BYTES)
  })

  it('the receiver initiates (a download): the responding sender sends data right behind its reply', () => {
    const p = pair({ initiator: 'receiver' })
    const hello = p.receiver.pollTransmit(0)!
    expect(p.receiver.pollTransmit(0)).toBeUndefined() // a receiver has no first flight
    p.sender.handleDatagram(Buffer.from(hello), 30)
    const reply = p.sender.pollTransmit(30)!
    const data = p.sender.pollTransmit(30)!
    expect(reply[0]! & 0x0f).toBe(PacketType.Hello)
    expect(data[0]! & 0x0f).toBe(PacketType.Data)
    const fresh = pair({ initiator: 'receiver' })
    expect(run(fresh, 50).firstDataAtReceiverMs).toBe(100)
    expectComplete(fresh)
  })
})
