// DelayBasedRateController in isolation: the RateController contract (bounds, fixed, configure, silence) and its reactions to hand-made reports.
import { describe, it, expect } from 'vitest'
import { DelayBasedRateController } from '../../src/congestion/delay-based-rate-controller.js'
import type { RateSettings, ReceiverReport } from '../../src/congestion/rate-controller.js'

const MBIT = 1e6
const fair: RateSettings = { policy: 'fair', targetBitsPerSec: 1000 * MBIT, minBitsPerSec: 1 * MBIT }

/** Feeds `count` reports every `intervalMs`, as from a path with the given base and queueing delay and receive rate. */
function feed (c: DelayBasedRateController, from: number, count: number, opts: { intervalMs?: number, queueMs?: number | ((t: number) => number), rateBits?: number | ((t: number) => number), lossFraction?: number, rttMs?: number }): number {
  const intervalMs = opts.intervalMs ?? 25
  let t = from
  for (let i = 0; i < count; i++) {
    t += intervalMs
    const q = typeof opts.queueMs === 'function' ? opts.queueMs(t) : opts.queueMs ?? 0
    const rate = typeof opts.rateBits === 'function' ? opts.rateBits(t) : opts.rateBits ?? c.rateBitsPerSec(t)
    const bytes = rate * intervalMs / 8000
    const report: ReceiverReport = { nowMs: t, ackedBytes: bytes * (1 - (opts.lossFraction ?? 0)), lostBytes: bytes * (opts.lossFraction ?? 0), receiveRateBitsPerSec: rate * (1 - (opts.lossFraction ?? 0)), oneWayDelayMs: [5000 + 50 + q], rttMs: (opts.rttMs ?? 100) + q }
    c.onReport(report)
  }
  return t
}

