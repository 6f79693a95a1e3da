// The node's libp2p host: TCP + Noise + Yamux, identify and ping, bootstrap dialling, push gossip of membership, a bounded set of neighbours and RTT probes feeding the peer table.
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, type Identify } from '@libp2p/identify'
import { ping, type Ping } from '@libp2p/ping'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Ed25519PrivateKey, StreamHandler, Stream, PeerId } from '@libp2p/interface'
import { PeerTable, type PeerAnnouncement } from './peer-table.js'
import { PEER_EXCHANGE_PROTOCOL, pushPeers, receivePeers } from './peer-exchange.js'

export interface MeshHostInit {
  listen: readonly string[]
  bootstrap: readonly string[]
  peerExchangeIntervalMs: number
  pingIntervalMs: number
  /** Connections this node opens on its own to peers known from gossip (default NEIGHBOURS). */
  neighbours?: number
  /** What this node announces about itself besides its peer id and multiaddrs (read at every exchange). */
  self: () => Omit<PeerAnnouncement, 'peerId' | 'multiaddrs'>
}

export interface MeshHostComponents {
  privateKey: Ed25519PrivateKey
  peerTable: PeerTable
  /** Clock for this node's own announcement version (Date.now unless a test injects one). */
  nowMs?: () => number
}

type Services = { identify: Identify, ping: Ping }

/** Longest a mesh housekeeping dial or exchange may take (ms); a slow peer must not stall the loop. */
const HOUSEKEEPING_TIMEOUT_MS = 5_000
/**
 * Inbound connections accepted per second from one host. libp2p's default (5) is a DoS guard for public peers, but
 * mesh nodes behind one address (a site's NAT, or every node of `ferry up` on 127.0.0.1) all dial each other at
 * start-up: at 5/s a 30-node mesh took minutes to converge, its dials refused and retried.
 */
const INBOUND_CONNECTIONS_PER_SEC_PER_HOST = 200
/** Connections still upgrading (Noise, Yamux) at once; 10 by default, too few when a whole mesh joins together. */
const MAX_PENDING_INBOUND_CONNECTIONS = 128
/**
 * Connections a node opens on its own to peers it learned from gossip (bootstrap and inbound ones come on top). A node
 * knows every peer (id, addresses) from gossip without a connection; it holds connections, and so measured RTTs and
 * relay candidates, to this many. A full mesh of 30 nodes is 435 Noise handshakes, which on two cores is most of the
 * start-up time; meshes of up to NEIGHBOURS + 1 nodes are still fully connected.
 */
const NEIGHBOURS = 6
/** Neighbour dials in flight at once. */
const NEIGHBOUR_DIALS_IN_FLIGHT = 2
/** A peer whose dial failed is not tried again as a neighbour for this long (ms). */
const NEIGHBOUR_RETRY_MS = 30_000
/** Periodic pings in a row a connected peer may miss before its connections are closed as dead. */
const MISSED_PINGS_BEFORE_CLOSE = 3
/**
 * Connected peers that get second-hand news (learned from a third node). First-hand news (a peer about itself, and our
 * own changes) goes to every connected peer. Each stream costs the sender and receiver ~10 ms of CPU in libp2p; flooding
 * every join through every neighbour of 30 nodes kept two cores busy. A few random forwards still reach everyone.
 */
const GOSSIP_FANOUT = 2
/**
 * How often (ms) one connected peer in turn gets our whole list, repairing any push lost to a timeout. Pushes carry the
 * news; this only mops up, and at once a second across 30 nodes it was the largest share of an idle node's CPU.
 */
const FULL_LIST_EVERY_MS = 15_000
/**
 * A node re-announces itself (a new version of the same content) this often (ms), as a heartbeat that travels by gossip,
 * so nodes that do not hold a connection to it still see it alive.
 */
const SELF_HEARTBEAT_MS = 60_000
/** A peer neither connected nor heard of (no newer announcement) for this long (ms) is forgotten: five heartbeats. */
const FORGET_SILENT_MS = 5 * SELF_HEARTBEAT_MS
/** Stream protocols of the mesh's own upkeep: open streams of any other protocol mean a live conversation. */
const HOUSEKEEPING_PROTOCOLS = new Set(['/ipfs/ping/1.0.0', '/ipfs/id/1.0.0', '/ipfs/id/push/1.0.0', PEER_EXCHANGE_PROTOCOL])
/** News learned within this window (ms) goes out in one push per neighbour, not one per item. */
const GOSSIP_BATCH_MS = 50

