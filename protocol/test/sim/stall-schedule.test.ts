// StallSchedule: seeded stalls at random intervals with bounded lengths; the same seed replays the same stalls.
import { describe, it, expect } from 'vitest'
import { StallSchedule } from '../../src/sim/stall-schedule.js'
import { splitMix32 } from '../../src/sim/split-mix-32.js'

/** Walks the schedule in 0.1 ms steps and returns the stalls seen as [start, end) pairs. */
function stallsOf (schedule: StallSchedule, untilMs: number): Array<[number, number]> {
  const seen: Array<[number, number]> = []
  for (let t = 0; t < untilMs; t += 0.1) {
    const end = schedule.stalledUntil(t)
    if (end !== undefined && (seen.length === 0 || seen[seen.length - 1]![1] !== end)) seen.push([t, end])
  }
  return seen
}

describe('StallSchedule', () => {
  it('stalls for minMs..maxMs at random intervals, about the expected share of the time', () => {
    const schedule = new StallSchedule({ meanIntervalMs: 400, minMs: 20, maxMs: 80 }, splitMix32(42))
    const stalls = stallsOf(schedule, 60_000)
    // 60 s at one stall per ~450 ms: ~130 stalls, each 20–80 ms long (as seen from 0.1 ms steps).
    expect(stalls.length).toBeGreaterThan(100)
    expect(stalls.length).toBeLessThan(170)
    for (const [start, end] of stalls) {
      expect(end - start).toBeLessThanOrEqual(80 + 1e-9)
      expect(end - start).toBeGreaterThan(20 - 0.11)
    }
    const gaps = stalls.slice(1).map(([start], i) => start - stalls[i]![1])
    expect(Math.min(...gaps)).toBeLessThan(40) // exponential intervals: some come soon after the last stall…
    expect(Math.max(...gaps)).toBeGreaterThan(1000) // …and some long after
    const share = schedule.stalledMsBy(60_000) / 60_000
    expect(share).toBeGreaterThan(0.08)
    expect(share).toBeLessThan(0.14) // expected 50 / (400 + 50) ≈ 0.11
  })

  it('replays the same stalls from the same seed, other stalls from another', () => {
    const run = (seed: number): Array<[number, number]> => stallsOf(new StallSchedule({ meanIntervalMs: 200, minMs: 10, maxMs: 50 }, splitMix32(seed), 5), 5_000)
    expect(run(7)).toEqual(run(7))
    expect(run(8)).not.toEqual(run(7))
    expect(run(7)[0]![0]).toBeGreaterThanOrEqual(5)
  })

  it('refuses nonsense configuration with a coded error', () => {
    expect(() => new StallSchedule({ meanIntervalMs: 0, minMs: 1, maxMs: 2 }, splitMix32(1))).toThrow(expect.objectContaining({ code: 'FERRY_SIM_STALL_CONFIG' }))
    expect(() => new StallSchedule({ meanIntervalMs: 10, minMs: 5, maxMs: 2 }, splitMix32(1))).toThrow(expect.objectContaining({ code: 'FERRY_SIM_STALL_CONFIG' }))
  })
})
