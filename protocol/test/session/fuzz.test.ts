// Fuzz against a live session: random, mutated, replayed and misaddressed datagrams never throw, are never accepted, and each is counted.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { SenderSession } from '../../src/session/sender-session.js'
import { ReceiverSession } from '../../src/session/receiver-session.js'
import { FixedRateController } from '../../src/session/fixed-rate-controller.js'
import { MemoryBlockSource } from '../../src/files/memory-block-source.js'
import { MemoryBlockSink } from '../../src/files/memory-block-sink.js'
import type { SessionCore } from '../../src/session/session-core.js'

const dropTotal = (s: SessionCore): number => Object.values(s.dropped).reduce((n, v) => n + v, 0)

describe('session fuzzing', () => {
  it('drops and counts every hostile datagram while a real transfer completes', () => {
    const secret = new Uint8Array(32).fill(1)
    const content = new Uint8Array(600_000).map((_, i) => (i * 7) & 0xff)
    const sink = new MemoryBlockSink()
    const sender = new SenderSession({ connectionId: 'feedfacecafebeef', secret, endpointRole: 'initiator', nowMs: 0, entries: [{ relativePath: 'x.bin', kind: 'file', sizeBytes: content.length }], source: new MemoryBlockSource([content]), rateController: new FixedRateController({ policy: 'fixed', targetBitsPerSec: 50e6, minBitsPerSec: 1e6 }) })
    const receiver = new ReceiverSession({ connectionId: 'feedfacecafebeef', secret, endpointRole: 'responder', nowMs: 0, sink })
    const genuine: Buffer[] = []
    const rng = fc.sample(fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 1500 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 5 })), { numRuns: 4000, seed: 42 })
    let hostile = 0
    let now = 0
    for (let step = 0; step < 20_000 && receiver.state !== 'closed' && sender.state !== 'closed'; step++) {
      now += 0.5
      for (const s of [sender, receiver]) if (s.nextDeadlineMs() <= now) s.handleTimeout(now)
      const toReceiver: Buffer[] = []
      for (let b = sender.pollTransmit(now); b !== undefined; b = sender.pollTransmit(now)) toReceiver.push(b)
      for (const b of toReceiver) {
        genuine.push(Buffer.from(b))
        expect(receiver.handleDatagram(b, now)).toBe(true)
      }
      for (let b = receiver.pollTransmit(now); b !== undefined; b = receiver.pollTransmit(now)) sender.handleDatagram(b, now)
      // Hostile traffic between genuine datagrams.
      const [random, pick, bit, kind] = rng[step % rng.length]!
      let forged: Buffer
      if (kind === 0 || genuine.length === 0) forged = Buffer.from(random)
      else {
        const base = genuine[pick % genuine.length]!
        forged = Buffer.from(base)
        if (kind === 1) forged[(bit >> 3) % forged.length] ^= 1 << (bit & 7) // one flipped bit anywhere
        else if (kind === 2) forged = forged.subarray(0, pick % forged.length) // truncated
        else if (kind === 3) { /* replayed as is */ } else if (kind === 4) forged[1] ^= 0xff // another connection
        else forged = Buffer.concat([forged, Buffer.from([0])]) // extended
      }
      const before = dropTotal(receiver)
      const receivedBefore = receiver.received.sizeBytes
      expect(receiver.handleDatagram(forged, now)).toBe(false)
      expect(dropTotal(receiver)).toBe(before + 1)
      expect(receiver.received.sizeBytes).toBe(receivedBefore)
      hostile++
    }
    expect(hostile).toBeGreaterThan(100)
    expect(receiver.outcome).toEqual({ ok: true })
    expect(createHash('sha256').update(sink.files[0]!).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'))
    expect(receiver.dropped.replayed).toBeGreaterThan(0)
    expect(receiver.dropped.unauthenticated + receiver.dropped.malformed).toBeGreaterThan(0)
  })
})