/**
 * Owns the libp2p node. `start()` listens and joins; `stop()` leaves. Other parts add stream protocols with `handle`.
 *
 * Membership is pushed, not polled: on every new connection each side pushes its whole peer list; whatever a node learns
 * that is news to it (a new peer, or a newer self-announcement) it pushes on, batched: first-hand news to every connected
 * peer, second-hand news to a few. Echoes carry nothing new and stop there. Every FULL_LIST_EVERY_MS one connected peer
 * in turn also gets the whole list, which repairs any push lost to a timeout. A node knows every peer (id, addresses)
 * from gossip; it holds connections, with RTT probes, only to NEIGHBOURS of them (plus whoever dials it), and dials any
 * other peer when a stream to it is opened (`dialProtocol`).
 */
export class MeshHost {
  private libp2p: Libp2p<Services> | undefined
  private readonly init: MeshHostInit
  private readonly components: MeshHostComponents
  private readonly nowMs: () => number
  private timers: NodeJS.Timeout[] = []
  private readonly dialling = new Set<string>()
  private stopping = false
  /** News waiting for the next batched push: peer id -> the peer we heard it from (not told again). */
  private readonly news = new Map<string, string | undefined>()
  private newsTimer: NodeJS.Timeout | undefined
  /** Neighbour dials that failed: peer id -> clock time (ms) of the failure. */
  private readonly failedDials = new Map<string, number>()
  private neighbourDials = 0
  private selfAnnouncement: PeerAnnouncement | undefined
  /** Version of our own announcement last pushed to our peers. */
  private lastPushedSelfVersion: number | undefined
  private antiEntropyTurn = 0
  /** Pings missed in a row, per connected peer id. */
  private readonly missedPings = new Map<string, number>()
  /** Peers with a ping in flight: one at a time each. */
  private readonly measuring = new Set<string>()

  constructor (init: MeshHostInit, components: MeshHostComponents) {
    this.init = init
    this.components = components
    this.nowMs = components.nowMs ?? Date.now
  }

  get node (): Libp2p<Services> {
    if (this.libp2p === undefined) throw new Error('MeshHost not started')
    return this.libp2p
  }

  get peerId (): string { return this.node.peerId.toString() }

  get multiaddrs (): string[] { return this.node.getMultiaddrs().map(m => m.toString()) }

