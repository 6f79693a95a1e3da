// SendHistory: cumulative bytes sent by a given time, sampled at most once a millisecond, forgetting old samples.
import { describe, it, expect } from 'vitest'
import { SendHistory } from '../../src/congestion/send-history.js'

describe('SendHistory', () => {
  it('answers the bytes sent by a time from the newest sample at or before it', () => {
    const h = new SendHistory()
    expect(h.sentBy(0)).toBe(0)
    h.record(10, 1000)
    h.record(20, 3000)
    h.record(30, 6000)
    expect(h.sentBy(9)).toBe(1000) // before the oldest sample: the oldest
    expect(h.sentBy(10)).toBe(1000)
    expect(h.sentBy(25)).toBe(3000)
    expect(h.sentBy(1e9)).toBe(6000)
  })

  it('keeps one sample per millisecond: a later send within it updates the total', () => {
    const h = new SendHistory()
    h.record(10, 1000)
    h.record(10.4, 2500)
    h.record(11, 4000)
    expect(h.sentBy(10.9)).toBe(2500)
    expect(h.sentBy(11)).toBe(4000)
  })

  it('forgets samples before a time but keeps the newest of them', () => {
    const h = new SendHistory()
    for (let t = 0; t < 10_000; t++) h.record(t, t * 100)
    h.forgetBefore(9_000.5)
    expect(h.sentBy(9_000.7)).toBe(900_000)
    expect(h.sentBy(0)).toBe(900_000)
    expect(h.sentBy(9_999)).toBe(999_900)
    h.clear()
    expect(h.sentBy(9_999)).toBe(0)
  })
})
