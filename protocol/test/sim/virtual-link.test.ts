// VirtualLink: serialization at capacity, propagation delay, drop-tail queue, seeded loss and jitter, shared bottleneck.
import { describe, it, expect } from 'vitest'
import { VirtualLink } from '../../src/sim/virtual-link.js'

const MBIT = 1e6

describe('VirtualLink', () => {
  it('serializes at capacity and adds the propagation delay', () => {
    // 10 Mbit/s: a 1250-byte datagram takes exactly 1 ms on the wire.
    const link = new VirtualLink<number>({ capacityBitsPerSec: 10 * MBIT, propagationDelayMs: 20, queueLimitBytes: 100_000 })
    for (let i = 0; i < 3; i++) expect(link.enqueue(i, 1250, 0)).toBeUndefined()
    expect(link.queuedBytesAt(0)).toBe(3750)
    expect(link.nextDeliveryMs()).toBe(21)
    expect(link.deliver(21.5).map(d => [d.packet, d.arrivalMs, d.queueDelayMs])).toEqual([[0, 21, 0]])
    expect(link.deliver(23).map(d => [d.packet, d.arrivalMs, d.queueDelayMs])).toEqual([[1, 22, 1], [2, 23, 2]])
    expect(link.nextDeliveryMs()).toBeUndefined()
    expect(link.stats().maxQueueDelayMs).toBe(2)
  })

  it('drops at the tail when the queue is full, and counts it', () => {
    const link = new VirtualLink<number>({ capacityBitsPerSec: 10 * MBIT, propagationDelayMs: 5, queueLimitBytes: 5000 })
    const causes = Array.from({ length: 6 }, (_, i) => link.enqueue(i, 1250, 0))
    expect(causes).toEqual([undefined, undefined, undefined, undefined, 'queue', 'queue'])
    // 2 ms later two datagrams have left: room for two more.
    expect(link.enqueue(6, 1250, 2)).toBeUndefined()
    expect(link.enqueue(7, 1250, 2)).toBeUndefined()
    expect(link.enqueue(8, 1250, 2)).toBe('queue')
    const stats = link.stats()
    expect(stats.droppedPackets.queue).toBe(3)
    expect(stats.droppedBytes.queue).toBe(3750)
    expect(link.deliver(1000).map(d => d.packet)).toEqual([0, 1, 2, 3, 6, 7])
  })

  it('loses datagrams at random at the configured rate, the same ones for the same seed', () => {
    const run = (seed: number): number[] => {
      const link = new VirtualLink<number>({ capacityBitsPerSec: 1000 * MBIT, propagationDelayMs: 1, queueLimitBytes: 1e9, lossRate: 0.02, seed })
      const lost: number[] = []
      for (let i = 0; i < 50_000; i++) if (link.enqueue(i, 1000, i) === 'random') lost.push(i)
      return lost
    }
    const a = run(7)
    expect(a.length / 50_000).toBeGreaterThan(0.018)
    expect(a.length / 50_000).toBeLessThan(0.022)
    expect(run(7)).toEqual(a)
    expect(run(8)).not.toEqual(a)
  })

  it('loses in bursts in the Gilbert–Elliott bad state', () => {
    const link = new VirtualLink<number>({ capacityBitsPerSec: 1000 * MBIT, propagationDelayMs: 1, queueLimitBytes: 1e9, burstLoss: { enterBadProbability: 0.001, exitBadProbability: 0.1, badLossRate: 1 }, seed: 3 })
    const lost: number[] = []
    for (let i = 0; i < 100_000; i++) if (link.enqueue(i, 1000, i) === 'burst') lost.push(i)
    const runs = lost.filter((x, k) => k === 0 || lost[k - 1] !== x - 1).length
    // Mean burst length 1/0.1 = 10: far fewer runs than losses.
    expect(lost.length).toBeGreaterThan(500)
    expect(lost.length / runs).toBeGreaterThan(5)
  })

  it('keeps order under jitter unless reordering is allowed', () => {
    const arrivals = (reorder: boolean): number[] => {
      const link = new VirtualLink<number>({ capacityBitsPerSec: 1000 * MBIT, propagationDelayMs: 10, queueLimitBytes: 1e9, jitterMs: 5, reorder, seed: 11 })
      for (let i = 0; i < 200; i++) link.enqueue(i, 100, i * 0.1)
      return link.deliver(1000).map(d => d.packet)
    }
    const ordered = arrivals(false)
    expect(ordered).toEqual([...ordered].sort((x, y) => x - y))
    const shuffled = arrivals(true)
    expect(shuffled).not.toEqual([...shuffled].sort((x, y) => x - y))
    expect([...shuffled].sort((x, y) => x - y)).toEqual(ordered)
  })

  it('shares one FIFO bottleneck between flows in proportion to what they offer', () => {
    const link = new VirtualLink<string>({ capacityBitsPerSec: 10 * MBIT, propagationDelayMs: 1, queueLimitBytes: 20_000 })
    // Flow 1 offers 2× flow 2's rate, together 3× capacity, at irregular times (a fixed phase would let one flow
    // always find the free slot: drop-tail's phase effect): the queue fills and drops fall on both.
    let seed = 12345
    const next = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296 }
    const arrivals: Array<[number, string, number]> = []
    for (let t = 0; t < 1000; t += 0.5) {
      arrivals.push([t + next() * 0.5, 'a', 1], [t + next() * 0.5, 'a', 1], [t + next() * 0.5, 'b', 2])
    }
    arrivals.sort((x, y) => x[0] - y[0])
    let delivered = 0
    for (const [t, packet, flow] of arrivals) {
      link.enqueue(packet, 1250, t, flow)
      delivered += link.deliver(t).length
    }
    delivered += link.deliver(2000).length
    const stats = link.stats()
    const one = stats.flows.get(1)!
    const two = stats.flows.get(2)!
    expect(one.deliveredBytes / (one.deliveredBytes + two.deliveredBytes)).toBeCloseTo(2 / 3, 1)
    expect(one.droppedPackets.queue + two.droppedPackets.queue).toBe(stats.droppedPackets.queue)
    // Delivered total ≈ capacity × time.
    expect(stats.deliveredBytes * 8).toBeGreaterThan(0.99 * 10 * MBIT)
    expect(delivered).toBe(stats.deliveredPackets)
  })

  it('refuses nonsense configuration with a coded error', () => {
    expect(() => new VirtualLink({ capacityBitsPerSec: 0, propagationDelayMs: 1, queueLimitBytes: 1 })).toThrow(expect.objectContaining({ code: 'FERRY_SIM_LINK_CONFIG' }))
    expect(() => new VirtualLink({ capacityBitsPerSec: 1, propagationDelayMs: -1, queueLimitBytes: 1 })).toThrow(expect.objectContaining({ code: 'FERRY_SIM_LINK_CONFIG' }))
    expect(() => new VirtualLink({ capacityBitsPerSec: 1, propagationDelayMs: 1, queueLimitBytes: 1, lossRate: 1 })).toThrow(expect.objectContaining({ code: 'FERRY_SIM_LINK_CONFIG' }))
  })
})
