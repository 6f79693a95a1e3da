// Datagrams held for a session being prepared: copies kept in arrival order, bounded in count and age, every dropped one counted.
import { describe, it, expect } from 'vitest'
import { HeldDatagrams, MAX_HELD_DATAGRAMS, MAX_HOLD_MS } from '../../src/driver/held-datagrams.js'

const source = { address: '127.0.0.1', port: 4000 }

describe('HeldDatagrams', () => {
  it('holds only for a reserved connection id, a copy of each datagram, in arrival order', () => {
    const held = new HeldDatagrams()
    expect(held.hold(0xaa, Buffer.from([1]), source, 0)).toBe(false)
    held.reserve(0xaa)
    const reused = Buffer.from([1, 2, 3])
    expect(held.hold(0xaa, reused, source, 5)).toBe(true)
    reused.fill(9) // the socket reuses its receive memory after the callback
    held.hold(0xaa, Buffer.from([4]), source, 6)
    const out = held.release(0xaa, 10)
    expect(out.map(d => [...d.bytes])).toEqual([[1, 2, 3], [4]])
    expect(out.map(d => d.receivedMs)).toEqual([5, 6])
    expect(out[0]!.source).toEqual(source)
    expect(held.has(0xaa)).toBe(false)
    expect(held.hold(0xaa, Buffer.from([5]), source, 11)).toBe(false)
    expect([held.delivered, held.dropped]).toEqual([2, 0])
  })

  it(`keeps the first ${MAX_HELD_DATAGRAMS} and drops later ones, counted`, () => {
    const held = new HeldDatagrams()
    held.reserve(0xbb)
    for (let i = 0; i < MAX_HELD_DATAGRAMS + 10; i++) expect(held.hold(0xbb, Buffer.from([i & 0xff]), source, i / 1000)).toBe(true)
    const out = held.release(0xbb, 10)
    expect(out.length).toBe(MAX_HELD_DATAGRAMS)
    expect(out[0]!.bytes[0]).toBe(0)
    expect([held.delivered, held.dropped]).toEqual([MAX_HELD_DATAGRAMS, 10])
  })

  it(`drops datagrams older than ${MAX_HOLD_MS} ms at release, and all of them when the session never comes`, () => {
    const held = new HeldDatagrams()
    held.reserve(0xcc)
    held.hold(0xcc, Buffer.from([1]), source, 0)
    held.hold(0xcc, Buffer.from([2]), source, 600)
    expect(held.release(0xcc, MAX_HOLD_MS + 100).map(d => d.bytes[0])).toEqual([2])
    held.reserve(0xdd)
    held.reserve(0xee)
    held.hold(0xdd, Buffer.from([3]), source, 0)
    held.hold(0xee, Buffer.from([4]), source, 0)
    held.discard(0xdd)
    held.clear()
    expect([held.has(0xdd), held.has(0xee)]).toEqual([false, false])
    expect([held.delivered, held.dropped]).toEqual([1, 3])
  })
})
