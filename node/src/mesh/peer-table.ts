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
  /** Clock time (ms) of the last sign of life: a connection, a ping answer, or a newer self-announcement via gossip. */
  lastSeenMs: number
  /** Clock time (ms) when this node first learned of the peer (from gossip or a connection). */
  knownSinceMs: number
  /** The peer's own clock time (ms) when it last changed what it announces about itself; newer wins in gossip. */
  updatedMs: number | undefined
}

/** What peers tell each other in peer exchange. */
export interface PeerAnnouncement {
  peerId: string
  name?: string
  multiaddrs: string[]
  udpHost?: string
  udpPort?: number
  httpUrl?: string
  /** The announced peer's clock (ms) at its last self-change; lets gossip tell news from echoes. */
  updatedMs?: number
}

export interface PeerTableEvents {
  /** A peer entered the table (id and whatever addresses came with it), connected or not. */
  known: [PeerRecord]
  /** A peer became connected (first time or again). */
  join: [PeerRecord]
  /** A connected peer disconnected. */
  leave: [PeerRecord]
  /** A peer silent for too long was dropped from the table (and from what this node gossips). */
  forgotten: [PeerRecord]
}

/** Weight of the newest sample in the throughput average: recent transfers dominate within ~3 samples. */
const THROUGHPUT_WEIGHT = 0.5

/**
 * The peer table. The mesh host feeds it (announcements, connects, pings, transfers); readers list it and listen for
 * `join`/`leave`. Time comes from the injected clock.
 */
export class PeerTable extends EventEmitter<PeerTableEvents> {
  private readonly peers = new Map<string, PeerRecord>()
  /** Forgotten peers: id → the announcement version they were forgotten at, so echoes of it do not bring them back. */
  private readonly forgottenVersions = new Map<string, number>()
  private readonly nowMs: () => number

  constructor (components: { nowMs: () => number }) {
    super()
    this.nowMs = components.nowMs
  }

  private record (peerId: string): PeerRecord {
    let r = this.peers.get(peerId)
    if (r === undefined) {
      const now = this.nowMs()
      r = { peerId, name: undefined, multiaddrs: [], udpHost: undefined, udpPort: undefined, httpUrl: undefined, connected: false, rttMs: undefined, throughputBitsPerSec: undefined, lastSeenMs: now, knownSinceMs: now, updatedMs: undefined }
      this.peers.set(peerId, r)
      this.forgottenVersions.delete(peerId) // heard from directly (connection, ping): it is back
      this.emit('known', { ...r })
    }
    return r
  }

  /**
   * Merges what a peer said about itself or another peer. Returns true when it is news worth passing on: the peer was
   * unknown, or the announcement is newer (by the peer's own clock) than what we had. An older or equal announcement
   * only fills fields we lack, so echoes of old gossip never overwrite and never travel further.
   */
  announce (a: PeerAnnouncement): boolean {
    const forgottenAt = this.forgottenVersions.get(a.peerId)
    if (forgottenAt !== undefined) {
      if (a.updatedMs === undefined || a.updatedMs <= forgottenAt) return false // an echo of what we dropped
      this.forgottenVersions.delete(a.peerId) // it spoke again since: back it comes
    }
    const isNew = !this.peers.has(a.peerId)
    const r = this.record(a.peerId)
    const newer = a.updatedMs !== undefined && (r.updatedMs === undefined || a.updatedMs > r.updatedMs)
    const take = <T>(ours: T | undefined, theirs: T | undefined): T | undefined => theirs !== undefined && (newer || ours === undefined) ? theirs : ours
    r.name = take(r.name, a.name)
    r.udpHost = take(r.udpHost, a.udpHost)
    r.udpPort = take(r.udpPort, a.udpPort)
    r.httpUrl = take(r.httpUrl, a.httpUrl)
    if (a.multiaddrs.length > 0) r.multiaddrs = newer ? [...new Set(a.multiaddrs)].slice(0, 16) : [...new Set([...r.multiaddrs, ...a.multiaddrs])].slice(0, 16)
    if (newer) {
      r.updatedMs = a.updatedMs
      r.lastSeenMs = this.nowMs()
    }
    return isNew || newer
  }

  /**
   * Drops peers that are not connected and showed no sign of life for `silentMs` (live nodes re-announce themselves
   * well within it), so a node taken out of service leaves every table instead of being gossiped forever.
   */
  forgetSilent (silentMs: number): PeerRecord[] {
    const cutoff = this.nowMs() - silentMs
    const gone: PeerRecord[] = []
    for (const r of this.peers.values()) {
      if (r.connected || r.lastSeenMs > cutoff) continue
      this.peers.delete(r.peerId)
      this.forgottenVersions.set(r.peerId, r.updatedMs ?? 0)
      gone.push({ ...r })
      this.emit('forgotten', { ...r })
    }
    return gone
  }

  /** What we pass on about a peer in gossip, or undefined if we know no address for it. */
  announcement (peerId: string): PeerAnnouncement | undefined {
    const r = this.peers.get(peerId)
    if (r === undefined || r.multiaddrs.length === 0) return undefined
    return { peerId: r.peerId, multiaddrs: r.multiaddrs, name: r.name, udpHost: r.udpHost, udpPort: r.udpPort, httpUrl: r.httpUrl, updatedMs: r.updatedMs }
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
