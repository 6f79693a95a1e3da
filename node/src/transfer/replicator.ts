// Node-to-node sends: this node, holding a package, acts as a client of another node's /ferry/transfer/1 and uploads it over UDP.
import { randomBytes } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import type { AbstractLevel, AbstractSublevel } from 'abstract-level'
import { FerryError } from '@ferry/protocol'
import type { RateSettings } from '@ferry/protocol/congestion/rate-controller'
import type { LevelPackageStore } from '../storage/level-package-store.js'
import type { TokenGate } from '../control/token-gate.js'
import { openTransferTo } from '../relay/transfer-dialer.js'
import type { MeshHost } from '../mesh/mesh-host.js'
import type { PeerTable } from '../mesh/peer-table.js'
import type { DataEndpoint, DriverFile } from './data-endpoint.js'
import type { TransferRegistry } from './transfer-registry.js'
import type { TransferHistory } from './transfer-history.js'
import { DEFAULT_RATE, toFerryError } from './transfer-service.js'
import type { ReplicationRequest, ReplicationStatus } from '../ops/ops-app.js'

type Db = AbstractLevel<any, string, any>

export interface ReplicatorComponents {
  store: LevelPackageStore
  gate: TokenGate
  mesh: MeshHost
  endpoint: DataEndpoint
  registry: TransferRegistry
  history: TransferHistory
  peerTable: PeerTable
  db: Db
  nowMs: () => number
}

/**
 * Starts replications and reports on them. `start` checks the source token (a download token for this node, for the
 * package) before anything moves, so an admin call cannot ship a package the portal did not release; the target node
 * checks the target token as for any client. Status lives in memory while running and in LevelDB once settled.
 */
export class Replicator {
  private readonly c: ReplicatorComponents
  private readonly live = new Map<string, ReplicationStatus>()
  private readonly settled: AbstractSublevel<Db, any, string, ReplicationStatus>

  constructor (components: ReplicatorComponents) {
    this.c = components
    this.settled = components.db.sublevel<string, ReplicationStatus>('replications', { valueEncoding: 'json' })
  }

  async start (request: ReplicationRequest, rate: RateSettings = DEFAULT_RATE): Promise<{ id: string }> {
    const claims = await this.c.gate.admit(request.sourceToken, { pkg: request.pkg, dir: 'download' })
    const entries = (await this.c.store.listEntries(request.pkg)) ?? []
    const complete = entries.filter(e => e.kind === 'file' && e.complete)
    if (complete.length === 0) throw new FerryError('FERRY_NODE_PACKAGE_UNKNOWN', 'this node holds no complete file of this package', { statusCode: 404 })
    const files: DriverFile[] = []
    for (const e of complete) files.push({ relativePath: e.path, absolutePath: await this.c.store.completeFilePath(request.pkg, e.path), sizeBytes: e.sizeBytes })
    const id = randomBytes(16).toString('hex')
    const status: ReplicationStatus = { id, pkg: request.pkg, targetPeerId: request.targetPeerId, state: 'running', bytesDone: 0, bytesTotal: files.reduce((n, f) => n + f.sizeBytes, 0) }
    this.live.set(id, status)
    void this.run(id, status, request, files, rate, claims.jti)
    return { id }
  }

  /** Current status, from memory while running, else from LevelDB. */
  async status (id: string): Promise<ReplicationStatus | undefined> {
    return this.live.get(id) ?? await this.settled.get(id)
  }

  private async run (id: string, status: ReplicationStatus, request: ReplicationRequest, files: DriverFile[], rate: RateSettings, jti: string): Promise<void> {
    const abort = new AbortController()
    const startedAtMs = this.c.nowMs()
    let handle: { setRate: (s: RateSettings) => void } | undefined
    this.c.registry.add({ id, direction: 'replicate', pkg: request.pkg, peer: request.targetPeerId, rate, bytesDone: 0, bytesTotal: status.bytesTotal, rateBitsPerSec: 0, etaSeconds: 0, startedAtMs }, {
      setRate: s => { handle?.setRate(s) },
      cancel: () => { abort.abort() }
    })
    let bytes = 0
    try {
      const target = { peerId: request.targetPeerId, multiaddr: request.targetMultiaddrs?.[0] === undefined ? undefined : withPeerId(request.targetMultiaddrs[0], request.targetPeerId) }
      const { control, accept, via } = await openTransferTo(this.c.mesh, this.c.peerTable, target, {
        token: request.targetToken, direction: 'upload', manifest: files.map(f => ({ path: f.relativePath, sizeBytes: f.sizeBytes })), rate
      })
      status.via = via
      abort.signal.addEventListener('abort', () => { void control.cancel().catch(() => {}) })
      const pending = files.filter(f => !accept.resume.completePaths.includes(f.relativePath))
      const sending = pending.length === 0
        ? Promise.resolve({ files: [], bytes: 0, seconds: 0 })
        : this.c.endpoint.send({
          connectionId: accept.connectionId, secret: Buffer.from(accept.secret, 'base64'), role: 'initiator',
          remote: { host: accept.udpHost, port: accept.udpPort }, files: pending, rate, receiverResuming: accept.resume.receiverResuming === true, signal: abort.signal,
          onProgress: p => { status.bytesDone = p.bytesDone; this.c.registry.update(id, p) }
        }, h => { handle = h })
      // If the UDP side fails, the target only learns it from its own timeout; cancel so it stops at once.
      sending.catch(() => { void control.cancel().catch(() => {}) })
      const [sent, complete] = await Promise.all([sending, control.complete({ signal: abort.signal })])
      bytes = sent.bytes
      Object.assign(status, { state: 'complete', bytesDone: status.bytesTotal, receipt: complete.receipt })
      this.c.peerTable.transferred(request.targetPeerId, sent.bytes, sent.seconds)
    } catch (err) {
      const e = toFerryError(err)
      Object.assign(status, { state: 'error', error: { code: e.code, message: e.message } })
    } finally {
      abort.abort()
      this.c.registry.remove(id)
      await this.settled.put(id, status).catch(() => {})
      this.live.delete(id)
      await this.c.history.add({
        id, direction: 'replicate', pkg: request.pkg, peer: request.targetPeerId, jti, bytes, seconds: (this.c.nowMs() - startedAtMs) / 1000,
        files: files.length, outcome: status.state === 'complete' ? 'complete' : 'error', errorCode: status.error?.code, endedAtMs: this.c.nowMs()
      }).catch(() => {})
    }
  }
}

/** Appends /p2p/<peerId> to a multiaddr that lacks it, so the dial authenticates the right node. */
function withPeerId (addr: string, peerId: string): string {
  const ma = multiaddr(addr)
  return ma.getComponents().some(c => c.name === 'p2p') ? addr : `${addr}/p2p/${peerId}`
}
