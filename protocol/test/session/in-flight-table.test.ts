// InFlightTable behaves exactly like the insertion-ordered Map it replaced (delete + set moves a chunk to the newest end), for any sequence of operations.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { InFlightTable } from '../../src/session/in-flight-table.js'

type Op = { kind: 'send', offset: number, advanceMs: number } | { kind: 'delete', offset: number } | { kind: 'take', ageMs: number }

describe('InFlightTable', () => {
  it('matches an ordered Map: lookups, the oldest send time, taking the overdue oldest (property)', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('send' as const), offset: fc.integer({ min: 0, max: 40 }), advanceMs: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ kind: fc.constant('delete' as const), offset: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant('take' as const), ageMs: fc.integer({ min: 0, max: 50 }) })
    )
    fc.assert(fc.property(fc.array(op, { maxLength: 12_000 }), ops => {
      const table = new InFlightTable()
      const reference = new Map<number, number>()
      let now = 0
      for (const o of ops) {
        if (o.kind === 'send') {
          now += o.advanceMs
          reference.delete(o.offset); reference.set(o.offset, now)
          table.set(o.offset, now)
        } else if (o.kind === 'delete') {
          reference.delete(o.offset); table.delete(o.offset)
        } else {
          const before = now - o.ageMs
          const expected: number[] = []
          for (const [offset, sentAt] of reference) { if (sentAt > before) break; expected.push(offset) }
          for (const offset of expected) reference.delete(offset)
          const taken: number[] = []
          for (let g = table.takeOldestSentBy(before); g !== undefined; g = table.takeOldestSentBy(before)) taken.push(g)
          expect(taken).toEqual(expected)
        }
        expect(table.size).toBe(reference.size)
        expect(table.oldestSentAtMs()).toBe(reference.values().next().value)
      }
      for (const [offset, sentAt] of reference) expect(table.get(offset)).toBe(sentAt)
    }), { numRuns: 60, seed: 3 })
  })

  it('stays right across log compaction on a long run of sends acknowledged in order', () => {
    const table = new InFlightTable()
    for (let i = 0; i < 50_000; i++) {
      table.set(i, i)
      if (i % 7 === 3) table.set(i - 1, i) // a resend moves chunk i - 1 to the newest end
      if (i >= 1000) table.delete(i - 1000)
      const oldest = i < 1000 ? 0 : i - 999
      const resent = (oldest + 1) % 7 === 3 && oldest + 1 <= i // chunk `oldest` was sent again one ms later
      expect(table.oldestSentAtMs()).toBe(resent ? oldest + 1 : oldest)
    }
    expect(table.size).toBe(1000)
    let taken = 0
    while (table.takeOldestSentBy(49_500) !== undefined) taken++
    expect(taken).toBe(501) // chunks 49,000…49,500
    expect(table.oldestSentAtMs()).toBe(49_501)
  })
})
