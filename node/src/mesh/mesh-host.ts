// The node's libp2p host: TCP + Noise + Yamux, identify and ping, bootstrap dialling, peer exchange and RTT probes feeding the peer table.
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
import { PEER_EXCHANGE_PROTOCOL, exchangePeers } from './peer-exchange.js'

export interface MeshHostInit {
  listen: readonly string[]
  bootstrap: readonly string[]
  peerExchangeIntervalMs: number
  pingIntervalMs: number
  /** What this node announces about itself besides its peer id and multiaddrs (read at every exchange). */
  self: () => Omit<PeerAnnouncement, 'peerId' | 'multiaddrs'>
}

export interface MeshHostComponents {
  privateKey: Ed25519PrivateKey
  peerTable: PeerTable
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

/** Owns the libp2p node. `start()` listens and joins; `stop()` leaves. Other parts add stream protocols with `handle`. */
export class MeshHost {
  private libp2p: Libp2p<Services> | undefined
  private readonly init: MeshHostInit
  private readonly components: MeshHostComponents
  private timers: NodeJS.Timeout[] = []
  private readonly dialling = new Set<string>()
  private stopping = false

  constructor (init: MeshHostInit, components: MeshHostComponents) {
    this.init = init
    this.components = components
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
      services: { identify: identify(), ping: ping() }
    })
    const node = this.libp2p
    node.addEventListener('peer:connect', evt => {
      const id = evt.detail.toString()
      table.connected(id)
      void this.exchangeWith(evt.detail)
      void this.measure(evt.detail)
    })
    node.addEventListener('peer:disconnect', evt => { table.disconnected(evt.detail.toString()) })
    node.addEventListener('peer:identify', evt => {
      table.announce({ peerId: evt.detail.peerId.toString(), multiaddrs: evt.detail.listenAddrs.map(m => m.toString()) })
    })
    await node.handle(PEER_EXCHANGE_PROTOCOL, async (stream) => {
      // The listener side of the same symmetric exchange.
      const theirs = await exchangePeers(stream, this.announcements(), AbortSignal.timeout(HOUSEKEEPING_TIMEOUT_MS)).catch(() => [])
      this.learn(theirs)
    }, { maxInboundStreams: 64 })
    for (const addr of this.init.bootstrap) void this.dial(addr)
    this.timers.push(setInterval(() => { this.gossip() }, this.init.peerExchangeIntervalMs))
    this.timers.push(setInterval(() => { for (const p of node.getPeers()) void this.measure(p) }, this.init.pingIntervalMs))
    for (const t of this.timers) t.unref()
  }

  async stop (): Promise<void> {
    this.stopping = true
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    await this.libp2p?.stop()
  }

  async handle (protocol: string, handler: StreamHandler, maxInboundStreams = 64): Promise<void> {
    await this.node.handle(protocol, handler, { maxInboundStreams })
  }

  /** Opens a stream to a peer, by peer id (addresses from the peer table) or multiaddr. */
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

  /** Our own announcement plus every peer we are connected to. */
  private announcements (): PeerAnnouncement[] {
    const table = this.components.peerTable
    const self: PeerAnnouncement = { peerId: this.peerId, multiaddrs: this.multiaddrs, ...this.init.self() }
    const others = table.list().filter(p => p.connected && p.multiaddrs.length > 0).map(p => ({
      peerId: p.peerId, multiaddrs: p.multiaddrs, name: p.name, udpHost: p.udpHost, udpPort: p.udpPort, httpUrl: p.httpUrl
    }))
    return [self, ...others]
  }

  private learn (announcements: PeerAnnouncement[]): void {
    const table = this.components.peerTable
    for (const a of announcements) {
      if (a.peerId === this.peerId) continue
      table.announce(a)
      if (this.node.getConnections(peerIdFromString(a.peerId)).length === 0 && a.multiaddrs.length > 0) {
        void this.dial(`${a.multiaddrs[0].replace(/\/p2p\/[^/]+$/, '')}/p2p/${a.peerId}`, a)
      }
    }
  }

  private async dial (addr: string, announcement?: PeerAnnouncement): Promise<void> {
    if (this.stopping || this.dialling.has(addr)) return
    this.dialling.add(addr)
    try {
      if (announcement !== undefined && announcement.multiaddrs.length > 1) {
        await this.node.peerStore.merge(peerIdFromString(announcement.peerId), { multiaddrs: announcement.multiaddrs.map(m => multiaddr(m)) })
        await this.node.dial(peerIdFromString(announcement.peerId), { signal: AbortSignal.timeout(HOUSEKEEPING_TIMEOUT_MS) })
      } else {
        await this.node.dial(multiaddr(addr), { signal: AbortSignal.timeout(HOUSEKEEPING_TIMEOUT_MS) })
      }
    } catch {
      // Unreachable peers stay in the table as not connected; the next gossip round retries.
    } finally {
      this.dialling.delete(addr)
    }
  }

  private async exchangeWith (peer: PeerId): Promise<void> {
    if (this.stopping) return
    try {
      const stream = await this.node.dialProtocol(peer, PEER_EXCHANGE_PROTOCOL, { signal: AbortSignal.timeout(HOUSEKEEPING_TIMEOUT_MS) })
      this.learn(await exchangePeers(stream, this.announcements(), AbortSignal.timeout(HOUSEKEEPING_TIMEOUT_MS)))
    } catch {
      // The peer may have gone; membership events say so.
    }
  }

  /** One round of gossip with one connected peer chosen in turn, and a redial of bootstrap peers we lost. */
  private gossipTurn = 0
  private gossip (): void {
    const peers = this.node.getPeers()
    // Peers whose first ping failed (e.g. raced identify) get measured now rather than a whole ping interval later.
    for (const p of peers) if (this.components.peerTable.get(p.toString())?.rttMs === undefined) void this.measure(p)
    if (peers.length > 0) void this.exchangeWith(peers[this.gossipTurn++ % peers.length])
    for (const addr of this.init.bootstrap) {
      const id = multiaddr(addr).getComponents().find(c => c.name === 'p2p')?.value
      if (id !== undefined && this.node.getConnections(peerIdFromString(id)).length === 0) void this.dial(addr)
    }
  }

  private async measure (peer: PeerId): Promise<void> {
    if (this.stopping) return
    try {
      const rttMs = await this.node.services.ping.ping(peer, { signal: AbortSignal.timeout(HOUSEKEEPING_TIMEOUT_MS) })
      this.components.peerTable.rtt(peer.toString(), rttMs)
    } catch {
      // No answer: the RTT stays at its last value; disconnect events handle vanished peers.
    }
  }
}
