// SpareBuffers: a given buffer comes back from take, views, other sizes, moved-away buffers and buffers beyond the bound are not kept.
import { describe, it, expect } from 'vitest'
import { SpareBuffers } from '../../src/files/spare-buffers.js'

describe('SpareBuffers', () => {
  it('hands back a buffer it was given, and a new one of its size when it has none', () => {
    const spare = new SpareBuffers(8192, 2)
    const fresh = spare.take()
    expect(fresh.length).toBe(8192)
    spare.give(fresh)
    expect(spare.take()).toBe(fresh)
    expect(spare.take()).not.toBe(fresh)
  })

  it('keeps only whole buffers of its size, at most its bound', () => {
    const spare = new SpareBuffers(8192, 1)
    const whole = Buffer.allocUnsafe(16384)
    spare.give(whole.subarray(0, 8192)) // a view of a larger buffer
    spare.give(Buffer.allocUnsafe(4096 * 3))
    const moved = Buffer.allocUnsafe(8192)
    structuredClone(moved.buffer, { transfer: [moved.buffer] }) // moved away: empty here
    spare.give(moved)
    const kept = Buffer.allocUnsafe(8192)
    spare.give(kept)
    spare.give(Buffer.allocUnsafe(8192)) // beyond the bound
    expect(spare.take()).toBe(kept)
    const next = spare.take()
    expect(next).not.toBe(kept)
    expect(next.buffer.byteLength).toBe(8192)
  })
})
