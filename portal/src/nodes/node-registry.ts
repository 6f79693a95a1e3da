// Enrolled storage nodes and the RTTs clients measured to them: the portal's basis for choosing each user's nearest node.
import { FerryError } from '@ferry/protocol/errors/ferry-error'
import type { Clock } from '../clock.js'
import type { PortalDatabase } from '../store/portal-database.js'
import type { NodeRecord } from '../store/records.js'
import type { AuditLog } from '../audit/audit-log.js'
import type { NodeClient } from './node-client.js'
import { notFound } from '../portal-errors.js'

/** RTT samples older than this (ms) no longer count: networks move. */
const RTT_MAX_AGE_MS = 24 * 60 * 60 * 1000

export class NodeRegistry {
  constructor (private readonly db: PortalDatabase, private readonly client: NodeClient, private readonly clock: Clock, private readonly audit: AuditLog) {}

  /** Fetches the node's /api/v1/info and stores what it says under its peer id; enrolling again refreshes it. */
  async enrol (input: { name?: string, opsUrl: string, adminToken: string }, actor: string, signal?: AbortSignal): Promise<NodeRecord> {
    const info = await this.client.info(input.opsUrl, signal)
    const node: NodeRecord = {
      id: info.peerId,
      name: input.name ?? info.name,
      opsUrl: input.opsUrl.replace(/\/+$/, ''),
      adminToken: input.adminToken,
      multiaddrs: info.multiaddrs,
      udpHost: info.udpHost,
      udpPort: info.udpPort,
      httpUrl: info.httpUrl,
      publicKeyJwk: info.publicKeyJwk,
      version: info.version,
      enrolledAtMs: this.clock.nowMs()
    }
    await this.db.nodes.put(node.id, node)
    await this.audit.record(actor, 'node.enrol', node.id, { name: node.name, opsUrl: node.opsUrl })
    return node
  }

  async remove (id: string, actor: string): Promise<void> {
    await this.require(id)
    await this.db.nodes.del(id)
    await this.audit.record(actor, 'node.remove', id)
  }

  async list (): Promise<NodeRecord[]> {
    return (await this.db.nodes.list()).map(r => r.value)
  }

  async get (id: string): Promise<NodeRecord | undefined> { return await this.db.nodes.get(id) }

  async require (id: string): Promise<NodeRecord> {
    const node = await this.db.nodes.get(id)
    if (node === undefined) throw notFound(`node ${id}`)
    return node
  }

  async reportRtt (userId: string, samples: Array<{ nodeId: string, rttMs: number }>): Promise<void> {
    const atMs = this.clock.nowMs()
    for (const s of samples) {
      if (await this.db.nodes.get(s.nodeId) === undefined) continue
      await this.db.rtts.put(`${userId}!${s.nodeId}`, { nodeId: s.nodeId, rttMs: s.rttMs, atMs })
    }
  }

  /** The enrolled node with the lowest recent RTT for this user; without samples, the earliest enrolled node. */
  async nearest (userId: string): Promise<NodeRecord> {
    const nodes = await this.list()
    if (nodes.length === 0) throw new FerryError('FERRY_PORTAL_NO_NODE', 'no storage node is enrolled; an admin must enrol one (POST /api/v1/nodes)', { statusCode: 503 })
    const nowMs = this.clock.nowMs()
    const rtts = new Map((await this.db.rtts.list({ prefix: `${userId}!` }))
      .filter(r => nowMs - r.value.atMs <= RTT_MAX_AGE_MS).map(r => [r.value.nodeId, r.value.rttMs]))
    const byRtt = nodes.filter(n => rtts.has(n.id)).sort((a, b) => rtts.get(a.id)! - rtts.get(b.id)!)
    return byRtt[0] ?? nodes.sort((a, b) => a.enrolledAtMs - b.enrolledAtMs)[0]!
  }
}
