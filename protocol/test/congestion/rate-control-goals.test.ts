// The rate-control goals of issues 3 and 4, shown in closed loop (paced sender → VirtualLink → reporting receiver), in virtual time, from fixed seeds.
import { describe, it, expect } from 'vitest'
import { runClosedLoop, type ClosedLoopScenario, type FlowSpec } from './closed-loop.js'
import type { RatePolicy } from '../../src/congestion/rate-controller.js'

const MBIT = 1e6

function flow (policy: RatePolicy, startMs = 0): FlowSpec {
  return { kind: 'paced', startMs, settings: { policy, targetBitsPerSec: 10_000 * MBIT, minBitsPerSec: 0.5 * MBIT } }
}

/** 1 Gbit/s scenarios use 9000-byte datagrams so a test simulates a tenth of the events; the law is byte-based. */
function packetBytesFor (capacityBitsPerSec: number): number {
  return capacityBitsPerSec >= 1000 * MBIT ? 9000 : 1400
}

describe('rate control in closed loop', () => {
  // Steady state: measured after the fast start and its drain; longer RTTs need longer to settle.
  const cases: Array<[number, number, number]> = []
  for (const rttMs of [10, 200, 600]) for (const loss of [0, 0.02, 0.05]) cases.push([100 * MBIT, rttMs, loss])
  for (const rttMs of [10, 100, 300]) for (const loss of [0, 0.02, 0.05]) cases.push([1000 * MBIT, rttMs, loss])

  it.each(cases)('goodput ≥ 0.97 (0.95 at 5 %) of capacity × (1 − loss): %d bit/s, RTT %d ms, loss %d', (capacityBitsPerSec, rttMs, lossRate) => {
    const settleMs = Math.max(3000, 12 * rttMs)
    const durationMs = settleMs + Math.max(3000, 8 * rttMs)
    const r = runClosedLoop({ capacityBitsPerSec, rttMs, lossRate, durationMs, packetBytes: packetBytesFor(capacityBitsPerSec), flows: [flow('fair')], seed: 42 })
    const efficiency = r.goodputBitsPerSec(0, settleMs, durationMs) / (capacityBitsPerSec * (1 - lossRate))
    expect(efficiency).toBeGreaterThanOrEqual(lossRate <= 0.02 ? 0.97 : 0.95)
  })

  it.each([[100 * MBIT, 200], [1000 * MBIT, 100]])('paces at the link when receivers report payload only (0.95 of each datagram): %d bit/s, RTT %d ms', (capacityBitsPerSec, rttMs) => {
    const r = runClosedLoop({ capacityBitsPerSec, rttMs, lossRate: 0.01, payloadFraction: 0.95, durationMs: 10_000, packetBytes: packetBytesFor(capacityBitsPerSec), flows: [flow('fair')], seed: 5 })
    expect(r.goodputBitsPerSec(0, 5000, 10_000) / (capacityBitsPerSec * 0.99)).toBeGreaterThanOrEqual(0.97)
  })

  it.each([100 * MBIT, 1000 * MBIT])('reaches 90 %% of %d bit/s within 2 s at 200 ms RTT (fast start)', capacityBitsPerSec => {
    const r = runClosedLoop({ capacityBitsPerSec, rttMs: 200, durationMs: 3000, binMs: 100, packetBytes: packetBytesFor(capacityBitsPerSec), flows: [flow('fair')] })
    const firstBin = r.flows[0]!.binsBytes.findIndex(bytes => bytes * 8000 / r.binMs >= 0.9 * capacityBitsPerSec)
    expect(firstBin).toBeGreaterThanOrEqual(0)
    expect((firstBin + 1) * r.binMs).toBeLessThanOrEqual(2000)
  })

  it.each([[0], [3000]])('gives two `fair` flows 45–55 %% each (second starts at %d ms)', startMs => {
    const capacityBitsPerSec = 100 * MBIT
    const durationMs = startMs + 12_000
    const r = runClosedLoop({ capacityBitsPerSec, rttMs: 50, durationMs, flows: [flow('fair'), flow('fair', startMs)], seed: 7 })
    for (const i of [0, 1]) {
      const share = r.goodputBitsPerSec(i, durationMs - 6000, durationMs) / capacityBitsPerSec
      expect(share).toBeGreaterThanOrEqual(0.45)
      expect(share).toBeLessThanOrEqual(0.55)
    }
  })

  it.each<[number, number, number]>([[100 * MBIT, 100, 1], [1000 * MBIT, 100, 1], [100 * MBIT, 50, 2]])('keeps the standing queue ≤ 25 ms under `fair` with no random loss (%d bit/s, RTT %d ms, %d flows)', (capacityBitsPerSec, rttMs, flows) => {
    const durationMs = 10_000
    const r = runClosedLoop({ capacityBitsPerSec, rttMs, durationMs, packetBytes: packetBytesFor(capacityBitsPerSec), flows: Array.from({ length: flows }, () => flow('fair')) })
    expect(r.maxQueueDelayMs(5000, durationMs)).toBeLessThanOrEqual(25)
  })

  it.each([[undefined], [1000 * MBIT]])('drains the fast start at 1 Gbit/s, 600 ms: the standing queue from 5 s on is ≤ 25 ms (path rate told: %s bit/s, spec §2.2)', pathBitsPerSec => {
    const durationMs = 12_000
    const settings = { policy: 'fair' as const, targetBitsPerSec: 10_000 * MBIT, minBitsPerSec: 0.5 * MBIT, ...(pathBitsPerSec === undefined ? {} : { pathBitsPerSec }) }
    const r = runClosedLoop({ capacityBitsPerSec: 1000 * MBIT, rttMs: 600, durationMs, packetBytes: 9000, flows: [{ kind: 'paced', settings }] })
    // The standing queue is a mean (bench:sim's figure); at 600 ms the law's slow loop lets single samples wander higher.
    expect(r.meanQueueDelayMs(5000, durationMs)).toBeLessThanOrEqual(25)
    expect(r.goodputBitsPerSec(0, 5000, durationMs)).toBeGreaterThanOrEqual(0.97 * 1000 * MBIT)
  })

  it('makes a `low` flow fall to ≤ 10 % of the link within 2 s of a `fair` one starting', () => {
    const capacityBitsPerSec = 100 * MBIT
    const fairStartMs = 4000
    const r = runClosedLoop({ capacityBitsPerSec, rttMs: 100, durationMs: 10_000, binMs: 250, flows: [flow('low'), flow('fair', fairStartMs)] })
    // Alone, `low` fills the link…
    expect(r.goodputBitsPerSec(0, 2000, fairStartMs)).toBeGreaterThan(0.9 * capacityBitsPerSec)
    // …and from 2 s after `fair` starts, every 250 ms bin of it is at most 10 % of the link.
    const from = (fairStartMs + 2000) / r.binMs
    for (let k = from; k < r.flows[0]!.binsBytes.length; k++) expect(r.flows[0]!.binsBytes[k]! * 8000 / r.binMs).toBeLessThanOrEqual(0.1 * capacityBitsPerSec)
    expect(r.goodputBitsPerSec(1, fairStartMs + 2000, 10_000)).toBeGreaterThan(0.85 * capacityBitsPerSec)
  })

  // Issue 4's kernel goal, against a loss-based CUBIC-like model (20 Mbit/s, 100 ms, no random loss), for a
  // buffer of half, one and two BDPs.
  describe.each([50, 100, 200])('against a CUBIC-like TCP flow, 20 Mbit/s, 100 ms, %d ms of buffer', queueMs => {
    const base: Omit<ClosedLoopScenario, 'flows'> = { capacityBitsPerSec: 20 * MBIT, rttMs: 100, queueMs, durationMs: 24_000, binMs: 250, seed: 3 }
    const tcpAlone = runClosedLoop({ ...base, flows: [{ kind: 'tcp' }] }).goodputBitsPerSec(0, 12_000, 24_000)

    it('TCP keeps ≥ 40 % of the link under `fair`', () => {
      const r = runClosedLoop({ ...base, flows: [{ kind: 'tcp' }, flow('fair', 3000)] })
      expect(r.goodputBitsPerSec(0, 12_000, 24_000) / (20 * MBIT)).toBeGreaterThanOrEqual(0.4)
      // …and `fair` is not starved either.
      expect(r.goodputBitsPerSec(1, 12_000, 24_000) / (20 * MBIT)).toBeGreaterThanOrEqual(0.2)
    })

    it('TCP keeps ≥ 90 % of what it gets alone under `low`', () => {
      const r = runClosedLoop({ ...base, flows: [{ kind: 'tcp' }, flow('low', 3000)] })
      expect(r.goodputBitsPerSec(0, 12_000, 24_000)).toBeGreaterThanOrEqual(0.9 * tcpAlone)
    })
  })

  it('follows `configure` mid-transfer: fair → fixed 30 Mbit/s → fair', () => {
    const capacityBitsPerSec = 100 * MBIT
    const fixed = { policy: 'fixed' as const, targetBitsPerSec: 30 * MBIT, minBitsPerSec: 0.5 * MBIT }
    const fairAgain = { policy: 'fair' as const, targetBitsPerSec: 10_000 * MBIT, minBitsPerSec: 0.5 * MBIT }
    const r = runClosedLoop({ capacityBitsPerSec, rttMs: 50, durationMs: 12_000, flows: [{ ...flow('fair') as Extract<FlowSpec, { kind: 'paced' }>, reconfigure: [[4000, fixed], [8000, fairAgain]] }] })
    expect(r.goodputBitsPerSec(0, 2000, 4000)).toBeGreaterThan(0.97 * capacityBitsPerSec)
    expect(r.goodputBitsPerSec(0, 5000, 8000) / (30 * MBIT)).toBeCloseTo(1, 1)
    expect(r.goodputBitsPerSec(0, 10_000, 12_000)).toBeGreaterThan(0.97 * capacityBitsPerSec)
  })

  it('replays exactly from its seed', () => {
    const scenario: ClosedLoopScenario = { capacityBitsPerSec: 100 * MBIT, rttMs: 80, lossRate: 0.01, jitterMs: 1, durationMs: 3000, flows: [flow('fair'), flow('low', 500)], seed: 9 }
    const a = runClosedLoop(scenario)
    const b = runClosedLoop(scenario)
    expect(b.flows.map(f => f.binsBytes)).toEqual(a.flows.map(f => f.binsBytes))
    expect(b.queueDelayMs).toEqual(a.queueDelayMs)
  })
})
