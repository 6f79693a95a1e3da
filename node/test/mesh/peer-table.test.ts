// The peer table merges announcements, emits join/leave once per change, and averages throughput (virtual clock).
import { describe, it, expect } from 'vitest'
import { PeerTable } from '../../src/mesh/peer-table.js'
import { parseAnnouncements } from '../../src/mesh/peer-exchange.js'

describe('PeerTable', () => {
  it('tracks membership, RTT and throughput', () => {
    let now = 1000
    const table = new PeerTable({ nowMs: () => now })
    const events: string[] = []
    table.on('join', p => events.push(`join ${p.peerId}`))
    table.on('leave', p => events.push(`leave ${p.peerId}`))
    expect(table.announce({ peerId: 'p1', multiaddrs: ['/ip4/1.2.3.4/tcp/1'], name: 'one', udpPort: 9 })).toBe(true)
    expect(table.announce({ peerId: 'p1', multiaddrs: [] })).toBe(false)
    table.connected('p1')
    table.connected('p1')
    now = 2000
    table.rtt('p1', 3.5)
    table.transferred('p1', 1_000_000, 1)
    table.transferred('p1', 3_000_000, 1)
    table.disconnected('p1')
    table.disconnected('p1')
    expect(events).toEqual(['join p1', 'leave p1'])
    expect(table.get('p1')).toMatchObject({ name: 'one', udpPort: 9, rttMs: 3.5, throughputBitsPerSec: 16_000_000, connected: false, lastSeenMs: 2000 })
  })

  it('ignores malformed peer-exchange lists', () => {
    expect(parseAnnouncements(new TextEncoder().encode('nope'))).toEqual([])
    expect(parseAnnouncements(new TextEncoder().encode(JSON.stringify([{ peerId: 1 }, { peerId: 'a', multiaddrs: ['/x'], udpPort: 'no' }])))).toEqual([
      { peerId: 'a', multiaddrs: ['/x'], name: undefined, udpHost: undefined, udpPort: undefined, httpUrl: undefined }
    ])
  })
})
