// The simulator moves real sessions over lossy, reordering links: files verify, resume from a journal cut anywhere resends only what is missing, 10,000 small files go in one session.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { simulate } from '../../src/sim/simulator.js'
import { MemoryBlockSource } from '../../src/files/memory-block-source.js'
import { MemoryBlockSink } from '../../src/files/memory-block-sink.js'
import { FixedRateController } from '../../src/session/fixed-rate-controller.js'
import { ManifestLayout, encodeManifest, type ManifestEntry } from '../../src/manifest/manifest.js'
import { MAX_PAYLOAD_BYTES } from '../../src/wire/datagram-codec.js'
import { RangeSet } from '../../src/wire/range-set.js'

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

function filesOf (sizes: number[], seed: number): { entries: ManifestEntry[], contents: Uint8Array[] } {
  return {
    entries: sizes.map((sizeBytes, i) => ({ relativePath: `dir/f${i}.bin`, kind: 'file', sizeBytes })),
    contents: sizes.map((n, i) => new Uint8Array(n).map((_, j) => (j * 131 + i * 17 + seed) & 0xff))
  }
}

const rate = { policy: 'fair' as const, targetBitsPerSec: 100e6, minBitsPerSec: 1e6 }

describe('simulator', () => {
  it('delivers verified files over bursty loss, jitter and reordering', () => {
    const { entries, contents } = filesOf([0, 1, 200_000, 1_500_000], 3)
    const sink = new MemoryBlockSink()
    const result = simulate({
      capacityBitsPerSec: 50e6, rttMs: 80, lossRate: 0.02, jitterMs: 4, reorder: true, seed: 5,
      burstLoss: { enterBadProbability: 0.002, exitBadProbability: 0.3, badLossRate: 0.8 },
      flows: [{ entries, rate, source: new MemoryBlockSource(contents), sink }]
    })
    expect(result.flows[0]!.ok).toBe(true)
    contents.forEach((c, i) => expect(sha(sink.files[i]!)).toBe(sha(c)))
    expect(result.flows[0]!.retransmittedBytes - result.flows[0]!.payloadBytesLost).toBeLessThan(0.02 * 1_700_000)
  })

  it('stalled endpoints hold datagrams in their receive buffer and still deliver verified files; stalls replay from the seed', () => {
    const { entries, contents } = filesOf([3_000_000, 10], 4)
    const run = (receiveBufferBytes?: number): ReturnType<typeof simulate> => simulate({
      capacityBitsPerSec: 50e6, rttMs: 40, lossRate: 0.01, seed: 21,
      stalls: { meanIntervalMs: 100, minMs: 20, maxMs: 60, receiveBufferBytes },
      flows: [{ entries, rate, source: new MemoryBlockSource(contents), sink: new MemoryBlockSink() }]
    })
    const result = run()
    const f = result.flows[0]!
    expect(f.ok).toBe(true)
    expect(f.senderStalledMs).toBeGreaterThan(0)
    expect(f.receiverStalledMs).toBeGreaterThan(0)
    expect(f.stallDroppedDatagrams).toBe(0)
    const again = run()
    expect(again.virtualMs).toBe(result.virtualMs)
    expect(again.flows[0]!.binBytes).toEqual(f.binBytes)
    // A receive buffer of four datagrams overflows during stalls: drops are counted as lost, the files still verify.
    const tight = run(4 * 1500).flows[0]!
    expect(tight.ok).toBe(true)
    expect(tight.stallDroppedDatagrams).toBeGreaterThan(0)
    expect(tight.payloadBytesLost).toBeGreaterThan(f.payloadBytesLost)
  })

  it('resumes from a journal cut at any point: SHA-256 matches and only missing bytes are sent again (property)', () => {
    const { entries, contents } = filesOf([300_000, 0, 50_000, 4096], 9)
    const layout = new ManifestLayout(entries, encodeManifest(entries).length)
    fc.assert(fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 1000 }), (crashAtMs, seed) => {
      const sink = new MemoryBlockSink()
      const controller = (): FixedRateController => new FixedRateController({ policy: 'fixed', targetBitsPerSec: 20e6, minBitsPerSec: 1e6 })
      const first = simulate({ capacityBitsPerSec: 25e6, rttMs: 40, lossRate: 0.01, seed, flows: [{ entries, rate, source: new MemoryBlockSource(contents), sink, crashAtMs, createController: controller }] })
      const receiver = first.flows[0]!.receiver
      const journal = receiver.hasManifest ? receiver.journal() : undefined
      const held = RangeSet.from(journal?.receivedRanges ?? []).sizeBytes
      const second = simulate({ capacityBitsPerSec: 25e6, rttMs: 40, lossRate: 0.01, seed: seed + 1, flows: [{ entries, rate, source: new MemoryBlockSource(contents), sink, resumeFrom: journal, senderKnowsResume: true, createController: controller }] })
      const f = second.flows[0]!
      expect(f.ok).toBe(true)
      contents.forEach((c, i) => expect(sha(sink.files[i]!)).toBe(sha(c)))
      // New (non-resent) bytes of the second session: at most what was missing, plus at most one datagram per file stream.
      expect(f.payloadBytesSent - f.retransmittedBytes).toBeLessThanOrEqual(layout.totalBytes - held + entries.length * MAX_PAYLOAD_BYTES)
    }), { numRuns: 12, seed: 7 })
  }, 300_000)

  it('moves 10,000 files of 4 KiB in one session', () => {
    const n = 10_000
    const { entries, contents } = filesOf(new Array<number>(n).fill(4096), 1)
    const sink = new MemoryBlockSink()
    const result = simulate({ capacityBitsPerSec: 200e6, rttMs: 20, lossRate: 0.005, seed: 11, flows: [{ entries, rate: { ...rate, targetBitsPerSec: 400e6 }, source: new MemoryBlockSource(contents), sink }] })
    expect(result.flows[0]!.ok).toBe(true)
    expect(result.flows[0]!.receiver.filesVerified).toBe(n)
    for (let i = 0; i < n; i += 997) expect(sha(sink.files[i]!)).toBe(sha(contents[i]!))
  }, 300_000) // ~15 s on an idle 2-core machine; generous for a loaded one
})
