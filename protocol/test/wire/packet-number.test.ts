// Packet number reconstruction from the wire's low 32 bits (SPEC.md §3.2): in order, across 2^32, reordered, and far jumps refused.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { ReplayWindow, REPLAY_WINDOW_PACKETS } from '../../src/crypto/replay-window.js'
import { decodePacketNumber, MAX_UNACKNOWLEDGED_PACKETS } from '../../src/wire/packet-number.js'

const low32 = (pn: number): number => pn % 2 ** 32

describe('decodePacketNumber', () => {
  it('recovers numbers in order, from the first one on', () => {
    expect(decodePacketNumber(0, -1)).toBe(0)
    for (const pn of [1, 1000, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 5 * 2 ** 32 + 17, 2 ** 48 - 1]) {
      expect(decodePacketNumber(low32(pn), pn - 1)).toBe(pn)
    }
  })

  it('wraps at 2^32: the numbers after it are the next 2^32, a late one before it stays below', () => {
    expect(decodePacketNumber(2, 2 ** 32 - 3)).toBe(2 ** 32 + 2)
    expect(decodePacketNumber(0, 2 ** 32 - 1)).toBe(2 ** 32)
    expect(decodePacketNumber(2 ** 32 - 5, 2 ** 32 + 1)).toBe(2 ** 32 - 5)
    expect(decodePacketNumber(3, 3 * 2 ** 32 - 10)).toBe(3 * 2 ** 32 + 3)
  })

  it('places reordered and lost-then-late datagrams where they were sent', () => {
    const largest = 2 ** 32 + 100
    for (const pn of [largest - 1, largest - REPLAY_WINDOW_PACKETS, 2 ** 32 - 100, largest - 2 ** 31 + 2, largest + 2]) {
      expect(decodePacketNumber(low32(pn), largest)).toBe(pn)
    }
  })

  it('refuses a number MAX_UNACKNOWLEDGED_PACKETS or more ahead (no honest sender gets there)', () => {
    const largest = 1000
    expect(decodePacketNumber(largest + MAX_UNACKNOWLEDGED_PACKETS, largest)).toBe(largest + MAX_UNACKNOWLEDGED_PACKETS)
    expect(decodePacketNumber(largest + 1 + MAX_UNACKNOWLEDGED_PACKETS, largest)).toBeUndefined()
    expect(decodePacketNumber(largest + 2 ** 31, largest)).toBeUndefined()
    expect(decodePacketNumber(2 ** 32 - 1, -1)).toBeUndefined()
  })

  it('reads a jump of more than half the window as the past, which the replay window refuses', () => {
    const largest = 5 * 2 ** 32
    const pn = decodePacketNumber(low32(largest + 2 ** 31 + 5), largest)!
    expect(pn).toBe(largest + 2 ** 31 + 5 - 2 ** 32)
    const window = new ReplayWindow()
    window.commit(largest)
    expect(window.check(pn)).toBe(false)
  })

  it('recovers any number from -2^31 to +2^30 around the expected one (property)', () => {
    fc.assert(fc.property(fc.integer({ min: -1, max: 2 ** 48 }), fc.integer({ min: -(2 ** 31) + 1, max: MAX_UNACKNOWLEDGED_PACKETS - 1 }), (largest, distance) => {
      const pn = largest + 1 + distance
      fc.pre(pn >= 0)
      expect(decodePacketNumber(low32(pn), largest)).toBe(pn)
    }), { numRuns: 5000 })
  })
})
