// A Ferry storage node: identity, LevelDB, package store, libp2p mesh, transfer control, UDP data endpoint and the ops API, started and stopped as one.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import type { FastifyInstance } from 'fastify'
import { signTransferReceipt, type TransferReceiptClaims } from '@ferry/protocol'
import { TRANSFER_PROTOCOL } from '@ferry/protocol/control/control-message'
import type { NodeConfig } from './config/node-config.js'
import { loadNodeIdentity, type NodeIdentity } from './identity/node-identity.js'
import { PeerTable } from './mesh/peer-table.js'
import { MeshHost } from './mesh/mesh-host.js'
import { LevelPackageStore } from './storage/level-package-store.js'
import { PortalKeyRing } from './control/portal-key-ring.js'
import { TokenGate } from './control/token-gate.js'
import { StreamChannel } from './control/stream-channel.js'
import { TransferRegistry } from './transfer/transfer-registry.js'
import { TransferHistory } from './transfer/transfer-history.js'
import { TransferService } from './transfer/transfer-service.js'
import type { DataEndpoint } from './transfer/data-endpoint.js'
import { Replicator } from './transfer/replicator.js'
import { runMeshBench } from './transfer/mesh-bench.js'
import { RelayService, RELAY_PROTOCOL } from './relay/relay-service.js'
import { buildOpsApp, type NodeInfo, type OpsBackend } from './ops/ops-app.js'
import type { MetricSample } from './ops/prometheus-text.js'

export const NODE_VERSION = '0.1.0'

export interface FerryNodeComponents {
  /** Binds the UDP data socket (the protocol driver in production). */
  openEndpoint: (host: string, port: number) => Promise<DataEndpoint>
  nowMs: () => number
  fetch: typeof fetch
  /** Where unexpected errors are reported (main.ts: stderr). */
  logError: (message: string, err: unknown) => void
  /** Extra routes on the node's HTTP server (the gateway), given the started node. */
  httpPlugins?: (node: FerryNode) => Array<(app: FastifyInstance) => Promise<void>>
}

/** Starts in dependency order and stops in reverse. Only main.ts makes the HTTP server listen. */
export class FerryNode {
  readonly config: Readonly<NodeConfig>
  private readonly components: FerryNodeComponents
  readonly peerTable: PeerTable
  readonly registry = new TransferRegistry()
  private identityValue: NodeIdentity | undefined
  private dbValue: Level<string, any> | undefined
  private storeValue: LevelPackageStore | undefined
  private meshValue: MeshHost | undefined
  private endpointValue: DataEndpoint | undefined
  private gateValue: TokenGate | undefined
  private historyValue: TransferHistory | undefined
  private replicatorValue: Replicator | undefined
  private relay: RelayService | undefined
  private keyRing: PortalKeyRing
  private httpUrlValue = ''
  private timers: NodeJS.Timeout[] = []
  private readonly startedAtMs: number
  readonly counters = { transfersCompleted: 0, transfersFailed: 0, bytesIn: 0, bytesOut: 0 }

  constructor (config: Readonly<NodeConfig>, components: FerryNodeComponents) {
    this.config = config
    this.components = components
    this.peerTable = new PeerTable({ nowMs: components.nowMs })
    this.keyRing = new PortalKeyRing({ staticKeys: config.portalJwks, jwksUrl: config.portalJwksUrl }, { fetch: components.fetch })
    this.startedAtMs = components.nowMs()
  }

  get identity (): NodeIdentity { return must(this.identityValue) }
  get db (): Level<string, any> { return must(this.dbValue) }
  get store (): LevelPackageStore { return must(this.storeValue) }
  get mesh (): MeshHost { return must(this.meshValue) }
  get endpoint (): DataEndpoint { return must(this.endpointValue) }
  get gate (): TokenGate { return must(this.gateValue) }
  get history (): TransferHistory { return must(this.historyValue) }
  get peerId (): string { return this.identity.peerId.toString() }
  get httpUrl (): string { return this.httpUrlValue }
  /** main.ts tells the node where its HTTP server listens, once it does. */
  set httpUrl (url: string) { this.httpUrlValue = url }

