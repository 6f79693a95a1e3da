// A sender and a receiver session wired back to back in virtual time: files arrive whole, verified, with a lossy path too.
import { describe, it, expect } from 'vitest'
import { createHash } from 'node:crypto'
import { SenderSession } from '../../src/session/sender-session.js'
import { ReceiverSession } from '../../src/session/receiver-session.js'
import { FixedRateController } from '../../src/session/fixed-rate-controller.js'
import { MemoryBlockSource } from '../../src/files/memory-block-source.js'
import { MemoryBlockSink } from '../../src/files/memory-block-sink.js'
import type { ManifestEntry } from '../../src/manifest/manifest.js'
import { MAX_PAYLOAD_BYTES } from '../../src/wire/datagram-codec.js'

function lcg (seed: number): () => number {
  let s = seed >>> 0
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
}

/** Moves datagrams between two sessions with a fixed one-way delay and random loss, jumping virtual time. */
function run (entries: ManifestEntry[], contents: Uint8Array[], opts: { lossRate?: number, delayMs?: number, seed?: number, rate?: number, senderPollEveryMs?: number } = {}) {
  const secret = new Uint8Array(32).fill(7)
  const rand = lcg(opts.seed ?? 1)
  const delay = opts.delayMs ?? 10
  let now = 0
  const sink = new MemoryBlockSink()
  const sender = new SenderSession({ connectionId: '0123456789abcdef', secret, endpointRole: 'initiator', nowMs: now, entries, source: new MemoryBlockSource(contents), rateController: new FixedRateController({ policy: 'fixed', targetBitsPerSec: opts.rate ?? 100e6, minBitsPerSec: 1e6 }) })
  const receiver = new ReceiverSession({ connectionId: '0123456789abcdef', secret, endpointRole: 'responder', nowMs: now, sink })
  const wire: Array<{ at: number, to: 'r' | 's', buf: Buffer }> = []
  for (let step = 0; step < 5_000_000; step++) {
    // A late event loop: the sender is served only every `senderPollEveryMs`.
    const senderDue = (t: number): number => opts.senderPollEveryMs === undefined ? t : Math.ceil(Math.max(t, now) / opts.senderPollEveryMs) * opts.senderPollEveryMs
    for (const [s, to] of [[sender, 'r'], [receiver, 's']] as const) {
      if (s === sender && senderDue(now) !== now) continue
      if (s.nextDeadlineMs() <= now) s.handleTimeout(now)
      for (let b = s.pollTransmit(now); b !== undefined; b = s.pollTransmit(now)) {
        if (rand() >= (opts.lossRate ?? 0)) wire.push({ at: now + delay, to, buf: b })
      }
    }
    if (sender.state === 'closed' && receiver.state === 'closed') break
    wire.sort((a, b) => a.at - b.at)
    const next = Math.min(wire[0]?.at ?? Infinity, senderDue(sender.nextDeadlineMs()), receiver.nextDeadlineMs())
    if (next === Infinity) break
    now = Math.max(now, next)
    while (wire.length > 0 && wire[0]!.at <= now) {
      const d = wire.shift()!
      ;(d.to === 'r' ? receiver : sender).handleDatagram(d.buf, now)
    }
  }
  return { sender, receiver, sink, now }
}

describe('sender and receiver sessions', () => {
  it('move a folder of mixed files, empty ones and folders included', () => {
    const sizes = [0, 1, MAX_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES + 1, 100_000, 0]
    const contents = sizes.map((n, i) => new Uint8Array(n).map((_, j) => (j * 31 + i) & 0xff))
    const entries: ManifestEntry[] = sizes.map((n, i) => ({ relativePath: `d/f${i}.bin`, kind: 'file', sizeBytes: n }))
    entries.push({ relativePath: 'empty-folder', kind: 'directory', sizeBytes: 0 })
    contents.push(new Uint8Array(0))
    const { sender, receiver, sink } = run(entries, contents)
    expect(receiver.outcome).toEqual({ ok: true })
    expect(sender.outcome).toEqual({ ok: true })
    sizes.forEach((_, i) => expect(createHash('sha256').update(sink.files[i]!).digest('hex')).toBe(createHash('sha256').update(contents[i]!).digest('hex')))
  })

  it('keeps its rate when the driver polls it only every 15 ms (a late event loop catches up what accrued)', () => {
    const contents = [new Uint8Array(4_000_000).map((_, j) => j & 0xff)]
    const entries: ManifestEntry[] = [{ relativePath: 'late.bin', kind: 'file', sizeBytes: contents[0]!.length }]
    const prompt = run(entries, contents, { delayMs: 5 })
    const late = run(entries, contents, { delayMs: 5, senderPollEveryMs: 15 })
    expect(late.receiver.outcome).toEqual({ ok: true })
    // 4 MB at 100 Mbit/s is ~330 ms of sending. With only the 4 ms burst allowance, 15 ms polls would send 4 ms in 15:
    // over a second. Catching up, it takes about as long as prompt polling, plus a poll interval here and there.
    expect(late.now).toBeLessThan(prompt.now + 60)
  })

  it('recovers from 5 % random loss', () => {
    const contents = [new Uint8Array(2_000_000).map((_, j) => j & 0xff)]
    const { sender, receiver, sink } = run([{ relativePath: 'big.bin', kind: 'file', sizeBytes: contents[0]!.length }], contents, { lossRate: 0.05, seed: 9 })
    expect(receiver.outcome).toEqual({ ok: true })
    expect(sender.outcome).toEqual({ ok: true })
    expect(Buffer.from(sink.files[0]!).equals(Buffer.from(contents[0]!))).toBe(true)
    expect(sender.stats.retransmittedBytes).toBeLessThan(contents[0]!.length * 0.08)
  })
})