describe('DelayBasedRateController', () => {
  it('keeps every rate within [min, target]', () => {
    const c = new DelayBasedRateController({ settings: { policy: 'fair', targetBitsPerSec: 50 * MBIT, minBitsPerSec: 10 * MBIT }, nowMs: 0 })
    expect(c.rateBitsPerSec(0)).toBe(10 * MBIT)
    let t = feed(c, 0, 200, { queueMs: 0 })
    expect(c.rateBitsPerSec(t)).toBe(50 * MBIT)
    t = feed(c, t, 400, { queueMs: 500, rateBits: 1 * MBIT })
    expect(c.rateBitsPerSec(t)).toBe(10 * MBIT)
  })

  it('sends at the target under `fixed`, whatever the reports say', () => {
    const c = new DelayBasedRateController({ settings: { policy: 'fixed', targetBitsPerSec: 80 * MBIT, minBitsPerSec: 1 * MBIT }, nowMs: 0 })
    const t = feed(c, 0, 100, { queueMs: 300, rateBits: 5 * MBIT, lossFraction: 0.3 })
    expect(c.rateBitsPerSec(t)).toBe(80 * MBIT)
    expect(c.rateBitsPerSec(t + 60_000)).toBe(80 * MBIT)
  })

  it('grows fast while no queue forms (fast start), then settles on the receive rate', () => {
    const c = new DelayBasedRateController({ settings: fair, nowMs: 0 })
    // Path of 200 Mbit/s: the receiver sees min(rate, capacity); the queue grows once the rate exceeds it.
    let queueMs = 0
    let t = 0
    for (let i = 0; i < 200; i++) {
      const rate = c.rateBitsPerSec(t)
      queueMs = Math.max(0, queueMs + (rate - 200 * MBIT) / (200 * MBIT) * 25)
      t = feed(c, t, 1, { queueMs, rateBits: Math.min(rate, 200 * MBIT) })
      if (i === 40) expect(c.rateBitsPerSec(t)).toBeGreaterThan(150 * MBIT)
    }
    expect(c.rateBitsPerSec(t)).toBeGreaterThan(180 * MBIT)
    expect(c.rateBitsPerSec(t)).toBeLessThan(230 * MBIT)
  })

  it('paces the first RTT at a known path rate and does not grow before feedback from data (spec §2.1)', () => {
    const c = new DelayBasedRateController({ settings: { ...fair, pathBitsPerSec: 400 * MBIT }, nowMs: 0 })
    expect(c.rateBitsPerSec(0)).toBe(400 * MBIT)
    // The receiver's sync acknowledgements carry no receive rate: no growth on them.
    for (let t = 10; t <= 100; t += 10) c.onReport({ nowMs: t, ackedBytes: 0, lostBytes: 0, receiveRateBitsPerSec: 0, oneWayDelayMs: [], rttMs: Number.NaN })
    expect(c.rateBitsPerSec(100)).toBe(400 * MBIT)
    // Feedback below the path rate keeps it as the ceiling; a path that serves it confirms it and the start goes on.
    let t = feed(c, 100, 8, { queueMs: 0, rateBits: 300 * MBIT })
    expect(c.rateBitsPerSec(t)).toBe(400 * MBIT)
    t = feed(c, t, 8, { queueMs: 0, rateBits: 400 * MBIT })
    expect(c.rateBitsPerSec(t)).toBeGreaterThan(400 * MBIT)
    expect(c.snapshot().phase).toBe('start')
  })

  it('rejects a path rate that is not a positive number', () => {
    expect(() => new DelayBasedRateController({ settings: { ...fair, pathBitsPerSec: 0 }, nowMs: 0 })).toThrow(expect.objectContaining({ code: 'FERRY_RATE_SETTINGS' }))
  })

  it('holds the link when the queue is empty although single receive-rate samples are noisy (spec §4.3)', () => {
    // Target = link = 100 Mbit/s, so no queue forms; every other report says 60 % of what arrived (receiver jitter).
    const lowestRate = (tunables: { servedHoldQueueDelayMs?: number, servedWindowRtts?: number }): number => {
      const c = new DelayBasedRateController({ settings: { ...fair, targetBitsPerSec: 100 * MBIT }, nowMs: 0, tunables })
      let t = feed(c, 0, 40, { queueMs: 0, rateBits: t => Math.min(c.rateBitsPerSec(t), 100 * MBIT) })
      // Leave the fast start through a short queue, as on a real path.
      t = feed(c, t, 2, { queueMs: 10, rateBits: 100 * MBIT })
      // Back to steady state at the link rate, then 10 reports (2.5 RTTs) with no queue and noisy samples.
      t = feed(c, t, 2, { queueMs: 0, rateBits: 100 * MBIT })
      let lowest = Infinity
      for (let i = 0; i < 10; i++) {
        const noisy = i % 2 === 0 ? 1 : 0.6
        t = feed(c, t, 1, { queueMs: 0, rateBits: Math.min(c.rateBitsPerSec(t), 100 * MBIT) * noisy })
        lowest = Math.min(lowest, c.rateBitsPerSec(t))
      }
      expect(c.snapshot().phase).toBe('steady')
      return lowest
    }
    expect(lowestRate({})).toBeGreaterThan(95 * MBIT)
    // Without the served filter the same samples drag the rate down.
    expect(lowestRate({ servedHoldQueueDelayMs: 0, servedWindowRtts: 0 })).toBeLessThan(90 * MBIT)
  })

  it('does not take random loss as congestion: the rate holds at 5 % loss', () => {
    const c = new DelayBasedRateController({ settings: fair, nowMs: 0 })
    let t = feed(c, 0, 100, { queueMs: 0 })
    // The fast start's overshoot fills a 60 ms buffer once, then the flow holds a small queue.
    t = feed(c, t, 4, { queueMs: 60, rateBits: 100 * MBIT })
    t = feed(c, t, 40, { queueMs: 8, rateBits: 100 * MBIT })
    const before = c.rateBitsPerSec(t)
    t = feed(c, t, 400, { queueMs: 8, rateBits: 100 * MBIT, lossFraction: 0.05 })
    expect(c.snapshot().randomLossEstimate).toBeCloseTo(0.05, 2)
    // With the loss compensated, the rate is what the bottleneck serves (100 Mbit/s), not 95 % of it.
    expect(c.rateBitsPerSec(t)).toBeGreaterThan(0.99 * before)
  })

  it('learns a loss that starts mid-transfer as the new floor instead of collapsing', () => {
    const c = new DelayBasedRateController({ settings: fair, nowMs: 0 })
    // A fluid bottleneck of 100 Mbit/s with a 60 ms buffer: the queue follows the controller's rate.
    let queueMs = 0
    let t = 0
    const step = (lossFraction: number): void => {
      const rate = c.rateBitsPerSec(t)
      queueMs = Math.min(60, Math.max(0, queueMs + (rate - 100 * MBIT) / (100 * MBIT) * 25))
      t = feed(c, t, 1, { queueMs, rateBits: queueMs > 0 ? 100 * MBIT : rate, lossFraction })
    }
    for (let i = 0; i < 400; i++) step(0)
    const before = c.rateBitsPerSec(t)
    expect(before).toBeGreaterThan(95 * MBIT)
    for (let i = 0; i < 800; i++) step(0.05)
    expect(c.snapshot().randomLossEstimate).toBeCloseTo(0.05, 2)
    expect(c.rateBitsPerSec(t)).toBeGreaterThan(0.9 * before)
  })

  it('backs off on loss when the queue is at its fullest (a drop-tail overflow)', () => {
    const c = new DelayBasedRateController({ settings: fair, nowMs: 0 })
    let t = feed(c, 0, 100, { queueMs: 0 })
    t = feed(c, t, 200, { queueMs: 8, rateBits: 20 * MBIT })
    const before = c.rateBitsPerSec(t)
    t = feed(c, t, 8, { queueMs: 90, rateBits: 20 * MBIT, lossFraction: 0.03 })
    expect(c.rateBitsPerSec(t)).toBeLessThan(0.75 * before)
  })

  it('halves `low` once per RTT while someone else holds the queue', () => {
    const c = new DelayBasedRateController({ settings: { ...fair, policy: 'low' }, nowMs: 0 })
    let t = feed(c, 0, 100, { queueMs: 0 })
    t = feed(c, t, 40, { queueMs: 8, rateBits: 100 * MBIT })
    t = feed(c, t, 40, { queueMs: 0.5, rateBits: 100 * MBIT })
    expect(c.snapshot().phase).toBe('steady')
    t = feed(c, t, 20, { queueMs: 10, rateBits: (time: number) => c.rateBitsPerSec(time) })
    // 500 ms at 100 ms RTT: about five halvings.
    expect(c.rateBitsPerSec(t)).toBeLessThanOrEqual(100 * MBIT / 16)
  })

  it('takes new settings mid-transfer', () => {
    const c = new DelayBasedRateController({ settings: fair, nowMs: 0 })
    const t = feed(c, 0, 100, { queueMs: 0 })
    c.configure({ policy: 'fair', targetBitsPerSec: 30 * MBIT, minBitsPerSec: 1 * MBIT }, t)
    expect(c.rateBitsPerSec(t)).toBe(30 * MBIT)
    c.configure({ policy: 'fixed', targetBitsPerSec: 70 * MBIT, minBitsPerSec: 1 * MBIT }, t)
    expect(c.rateBitsPerSec(t)).toBe(70 * MBIT)
    expect(c.settings.policy).toBe('fixed')
    c.configure({ policy: 'low', targetBitsPerSec: 70 * MBIT, minBitsPerSec: 5 * MBIT }, t)
    expect(c.snapshot().phase).toBe('start')
    expect(c.rateBitsPerSec(t)).toBe(70 * MBIT)
  })

  it('backs off when reports stop', () => {
    const c = new DelayBasedRateController({ settings: fair, nowMs: 0 })
    const t = feed(c, 0, 100, { queueMs: 0 })
    const rate = c.rateBitsPerSec(t)
    expect(c.rateBitsPerSec(t + 300)).toBe(rate)
    expect(c.rateBitsPerSec(t + 2000)).toBeLessThan(rate / 100)
    expect(c.rateBitsPerSec(t + 60_000)).toBe(fair.minBitsPerSec)
  })

  it('refuses invalid settings with a coded error', () => {
    const code = expect.objectContaining({ code: 'FERRY_RATE_SETTINGS' })
    expect(() => new DelayBasedRateController({ settings: { policy: 'fair', targetBitsPerSec: 1, minBitsPerSec: 2 }, nowMs: 0 })).toThrow(code)
    expect(() => new DelayBasedRateController({ settings: { policy: 'fair', targetBitsPerSec: 1, minBitsPerSec: 0 }, nowMs: 0 })).toThrow(code)
    const c = new DelayBasedRateController({ settings: fair, nowMs: 0 })
    expect(() => c.configure({ policy: 'bulk' as never, targetBitsPerSec: 2, minBitsPerSec: 1 }, 0)).toThrow(code)
    expect(c.settings).toEqual(fair)
  })
})
