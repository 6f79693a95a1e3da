// DelayBasedRateController under event-loop stalls (issue 4): reports that arrive in a burst after a gap, with one-way delays inflated by the receiver's socket buffer and a receive rate measured across the stall, must not collapse the rate (spec §3.1, §4.1).
import { describe, it, expect } from 'vitest'
import { DelayBasedRateController, type RateControlTunables } from '../../src/congestion/delay-based-rate-controller.js'

const MBIT = 1e6
const LINK = 100 * MBIT
const RTT_MS = 50
const BASE_OWD_MS = 25

/**
 * A fluid 100 Mbit/s bottleneck (60 ms buffer) whose receiver reports every 4 ms, except that every `stallEveryMs`
 * its event loop stops for `stallMs`: nothing is reported meanwhile, then the datagrams that waited in its socket
 * buffer are read and acknowledged in a burst of 30 reports within 3 ms. Their one-way delays fall from the stall
 * length to the path's, their receive rate is what the last 25 ms window saw (almost nothing), and a fifth of the
 * datagrams overflowed the socket buffer (reported lost).
 * Returns the time-weighted mean rate over the last 5 s.
 */
function run (stallMs: number, stallEveryMs: number, tunables: Partial<RateControlTunables> = {}): { mean: number } {
  const c = new DelayBasedRateController({ settings: { policy: 'fair', targetBitsPerSec: 1000 * MBIT, minBitsPerSec: 1 * MBIT }, nowMs: 0, tunables })
  let queueMs = 0
  let t = 0
  let nextStallMs = 3000
  let sum = 0
  let count = 0
  let lastMs = 0
  let rateBefore = c.rateBitsPerSec(0)
  const report = (owdMs: number, receiveRate: number, bytes: number, lostBytes = 0): void => {
    c.onReport({ nowMs: t, ackedBytes: bytes, lostBytes, receiveRateBitsPerSec: receiveRate, oneWayDelayMs: [owdMs], rttMs: RTT_MS + queueMs })
    // Time-weighted: the rate in force since the previous report, for as long as it was in force.
    if (t >= 10_000) { sum += rateBefore * (t - lastMs); count += t - lastMs }
    lastMs = t
    rateBefore = c.rateBitsPerSec(t)
  }
  while (t < 15_000) {
    const rate = c.rateBitsPerSec(t)
    if (t >= nextStallMs) {
      // The stall: the path keeps delivering into the socket buffer; no report leaves.
      for (let s = 0; s < stallMs; s += 4) queueMs = Math.min(60, Math.max(0, queueMs + (c.rateBitsPerSec(t + s) - LINK) / LINK * 4))
      t += stallMs
      const burst = 30
      const bytes = LINK * stallMs / 8000 / burst
      for (let k = 1; k <= burst; k++) {
        t += 0.1
        report(BASE_OWD_MS + queueMs + stallMs * (1 - k / burst), 0.05 * LINK, 0.8 * bytes, 0.2 * bytes)
      }
      nextStallMs = t + stallEveryMs
      continue
    }
    t += 4
    queueMs = Math.min(60, Math.max(0, queueMs + (rate - LINK) / LINK * 4))
    const served = queueMs > 0 ? LINK : rate
    report(BASE_OWD_MS + queueMs, served, served * 4 / 8000)
  }
  return { mean: sum / count }
}

describe('rate control under event-loop stalls', () => {
  it('holds the link through 100 ms receiver stalls every 300 ms', () => {
    const { mean } = run(100, 300)
    expect(mean).toBeGreaterThan(0.9 * LINK)
  })

  it('holds the link through 40 ms stalls every 100 ms', () => {
    const { mean } = run(40, 100)
    expect(mean).toBeGreaterThan(0.9 * LINK)
  })

  it('collapses when gaps are not taken for stalls and every report counts alone (what §3.1 and §3.3 are for)', () => {
    // The floor is seeded from the fast start whatever its size, so loss judgement is on (spec §3.3: without a learned
    // floor no loss counts as congestion, which would hide the false cut this test is about).
    const { mean } = run(100, 300, { queueFilterMs: 0, reportGapCapMs: 1e9, stallGapMinMs: 1e9, lossSeedMinBytes: 0 })
    expect(mean).toBeLessThan(0.5 * LINK)
  })

  it('learns random loss when reports come with ordinary scheduling jitter (gaps of 1–12 ms at a real receiver are not stalls)', () => {
    const c = new DelayBasedRateController({ settings: { policy: 'fair', targetBitsPerSec: 1000 * MBIT, minBitsPerSec: 1 * MBIT }, nowMs: 0 })
    // A seeded LCG: the gaps vary as a real event loop's do, the same in every run.
    let seed = 7
    const random = (): number => { seed = (seed * 1664525 + 1013904223) >>> 0; return seed / 2 ** 32 }
    let t = 0
    let queueMs = 0
    while (t < 10_000) {
      const gapMs = random() < 0.2 ? 6 + 6 * random() : 1 + 3 * random()
      const rate = c.rateBitsPerSec(t)
      t += gapMs
      queueMs = Math.min(60, Math.max(0, queueMs + (rate - LINK) / LINK * gapMs))
      const served = queueMs > 0 ? LINK : rate
      const bytes = served * gapMs / 8000
      c.onReport({ nowMs: t, ackedBytes: 0.98 * bytes, lostBytes: 0.02 * bytes, receiveRateBitsPerSec: 0.98 * served, oneWayDelayMs: [BASE_OWD_MS + queueMs], rttMs: RTT_MS + queueMs })
    }
    expect(c.snapshot().randomLossEstimate).toBeGreaterThan(0.015)
    expect(c.snapshot().randomLossEstimate).toBeLessThan(0.025)
  })
})