  async start (): Promise<void> {
    const table = this.components.peerTable
    this.libp2p = await createLibp2p({
      privateKey: this.components.privateKey,
      addresses: { listen: [...this.init.listen] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: {
        maxConnections: 512,
        dialTimeout: HOUSEKEEPING_TIMEOUT_MS,
        inboundConnectionThreshold: INBOUND_CONNECTIONS_PER_SEC_PER_HOST,
        maxIncomingPendingConnections: MAX_PENDING_INBOUND_CONNECTIONS
      },
      // libp2p's own monitor pings every connection again and aborts it on one slow answer: on a loaded machine it cut
      // working connections, and the redials cost more handshakes. Our RTT probes do the pinging (see measure()).
      connectionMonitor: { enabled: false },
      services: { identify: identify(), ping: ping() }
    })
    const node = this.libp2p
    node.addEventListener('peer:connect', evt => {
      table.connected(evt.detail.toString())
      void this.push(evt.detail, this.fullList())
      void this.measure(evt.detail)
    })
    node.addEventListener('peer:disconnect', evt => {
      table.disconnected(evt.detail.toString())
      this.keepNeighbours()
    })
    node.addEventListener('peer:identify', evt => {
      const id = evt.detail.peerId.toString()
      if (table.announce({ peerId: id, multiaddrs: evt.detail.listenAddrs.map(m => m.toString()) })) this.queueNews(id, id)
    })
    await node.handle(PEER_EXCHANGE_PROTOCOL, async (stream, connection) => {
      const from = connection.remotePeer.toString()
      this.learn(await receivePeers(stream, AbortSignal.timeout(HOUSEKEEPING_TIMEOUT_MS)).catch(() => []), from)
    }, { maxInboundStreams: 64 })
    for (const addr of this.init.bootstrap) void this.dial(addr)
    this.timers.push(setInterval(() => { this.housekeeping() }, this.init.peerExchangeIntervalMs))
    this.timers.push(setInterval(() => { this.pushFullList() }, Math.max(FULL_LIST_EVERY_MS, this.init.peerExchangeIntervalMs)))
    this.timers.push(setInterval(() => { for (const p of node.getPeers()) void this.measure(p, true) }, this.init.pingIntervalMs))
    for (const t of this.timers) t.unref()
  }

  async stop (): Promise<void> {
    this.stopping = true
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    if (this.newsTimer !== undefined) clearTimeout(this.newsTimer)
    await this.libp2p?.stop()
  }

  async handle (protocol: string, handler: StreamHandler, maxInboundStreams = 64): Promise<void> {
    await this.node.handle(protocol, handler, { maxInboundStreams })
  }

  /** Opens a stream to a peer, by peer id (addresses from the peer table, so a peer known only from gossip is dialled now) or multiaddr. */
  async dialProtocol (peerIdOrAddr: string, protocol: string, signal?: AbortSignal): Promise<Stream> {
    const target = peerIdOrAddr.startsWith('/') ? multiaddr(peerIdOrAddr) : peerIdFromString(peerIdOrAddr)
    if (!peerIdOrAddr.startsWith('/')) {
      const known = this.components.peerTable.get(peerIdOrAddr)
      if (known !== undefined && this.node.getConnections(target as PeerId).length === 0 && known.multiaddrs.length > 0) {
        await this.node.peerStore.merge(target as PeerId, { multiaddrs: known.multiaddrs.map(m => multiaddr(m)) }).catch(() => {})
      }
    }
    return await this.node.dialProtocol(target, protocol, { signal })
  }

  /** What we say about ourselves; its version moves on (by our clock) whenever its content changes (e.g. the HTTP URL appears). */
  private self (): PeerAnnouncement {
    const current = { peerId: this.peerId, multiaddrs: this.multiaddrs, ...this.init.self() }
    const previous = this.selfAnnouncement
    const unchanged = previous !== undefined && JSON.stringify({ ...previous, updatedMs: undefined }) === JSON.stringify({ ...current, updatedMs: undefined })
    if (unchanged && this.nowMs() - previous.updatedMs! < SELF_HEARTBEAT_MS) return previous
    this.selfAnnouncement = { ...current, updatedMs: Math.max(this.nowMs(), (previous?.updatedMs ?? 0) + 1) }
    return this.selfAnnouncement
  }

  /** Ourselves and every peer we know an address for. */
  private fullList (): PeerAnnouncement[] {
    const table = this.components.peerTable
    const others = table.list().map(p => table.announcement(p.peerId)).filter(a => a !== undefined)
    return [this.self(), ...others]
  }

  private learn (announcements: PeerAnnouncement[], from: string): void {
    const table = this.components.peerTable
    for (const a of announcements) {
      if (a.peerId === this.peerId) continue
      if (table.announce(a)) this.queueNews(a.peerId, from)
    }
    this.keepNeighbours()
  }

  private queueNews (peerId: string, from: string | undefined): void {
    if (!this.news.has(peerId)) this.news.set(peerId, from)
    this.schedulePush()
  }

  private schedulePush (): void {
    if (this.newsTimer !== undefined || this.stopping) return
    this.newsTimer = setTimeout(() => { this.newsTimer = undefined; this.pushNews() }, GOSSIP_BATCH_MS)
    this.newsTimer.unref()
  }

  /** Passes what was news to us on: first-hand news to every connected peer, second-hand to a few; never back to whoever told us. */
  private pushNews (): void {
    const table = this.components.peerTable
    const news = [...this.news]
    this.news.clear()
    const self = this.self()
    const peers = this.node.getPeers()
    const fanout = new Set(pickRandom(peers.map(p => p.toString()), GOSSIP_FANOUT))
    for (const peer of peers) {
      const to = peer.toString()
      const items = news.filter(([id, from]) => from !== to && id !== to && (from === id || fanout.has(to)))
        .map(([id]) => table.announcement(id)).filter(a => a !== undefined)
      // Our own announcement rides along when it changed since the last push (our HTTP URL is set after start-up).
      if (self.updatedMs !== this.lastPushedSelfVersion) items.push(self)
      if (items.length > 0) void this.push(peer, items)
    }
    if (peers.length > 0) this.lastPushedSelfVersion = self.updatedMs
  }

  private async push (peer: PeerId, announcements: PeerAnnouncement[]): Promise<void> {
    if (this.stopping) return
    try {
      const stream = await this.node.dialProtocol(peer, PEER_EXCHANGE_PROTOCOL, { signal: AbortSignal.timeout(HOUSEKEEPING_TIMEOUT_MS) })
      await pushPeers(stream, announcements, AbortSignal.timeout(HOUSEKEEPING_TIMEOUT_MS))
    } catch {
      // The peer may have gone (membership events say so); the periodic full push repairs a lost one.
    }
  }

  /** Holds connections to `neighbours` peers: dials known, unconnected ones at random, a few at a time. */
  private keepNeighbours (): void {
    if (this.stopping) return
    const table = this.components.peerTable
    const now = this.nowMs()
    const connected = new Set(this.node.getPeers().map(p => p.toString()))
    const candidates = table.list().filter(p => !connected.has(p.peerId) && p.multiaddrs.length > 0 && !this.dialling.has(p.peerId) &&
      now - (this.failedDials.get(p.peerId) ?? -Infinity) > NEIGHBOUR_RETRY_MS)
    const wanted = Math.min((this.init.neighbours ?? NEIGHBOURS) - connected.size, NEIGHBOUR_DIALS_IN_FLIGHT) - this.neighbourDials
    for (const peer of pickRandom(candidates, wanted)) {
      this.neighbourDials++
      void this.dial(peer.peerId, table.announcement(peer.peerId)).then(ok => {
        if (!ok) this.failedDials.set(peer.peerId, this.nowMs())
        this.neighbourDials--
        this.keepNeighbours()
      })
    }
  }

  /** Dials a multiaddr, or a peer id at the addresses of its announcement; true when connected. */
  private async dial (addr: string, announcement?: PeerAnnouncement): Promise<boolean> {
    if (this.stopping || this.dialling.has(addr)) return false
    this.dialling.add(addr)
    try {
      if (announcement !== undefined) {
        const id = peerIdFromString(announcement.peerId)
        await this.node.peerStore.merge(id, { multiaddrs: announcement.multiaddrs.map(m => multiaddr(m)) })
        await this.node.dial(id, { signal: AbortSignal.timeout(HOUSEKEEPING_TIMEOUT_MS) })
      } else {
        await this.node.dial(multiaddr(addr), { signal: AbortSignal.timeout(HOUSEKEEPING_TIMEOUT_MS) })
      }
      return true
    } catch {
      // Unreachable peers stay in the table as known but not connected.
      return false
    } finally {
      this.dialling.delete(addr)
    }
  }

  private pushFullList (): void {
    const peers = this.node.getPeers()
    if (peers.length > 0) void this.push(peers[this.antiEntropyTurn++ % peers.length], this.fullList())
  }

  /** Every interval: our own changes (or heartbeat) pushed, RTTs still missing, silent peers forgotten, lost bootstrap peers and neighbours. */
  private housekeeping (): void {
    const peers = this.node.getPeers()
    if (this.self().updatedMs !== this.lastPushedSelfVersion) this.schedulePush()
    // Peers whose first ping failed (e.g. raced identify) get measured now rather than a whole ping interval later.
    for (const p of peers) if (this.components.peerTable.get(p.toString())?.rttMs === undefined) void this.measure(p)
    for (const addr of this.init.bootstrap) {
      const id = multiaddr(addr).getComponents().find(c => c.name === 'p2p')?.value
      if (id !== undefined && this.node.getConnections(peerIdFromString(id)).length === 0) void this.dial(addr)
    }
    this.components.peerTable.forgetSilent(FORGET_SILENT_MS)
    this.keepNeighbours()
  }

  /**
   * Pings a peer and records the RTT. Only the periodic probes (`periodic`) count misses towards closing a connection:
   * on a loaded machine a quick retry of a first ping may time out too, and closing then only costs a new handshake.
   */
  private async measure (peer: PeerId, periodic = false): Promise<void> {
    if (this.stopping || this.measuring.has(peer.toString())) return
    this.measuring.add(peer.toString())
    try {
      const rttMs = await this.node.services.ping.ping(peer, { signal: AbortSignal.timeout(HOUSEKEEPING_TIMEOUT_MS) })
      this.components.peerTable.rtt(peer.toString(), rttMs)
      this.missedPings.delete(peer.toString())
    } catch (err) {
      // A client (the CLI, a test host) speaks no ping: it answered, so it is alive, and has no RTT to measure.
      if ((err as Error).name === 'UnsupportedProtocolError') return
      // No answer: the RTT stays at its last value. A peer silent several times in a row is taken for gone, unless it
      // still carries a conversation (a transfer's control stream): a loaded peer answers late, and cutting its
      // connection would abort the transfer, not a dead peer.
      if (!periodic) return
      const missed = (this.missedPings.get(peer.toString()) ?? 0) + 1
      this.missedPings.set(peer.toString(), missed)
      if (missed >= MISSED_PINGS_BEFORE_CLOSE && !this.stopping && !this.carriesConversation(peer)) {
        this.missedPings.delete(peer.toString())
        await this.node.hangUp(peer).catch(() => {})
      }
    } finally {
      this.measuring.delete(peer.toString())
    }
  }

  /** Whether any connection to the peer has a stream open besides our own housekeeping (ping, peer gossip). */
  private carriesConversation (peer: PeerId): boolean {
    return this.node.getConnections(peer).some(c => c.streams.some(s => s.protocol !== undefined && !HOUSEKEEPING_PROTOCOLS.has(s.protocol)))
  }
}

/** Up to n distinct items of a list, chosen at random. */
function pickRandom<T> (items: readonly T[], n: number): T[] {
  const pool = [...items]
  const out: T[] = []
  while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(Math.random() * pool.length), 1)[0])
  return out
}