  async start (): Promise<void> {
    const { config } = this
    await mkdir(config.dataDir, { recursive: true })
    this.identityValue = await loadNodeIdentity(config.dataDir)
    this.dbValue = new Level<string, any>(join(config.dataDir, 'db'), { valueEncoding: 'json' })
    await this.dbValue.open()
    this.storeValue = new LevelPackageStore({ db: this.dbValue, filesDir: join(config.dataDir, 'store') })
    this.historyValue = new TransferHistory(this.dbValue)
    this.gateValue = new TokenGate(this.peerId, { keyRing: this.keyRing, db: this.dbValue, nowMs: this.components.nowMs })
    // A portal that is down at start is not fatal: static keys still work, and the refresh retries.
    await this.keyRing.refresh()
    this.timers.push(setInterval(() => { void this.keyRing.refresh(); void this.gate.sweep() }, config.jwksRefreshMs))
    this.endpointValue = await this.components.openEndpoint(config.udpHost, config.udpPort)
    this.meshValue = new MeshHost({
      listen: config.listen,
      bootstrap: config.bootstrap,
      peerExchangeIntervalMs: config.peerExchangeIntervalMs,
      pingIntervalMs: config.pingIntervalMs,
      self: () => ({ name: config.name, udpHost: config.udpHost, udpPort: this.endpoint.port, httpUrl: this.httpUrlValue === '' ? undefined : this.httpUrlValue })
    }, { privateKey: this.identity.privateKey, peerTable: this.peerTable })
    await this.meshValue.start()
    const transfers = new TransferService({ peerId: this.peerId, udpHost: config.udpHost, udpPort: this.endpoint.port }, {
      store: this.store, gate: this.gate, endpoint: this.endpoint, registry: this.registry, history: this.history, peerTable: this.peerTable,
      signReceipt: async claims => await this.signReceipt(claims), nowMs: this.components.nowMs
    })
    await this.mesh.handle(TRANSFER_PROTOCOL, async (stream, connection) => {
      await transfers.handle(new StreamChannel(stream), connection.remotePeer.toString())
    })
    if (config.relay) {
      // Forwarders listen on every address: the initiator sends to whichever address of ours it reached.
      this.relay = new RelayService({ mesh: this.mesh }, { bindHost: config.udpHost.includes(':') ? '::' : '0.0.0.0' })
      const relay = this.relay
      // The initiator's UDP must come from the IP address its libp2p connection comes from (undefined when relayed).
      await this.mesh.handle(RELAY_PROTOCOL, async (stream, connection) => {
        await relay.handle(stream, connection.remoteAddr.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value)
      })
    }
    this.replicatorValue = new Replicator({
      store: this.store, gate: this.gate, mesh: this.mesh, endpoint: this.endpoint, registry: this.registry, history: this.history,
      peerTable: this.peerTable, db: this.db, nowMs: this.components.nowMs
    })
    for (const t of this.timers) t.unref()
  }

  async stop (): Promise<void> {
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    await this.meshValue?.stop().catch(() => {})
    await this.endpointValue?.close().catch(() => {})
    await this.dbValue?.close().catch(() => {})
  }

  async signReceipt (claims: Omit<TransferReceiptClaims, 'iss'>): Promise<string> {
    return await signTransferReceipt({ ...claims, iss: this.peerId }, this.identity.signingKey)
  }

  info (): NodeInfo {
    return {
      peerId: this.peerId,
      name: this.config.name,
      multiaddrs: this.mesh.multiaddrs,
      udpHost: this.config.udpHost,
      udpPort: this.endpoint.port,
      httpUrl: this.httpUrlValue,
      publicKeyJwk: this.identity.publicKeyJwk,
      version: NODE_VERSION
    }
  }

  /** The ops API (plus any plugins) for this node; main.ts makes it listen. */
  async buildHttpApp (): Promise<FastifyInstance> {
    return await buildOpsApp({ backend: this.opsBackend(), adminToken: this.config.adminToken, plugins: this.components.httpPlugins?.(this), onInternalError: err => { this.components.logError('ops API', err) } })
  }

  private opsBackend (): OpsBackend {
    return {
      info: () => this.info(),
      peers: () => this.peerTable.list(),
      liveTransfers: () => this.registry.list(),
      recentTransfers: async limit => await this.history.newest(limit),
      setTransferRate: (id, s) => this.registry.setRate(id, s),
      cancelTransfer: id => this.registry.cancel(id),
      metrics: () => this.metrics(),
      startReplication: async request => await must(this.replicatorValue).start(request),
      replication: async id => await must(this.replicatorValue).status(id),
      packageEntries: async pkg => await this.store.listEntries(pkg),
      deletePackage: async pkg => await this.store.deletePackage(pkg),
      bench: async (request, signal) => await runMeshBench({ mesh: this.mesh, peerTable: this.peerTable, endpoint: this.endpoint }, request, signal)
    }
  }

  private metrics (): MetricSample[] {
    const peers = this.peerTable.list()
    const live = this.registry.list()
    const out: MetricSample[] = [
      { name: 'ferry_node_uptime_seconds', help: 'Seconds since the node started', type: 'gauge', value: (this.components.nowMs() - this.startedAtMs) / 1000 },
      { name: 'ferry_node_peers_known', help: 'Peers in the peer table', type: 'gauge', value: peers.length },
      { name: 'ferry_node_peers_connected', help: 'Peers with an open connection', type: 'gauge', value: peers.filter(p => p.connected).length },
      { name: 'ferry_node_transfers_live', help: 'Transfers running now', type: 'gauge', value: live.length },
      { name: 'ferry_node_relay_sessions', help: 'Relayed sessions being forwarded now', type: 'gauge', value: this.relay?.activeSessions ?? 0 },
      { name: 'ferry_node_resident_memory_bytes', help: 'Resident set size of the node process', type: 'gauge', value: process.memoryUsage().rss }
    ]
    for (const t of live) {
      out.push({ name: 'ferry_node_transfer_rate_bits_per_second', help: 'Current rate of a live transfer', type: 'gauge', value: t.rateBitsPerSec, labels: { id: t.id, direction: t.direction } })
      out.push({ name: 'ferry_node_transfer_bytes_done', help: 'Bytes moved so far by a live transfer', type: 'gauge', value: t.bytesDone, labels: { id: t.id, direction: t.direction } })
    }
    for (const p of peers) {
      if (p.rttMs !== undefined) out.push({ name: 'ferry_node_peer_rtt_milliseconds', help: 'Last measured ping RTT to a peer', type: 'gauge', value: p.rttMs, labels: { peer: p.peerId } })
    }
    return out
  }
}

function must<T> (value: T | undefined): T {
  if (value === undefined) throw new Error('FerryNode not started')
  return value
}
