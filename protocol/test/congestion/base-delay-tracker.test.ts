// BaseDelayTracker: the minimum over a sliding window of buckets, so a higher path delay is re-learned.
import { describe, it, expect } from 'vitest'
import { BaseDelayTracker } from '../../src/congestion/base-delay-tracker.js'

describe('BaseDelayTracker', () => {
  it('is undefined before any sample, then the minimum', () => {
    const b = new BaseDelayTracker({ bucketMs: 1000, bucketCount: 3 })
    expect(b.baseMs).toBeUndefined()
    b.add(50, 0)
    b.add(40, 10)
    b.add(60, 20)
    expect(b.baseMs).toBe(40)
  })

  it('forgets a minimum older than the window (route change to a longer path)', () => {
    const b = new BaseDelayTracker({ bucketMs: 1000, bucketCount: 3 })
    b.add(40, 0)
    for (let t = 1000; t <= 2500; t += 100) b.add(90, t)
    expect(b.baseMs).toBe(40)
    for (let t = 3000; t <= 4000; t += 100) b.add(90, t)
    expect(b.baseMs).toBe(90)
  })
})
