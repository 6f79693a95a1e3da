// The receiver's CLOSE lost after its last acknowledgement (SPEC.md §5.3): the sender, holding every acknowledgement, pings a PTO after its last datagram, and the draining receiver answers with its CLOSE again; before, the sender heard nothing more and failed on its idle timeout.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MemoryBlockSink } from '../../src/files/memory-block-sink.js'
import type { ManifestEntry } from '../../src/manifest/manifest.js'
import type { BlockSink, SinkListener, SinkResume } from '../../src/session/block-io.js'
import { FixedRateController } from '../../src/session/fixed-rate-controller.js'
import { ReceiverSession } from '../../src/session/receiver-session.js'
import { SenderSession } from '../../src/session/sender-session.js'
import type { SessionCore } from '../../src/session/session-core.js'
import { MemoryBlockSource } from '../../src/files/memory-block-source.js'
import { PacketType } from '../../src/wire/datagram-codec.js'

const secret = new Uint8Array(32).fill(7)
const connectionId = '0123456789abcdef'
const content = new Uint8Array(300_000).map((_, i) => (i * 31 + (i >> 7)) & 0xff)

/** Verifies a file some time after its last byte, as a disk sink does: the receiver's last ACK then goes out before its CLOSE. */
class LateVerifyingSink implements BlockSink {
  readonly inner = new MemoryBlockSink()
  readonly verdicts: Array<{ fileIndex: number, ok: boolean }> = []
  open (entries: readonly ManifestEntry[], listener: SinkListener, resume?: SinkResume): ReturnType<BlockSink['open']> { return this.inner.open(entries, listener, resume) }
  write (fileIndex: number, offsetBytes: number, bytes: Uint8Array): boolean { return this.inner.write(fileIndex, offsetBytes, bytes) }
  finish (fileIndex: number, expectedSha256: Uint8Array): undefined {
    this.verdicts.push({ fileIndex, ok: this.inner.finish(fileIndex, expectedSha256) === true })
    return undefined
  }
}

describe('completion', () => {
  it('the receiver\'s CLOSE lost after its last ACK: the sender pings a PTO later and completes on the CLOSE the draining receiver sends again', () => {
    const oneWayMs = 30
    const sink = new LateVerifyingSink()
    const sender = new SenderSession({
      connectionId, secret, endpointRole: 'initiator', nowMs: 0, entries: [{ relativePath: 'a.bin', kind: 'file', sizeBytes: content.length }],
      source: new MemoryBlockSource([content]), rateController: new FixedRateController({ policy: 'fixed', targetBitsPerSec: 40e6, minBitsPerSec: 1e6 })
    })
    const receiver = new ReceiverSession({ connectionId, secret, endpointRole: 'responder', nowMs: 0, sink })
    const wire: Array<{ at: number, to: SessionCore, buf: Buffer }> = []
    let now = 0
    let verifyAtMs = Infinity
    let closesLost = 0
    while ((sender.state !== 'closed' || receiver.state !== 'closed') && now < 30_000) {
      for (const [from, to] of [[sender, receiver], [receiver, sender]] as const) {
        if (from.nextDeadlineMs() <= now) from.handleTimeout(now)
        for (let b = from.pollTransmit(now); b !== undefined; b = from.pollTransmit(now)) {
          // The receiver's first CLOSE is lost on the way.
          if (from === receiver && (b[0]! & 0x0f) === PacketType.Close && closesLost++ === 0) continue
          wire.push({ at: now + oneWayMs, to, buf: Buffer.from(b) })
        }
      }
      if (sink.verdicts.length > 0 && verifyAtMs === Infinity) verifyAtMs = now + 50
      if (now >= verifyAtMs) {
        for (const v of sink.verdicts.splice(0)) receiver.fileVerified(v.fileIndex, v.ok, now)
      }
      wire.sort((a, b) => a.at - b.at)
      const next = Math.min(wire[0]?.at ?? Infinity, sender.nextDeadlineMs(), receiver.nextDeadlineMs(), sink.verdicts.length > 0 ? verifyAtMs : Infinity)
      if (next === Infinity) break
      now = Math.max(now + 0.01, next)
      while (wire.length > 0 && wire[0]!.at <= now) {
        const d = wire.shift()!
        d.to.handleDatagram(d.buf, now)
      }
    }
    expect(closesLost).toBeGreaterThan(1) // the first was lost, another came
    expect(sender.outcome).toEqual({ ok: true })
    expect(receiver.outcome).toEqual({ ok: true })
    expect(createHash('sha256').update(sink.inner.files[0]!).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'))
    expect(now).toBeLessThan(2_000) // not the 20 s idle timeout
  })
})
