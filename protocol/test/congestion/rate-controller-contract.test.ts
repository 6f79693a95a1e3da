// The RateController contract, run against every implementation: whatever the reports say (garbage included), the rate is finite, within [min, target], and nothing throws.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { DelayBasedRateController } from '../../src/congestion/delay-based-rate-controller.js'
import { FixedRateController } from '../../src/session/fixed-rate-controller.js'
import type { RateController, RatePolicy, RateSettings, ReceiverReport } from '../../src/congestion/rate-controller.js'

const implementations: Array<[string, (settings: RateSettings) => RateController]> = [
  ['DelayBasedRateController', settings => new DelayBasedRateController({ settings, nowMs: 0 })],
  ['FixedRateController', settings => new FixedRateController(settings)]
]

const anyNumber = fc.oneof(fc.double({ noNaN: false }), fc.integer({ min: -1e12, max: 1e12 }), fc.constantFrom(0, -1, Infinity, -Infinity, Number.NaN))
const policy = fc.constantFrom<RatePolicy>('fixed', 'high', 'fair', 'low')
const settings = fc.tuple(policy, fc.double({ min: 1e3, max: 1e9, noNaN: true }), fc.double({ min: 1, max: 100, noNaN: true }))
  .map(([p, min, factor]): RateSettings => ({ policy: p, minBitsPerSec: min, targetBitsPerSec: min * factor }))

type Step = { kind: 'report', dtMs: number, report: Omit<ReceiverReport, 'nowMs'> } | { kind: 'sent', dtMs: number, sizeBytes: number } | { kind: 'configure', dtMs: number, settings: RateSettings }

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('report' as const),
    dtMs: fc.double({ min: 0, max: 2000, noNaN: true }),
    report: fc.record({ ackedBytes: anyNumber, lostBytes: anyNumber, receiveRateBitsPerSec: anyNumber, oneWayDelayMs: fc.array(anyNumber, { maxLength: 4 }), rttMs: anyNumber })
  }),
  fc.record({ kind: fc.constant('sent' as const), dtMs: fc.double({ min: 0, max: 5, noNaN: true }), sizeBytes: fc.integer({ min: 1, max: 9000 }) }),
  fc.record({ kind: fc.constant('configure' as const), dtMs: fc.double({ min: 0, max: 100, noNaN: true }), settings })
)

describe.each(implementations)('RateController contract: %s', (_name, create) => {
  it('paces within [min, target], finite, whatever the reports say', () => {
    fc.assert(fc.property(settings, fc.array(step, { maxLength: 200 }), (initial, steps) => {
      const c = create(initial)
      let now = 0
      let current = initial
      for (const s of steps) {
        now += s.dtMs
        if (s.kind === 'report') c.onReport({ ...s.report, nowMs: now })
        else if (s.kind === 'sent') c.onPacketSent(s.sizeBytes, now)
        else { c.configure(s.settings, now); current = s.settings }
        const rate = c.rateBitsPerSec(now)
        expect(Number.isFinite(rate)).toBe(true)
        expect(rate).toBeGreaterThanOrEqual(current.minBitsPerSec)
        expect(rate).toBeLessThanOrEqual(current.targetBitsPerSec)
        if (current.policy === 'fixed') expect(rate).toBe(current.targetBitsPerSec)
      }
      expect(c.settings).toEqual(current)
    }), { numRuns: 300 })
  })

  it('survives infinite and NaN counts in a report', () => {
    const c = create({ policy: 'fair', minBitsPerSec: 1e6, targetBitsPerSec: 1e9 })
    for (let i = 1; i <= 50; i++) {
      c.onPacketSent(1400, i * 10)
      c.onReport({ nowMs: i * 10, ackedBytes: i % 2 === 0 ? Infinity : 1e6, lostBytes: i % 3 === 0 ? Infinity : Number.NaN, receiveRateBitsPerSec: i % 5 === 0 ? Number.NaN : 1e8, oneWayDelayMs: [i, Infinity, Number.NaN], rttMs: i % 7 === 0 ? -1 : 50 })
      const rate = c.rateBitsPerSec(i * 10)
      expect(Number.isFinite(rate) && rate >= 1e6 && rate <= 1e9).toBe(true)
    }
  })
})
