// DATA carries global offsets (SPEC.md §4.3, §5.1): what arrives before the manifest's first chunk cannot be told apart from the manifest, is kept, and is sorted out when that chunk comes.
import { describe, it, expect } from 'vitest'
import { createHash } from 'node:crypto'
import { SenderSession } from '../../src/session/sender-session.js'
import { ReceiverSession } from '../../src/session/receiver-session.js'
import { FixedRateController } from '../../src/session/fixed-rate-controller.js'
import { MemoryBlockSource } from '../../src/files/memory-block-source.js'
import { MemoryBlockSink } from '../../src/files/memory-block-sink.js'
import type { ManifestEntry } from '../../src/manifest/manifest.js'
import { MAX_PAYLOAD_BYTES, readHeader } from '../../src/wire/datagram-codec.js'

describe('data before the manifest', () => {
  it('keeps manifest chunks and data that overtake a lost first chunk, and places them once it is repaired', () => {
    // Long paths: a manifest of several chunks, then 200 small files.
    const entries: ManifestEntry[] = Array.from({ length: 200 }, (_, i) => ({ relativePath: `folder-with-a-long-name/${'sub/'.repeat(8)}file-${i}.bin`, kind: 'file', sizeBytes: 3000 + i }))
    const contents = entries.map((e, i) => new Uint8Array(e.sizeBytes).fill(i))
    const secret = new Uint8Array(32).fill(4)
    const sink = new MemoryBlockSink()
    const sender = new SenderSession({ connectionId: '00000000000000f1', secret, endpointRole: 'initiator', nowMs: 0, entries, source: new MemoryBlockSource(contents), rateController: new FixedRateController({ policy: 'fixed', targetBitsPerSec: 50e6, minBitsPerSec: 1e6 }) })
    const receiver = new ReceiverSession({ connectionId: '00000000000000f1', secret, endpointRole: 'responder', nowMs: 0, sink })
    // The hello is number 0; the manifest's first chunk goes out next, twice (a small manifest is repeated, SPEC.md §5.1): both copies are lost.
    const lost = new Set([1, 2])
    let heldAtFirstChunk = -1
    const wire: Array<{ at: number, toReceiver: boolean, buf: Buffer }> = []
    let now = 0
    for (let step = 0; step < 200_000 && !(sender.state === 'closed' && receiver.state === 'closed'); step++) {
      for (const [s, toReceiver] of [[sender, true], [receiver, false]] as const) {
        if (s.nextDeadlineMs() <= now) s.handleTimeout(now)
        for (let b = s.pollTransmit(now); b !== undefined; b = s.pollTransmit(now)) {
          if (toReceiver && lost.has(readHeader(b).packetNumber)) continue
          wire.push({ at: now + 10, toReceiver, buf: Buffer.from(b) })
        }
      }
      const next = Math.min(wire[0]?.at ?? Infinity, sender.nextDeadlineMs(), receiver.nextDeadlineMs())
      if (next === Infinity) break
      now = Math.max(now, next)
      while (wire.length > 0 && wire[0]!.at <= now) {
        const d = wire.shift()!
        ;(d.toReceiver ? receiver : sender).handleDatagram(d.buf, now)
        if (heldAtFirstChunk < 0 && receiver.hasManifest) heldAtFirstChunk = receiver.bytesReceived
      }
    }
    expect(sender.outcome).toEqual({ ok: true })
    expect(receiver.outcome).toEqual({ ok: true })
    contents.forEach((c, i) => expect(createHash('sha256').update(sink.files[i]!).digest('hex')).toBe(createHash('sha256').update(c).digest('hex')))
    // Everything that came before the repaired first chunk was kept and placed at once: the manifest and file data.
    expect(receiver.dropped.beforeManifest).toBe(0)
    expect(receiver.layout!.manifestRegionBytes).toBeGreaterThan(8 * MAX_PAYLOAD_BYTES)
    expect(heldAtFirstChunk).toBeGreaterThan(4 * receiver.layout!.manifestRegionBytes)
  })
})
