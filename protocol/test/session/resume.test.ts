// Resume with per-block CRC-32 (SPEC.md §5.2, §9): a journal cut at any point, with a block torn on disk after the cut, resumes to matching SHA-256 and resends only what is missing plus the torn block.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { simulate } from '../../src/sim/simulator.js'
import { MemoryBlockSource } from '../../src/files/memory-block-source.js'
import { MemoryBlockSink } from '../../src/files/memory-block-sink.js'
import { INTEGRITY_BLOCK_BYTES, blockCount, blockSpan } from '../../src/files/block-ledger.js'
import { FixedRateController } from '../../src/session/fixed-rate-controller.js'
import { parseJournal, serializeJournal } from '../../src/session/resume-journal.js'
import type { ManifestEntry } from '../../src/manifest/manifest.js'
import { MAX_PAYLOAD_BYTES } from '../../src/wire/datagram-codec.js'
import { RangeSet } from '../../src/wire/range-set.js'

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
const rate = { policy: 'fixed' as const, targetBitsPerSec: 20e6, minBitsPerSec: 1e6 }
const controller = (): FixedRateController => new FixedRateController(rate)

const sizes = [3 * INTEGRITY_BLOCK_BYTES + 123_457, 0, 50_000, 4096]
const entries: ManifestEntry[] = sizes.map((sizeBytes, i) => ({ relativePath: `dir/f${i}.bin`, kind: 'file', sizeBytes }))
const contents = sizes.map((n, i) => new Uint8Array(n).map((_, j) => (j * 131 + i * 17 + ((j >> 12) * 7)) & 0xff))

describe('resume from a journal with per-block CRC-32', () => {
  it('cut at any point, a recorded block torn on disk: SHA-256 matches, only the missing bytes and the torn block are sent again (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2200 }), fc.integer({ min: 1, max: 1000 }), fc.nat(), fc.integer({ min: 0, max: 3 }), (crashAtMs, seed, pick, tearChoice) => {
      const sink = new MemoryBlockSink()
      const first = simulate({ capacityBitsPerSec: 25e6, rttMs: 40, lossRate: 0.01, seed, flows: [{ entries, rate, source: new MemoryBlockSource(contents), sink, crashAtMs, createController: controller }] })
      const receiver = first.flows[0]!.receiver
      if (!receiver.hasManifest) return
      // What a driver would write to disk, and read back after the crash.
      const journal = parseJournal(serializeJournal(receiver.journal()))
      const held = RangeSet.from(journal.receivedRanges)
      const layout = receiver.layout!
      // Every complete block held is recorded with the CRC-32 of its bytes; nothing is kept per datagram.
      const recorded: Array<[number, number]> = []
      for (const [file, list] of Object.entries(journal.blockCrc32)) {
        const index = Number(file)
        expect(list.length).toBeLessThanOrEqual(blockCount(sizes[index]!))
        list.forEach((crc, b) => {
          if (crc === null) return
          const [s, e] = blockSpan(sizes[index]!, b)
          expect(crc).toBe(crc32(contents[index]!.subarray(s, e)))
          recorded.push([index, b])
        })
      }
      let tornBytes = 0
      if (tearChoice > 0 && recorded.length > 0) {
        const [index, b] = recorded[pick % recorded.length]!
        const [s, e] = blockSpan(sizes[index]!, b)
        sink.files[index]![s + ((pick >> 3) % (e - s))]! ^= 0x5a
        tornBytes = e - s
      }
      const missing = layout.totalBytes - held.sizeBytes
      const second = simulate({ capacityBitsPerSec: 25e6, rttMs: 40, lossRate: 0.01, seed: seed + 1, flows: [{ entries, rate, source: new MemoryBlockSource(contents), sink, resumeFrom: journal, senderKnowsResume: true, createController: controller }] })
      const f = second.flows[0]!
      expect(f.ok).toBe(true)
      contents.forEach((c, i) => expect(sha(sink.files[i]!)).toBe(sha(c)))
      expect(f.receiver.corruptBlocks).toBe(tornBytes > 0 ? 1 : 0)
      // First sends of the resumed session (resends of its own losses aside): what the journal lacked, the torn
      // block, and at most one datagram per file stream — well within one block per stream.
      const resentBeyondMissing = f.payloadBytesSent - f.retransmittedBytes - missing
      expect(resentBeyondMissing).toBeLessThanOrEqual(tornBytes + entries.length * MAX_PAYLOAD_BYTES)
      expect(resentBeyondMissing).toBeLessThanOrEqual(tornBytes + INTEGRITY_BLOCK_BYTES)
    }), { numRuns: 16, seed: 11 })
  }, 300_000)

  it('a first flight into a resuming receiver (the sender not told): SHA-256 matches, at most one RTT of bytes repeated without loss; the sync holds at 5 % loss (property)', () => {
    const rttMs = 40
    fc.assert(fc.property(fc.integer({ min: 300, max: 1500 }), fc.integer({ min: 1, max: 1000 }), fc.constantFrom(0, 0.05), (crashAtMs, seed, lossRate) => {
      const sink = new MemoryBlockSink()
      const first = simulate({ capacityBitsPerSec: 25e6, rttMs, lossRate: 0.01, seed, flows: [{ entries, rate, source: new MemoryBlockSource(contents), sink, crashAtMs, createController: controller }] })
      const receiver = first.flows[0]!.receiver
      if (!receiver.hasManifest) return
      const journal = parseJournal(serializeJournal(receiver.journal()))
      const missing = receiver.layout!.totalBytes - RangeSet.from(journal.receivedRanges).sizeBytes
      const second = simulate({ capacityBitsPerSec: 25e6, rttMs, lossRate, seed: seed + 1, flows: [{ entries, rate, source: new MemoryBlockSource(contents), sink, resumeFrom: journal, createController: controller }] })
      const f = second.flows[0]!
      expect(f.ok).toBe(true)
      contents.forEach((c, i) => expect(sha(sink.files[i]!)).toBe(sha(c)))
      const resentBeyondMissing = f.payloadBytesSent - f.retransmittedBytes - missing
      // The first flight runs from the hello to the reply: one RTT at the sending rate (a lost reply: until a retried hello's).
      const oneRttBytes = rate.targetBitsPerSec / 8 * rttMs / 1000
      if (lossRate === 0) expect(resentBeyondMissing).toBeLessThanOrEqual(oneRttBytes + entries.length * MAX_PAYLOAD_BYTES)
    }), { numRuns: 12, seed: 5 })
  }, 300_000)

  it('reads version 1 and 2 journals (their ranges; block hashes are not checked any more) and refuses a malformed block list', () => {
    const v1 = { version: 1, connectionId: '00', manifestBase64: '', receivedRanges: [[0, 4]], digestsHex: {} }
    expect(parseJournal(JSON.stringify(v1)).blockCrc32).toEqual({})
    const v2 = parseJournal(JSON.stringify({ ...v1, version: 2, blockSha256Hex: { 0: ['ab'.repeat(32)] } }))
    expect(v2.receivedRanges).toEqual([[0, 4]])
    expect(v2.blockCrc32).toEqual({})
    expect(() => parseJournal(JSON.stringify({ ...v1, version: 3, blockCrc32: { 0: ['zz'] } }))).toThrow(/malformed/)
    expect(() => parseJournal(JSON.stringify({ ...v1, version: 3, blockCrc32: { 0: [2 ** 32] } }))).toThrow(/malformed/)
  })
})
