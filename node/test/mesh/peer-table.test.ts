// The peer table merges announcements (newer self-announcements win, echoes are not news), emits known/join/leave/forgotten once per change, forgets silent peers, and averages throughput (virtual clock).
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

  it('tells news from echoes by the announcing peer\'s clock', () => {
    let now = 500
    const table = new PeerTable({ nowMs: () => now })
    const known: string[] = []
    table.on('known', p => known.push(`${p.peerId}@${p.knownSinceMs}`))
    expect(table.announce({ peerId: 'p1', multiaddrs: ['/ip4/10.0.0.1/tcp/1'], udpPort: 1, updatedMs: 100 })).toBe(true)
    now = 600
    // An echo of the same version, or an older one, is not news and changes nothing it already has.
    expect(table.announce({ peerId: 'p1', multiaddrs: ['/ip4/10.0.0.1/tcp/1'], udpPort: 1, updatedMs: 100 })).toBe(false)
    expect(table.announce({ peerId: 'p1', multiaddrs: ['/ip4/10.0.0.9/tcp/9'], udpPort: 9, httpUrl: 'http://old', updatedMs: 50 })).toBe(false)
    expect(table.get('p1')).toMatchObject({ udpPort: 1, httpUrl: 'http://old', updatedMs: 100 })
    // A newer one (the peer restarted on another port) replaces what it says and is news to pass on.
    expect(table.announce({ peerId: 'p1', multiaddrs: ['/ip4/10.0.0.1/tcp/2'], udpPort: 2, updatedMs: 200 })).toBe(true)
    expect(table.get('p1')).toMatchObject({ multiaddrs: ['/ip4/10.0.0.1/tcp/2'], udpPort: 2, updatedMs: 200, knownSinceMs: 500 })
    expect(table.announcement('p1')).toMatchObject({ peerId: 'p1', multiaddrs: ['/ip4/10.0.0.1/tcp/2'], udpPort: 2, updatedMs: 200 })
    table.connected('p2')
    expect(table.announcement('p2')).toBeUndefined()
    expect(known).toEqual(['p1@500', 'p2@600'])
  })

  it('forgets a peer that stays silent, and does not take it back from echoes of its old announcement', () => {
    let now = 0
    const table = new PeerTable({ nowMs: () => now })
    const forgotten: string[] = []
    table.on('forgotten', p => forgotten.push(p.peerId))
    table.announce({ peerId: 'gone', multiaddrs: ['/ip4/10.0.0.9/tcp/1'], updatedMs: 100 })
    table.announce({ peerId: 'alive', multiaddrs: ['/ip4/10.0.0.8/tcp/1'], updatedMs: 100 })
    table.connected('linked')
    now = 240_000
    expect(table.announce({ peerId: 'alive', multiaddrs: [], updatedMs: 60_100 })).toBe(true) // its heartbeat, via gossip
    now = 300_001
    expect(table.forgetSilent(300_000).map(p => p.peerId)).toEqual(['gone'])
    expect(forgotten).toEqual(['gone'])
    expect(table.list().map(p => p.peerId).sort()).toEqual(['alive', 'linked']) // connected peers are never forgotten
    expect(table.announce({ peerId: 'gone', multiaddrs: ['/ip4/10.0.0.9/tcp/1'], updatedMs: 100 })).toBe(false) // an echo
    expect(table.get('gone')).toBeUndefined()
    expect(table.announce({ peerId: 'gone', multiaddrs: ['/ip4/10.0.0.9/tcp/1'], updatedMs: 400_000 })).toBe(true) // it spoke again
    expect(table.get('gone')?.multiaddrs).toEqual(['/ip4/10.0.0.9/tcp/1'])
  })

  it('ignores malformed peer-exchange lists', () => {
    expect(parseAnnouncements(new TextEncoder().encode('nope'))).toEqual([])
    expect(parseAnnouncements(new TextEncoder().encode(JSON.stringify([{ peerId: 1 }, { peerId: 'a', multiaddrs: ['/x'], udpPort: 'no' }])))).toEqual([
      { peerId: 'a', multiaddrs: ['/x'], name: undefined, udpHost: undefined, udpPort: undefined, httpUrl: undefined, updatedMs: undefined }
    ])
  })
})
