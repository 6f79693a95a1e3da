// What this node knows about every other node: addresses, measured RTT, recent throughput, and join/leave events.
import { EventEmitter } from 'node:events'

export interface PeerRecord {
  peerId: string
  name: string | undefined
  multiaddrs: string[]
  /** Where the peer's UDP data socket listens, as the peer announced it. */
  udpHost: string | undefined
  udpPort: number | undefined
  httpUrl: string | undefined
  connected: boolean
  /** Last ping round trip (ms), undefined until measured. */
  rttMs: number | undefined
  /** Exponentially weighted throughput of recent transfers with this peer (bits/s). */
  throughputBitsPerSec: number | undefined
  /** Clock time (ms) of the last contact. */
  lastSeenMs: number
}

/** What peers tell each other in peer exchange. */
export interface PeerAnnouncement {
  peerId: string
  name?: string
  multiaddrs: string[]
  udpHost?: string
  udpPort?: number
  httpUrl?: string
}

export interface PeerTableEvents {
  /** A peer became connected (first time or again). */
  join: [PeerRecord]
  /** A connected peer disconnected. */
  leave: [PeerRecord]
}

/** Weight of the newest sample in the throughput average: recent transfers dominate within ~3 samples. */
const THROUGHPUT_WEIGHT = 0.5

/**
 * The peer table. The mesh host feeds it (announcements, connects, pings, transfers); readers list it and listen for
 * `join`/`leave`. Time comes from the injected clock.
 */
export class PeerTable extends EventEmitter<PeerTableEvents> {
  private readonly peers = new Map<string, PeerRecord>()
  private readonly nowMs: () => number

  constructor (components: { nowMs: () => number }) {
    super()
    this.nowMs = components.nowMs
  }

  private record (peerId: string): PeerRecord {
    let r = this.peers.get(peerId)
    if (r === undefined) {
      r = { peerId, name: undefined, multiaddrs: [], udpHost: undefined, udpPort: undefined, httpUrl: undefined, connected: false, rttMs: undefined, throughputBitsPerSec: undefined, lastSeenMs: this.nowMs() }
      this.peers.set(peerId, r)
    }
    return r
  }

  /** Merges what a peer said about itself or another peer; returns true when the peer was new. */
  announce (a: PeerAnnouncement): boolean {
    const isNew = !this.peers.has(a.peerId)
    const r = this.record(a.peerId)
    if (a.name !== undefined) r.name = a.name
    if (a.multiaddrs.length > 0) r.multiaddrs = [...new Set([...a.multiaddrs, ...r.multiaddrs])].slice(0, 16)
    if (a.udpHost !== undefined) r.udpHost = a.udpHost
    if (a.udpPort !== undefined) r.udpPort = a.udpPort
    if (a.httpUrl !== undefined) r.httpUrl = a.httpUrl
    return isNew
  }

  connected (peerId: string): void {
    const r = this.record(peerId)
    r.lastSeenMs = this.nowMs()
    if (!r.connected) {
      r.connected = true
      this.emit('join', { ...r })
    }
  }

  disconnected (peerId: string): void {
    const r = this.peers.get(peerId)
    if (r?.connected === true) {
      r.connected = false
      this.emit('leave', { ...r })
    }
  }

  rtt (peerId: string, rttMs: number): void {
    const r = this.record(peerId)
    r.rttMs = rttMs
    r.lastSeenMs = this.nowMs()
  }

  /** Records a finished transfer with the peer, in either direction. */
  transferred (peerId: string, bytes: number, seconds: number): void {
    if (seconds <= 0) return
    const r = this.record(peerId)
    const sample = bytes * 8 / seconds
    r.throughputBitsPerSec = r.throughputBitsPerSec === undefined ? sample : THROUGHPUT_WEIGHT * sample + (1 - THROUGHPUT_WEIGHT) * r.throughputBitsPerSec
  }

  get (peerId: string): PeerRecord | undefined {
    const r = this.peers.get(peerId)
    return r === undefined ? undefined : { ...r }
  }

  list (): PeerRecord[] {
    return [...this.peers.values()].map(r => ({ ...r }))
  }
}
