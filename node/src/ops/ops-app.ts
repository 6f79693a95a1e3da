// The node's ops HTTP API (fastify, built, never listening here): info, peers, transfers, metrics, replications, packages.
import { timingSafeEqual, createHash } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { FerryError, isFerryError } from '@ferry/protocol'
import type { RateSettings } from '@ferry/protocol/congestion/rate-controller'
import type { JWK } from 'jose'
import type { PeerRecord } from '../mesh/peer-table.js'
import type { LiveTransfer } from '../transfer/transfer-registry.js'
import type { TransferRecord } from '../transfer/transfer-history.js'
import type { PackageEntry } from '../gateway/gateway-store.js'
import { prometheusText, type MetricSample } from './prometheus-text.js'

export interface NodeInfo {
  peerId: string
  name: string
  multiaddrs: string[]
  udpHost: string
  udpPort: number
  httpUrl: string
  publicKeyJwk: JWK
  version: string
}

export interface ReplicationRequest {
  pkg: string
  sourceToken: string
  targetToken: string
  targetPeerId: string
  targetMultiaddrs?: string[]
}

export interface ReplicationStatus {
  id: string
  pkg: string
  targetPeerId: string
  state: 'running' | 'complete' | 'error'
  bytesDone: number
  bytesTotal: number
  receipt?: string
  /** Peer id of the relay the data went through, when the target was not reachable directly. */
  via?: string
  error?: { code: string, message: string }
}

export interface BenchResult {
  peerId: string
  bytes: number
  seconds: number
  mbps: number
  /** Relay used, when the peer was not reachable directly. */
  via?: string
}

export interface BenchRequest {
  peerId: string
  bytes: number
  /** Force the path: `direct` only, or `relay` only (for comparing the two). Default: direct, else relay. */
  route?: 'direct' | 'relay'
  targetBitsPerSec?: number
  policy?: 'fixed' | 'high' | 'fair' | 'low'
}

/** What the ops API reads and drives; FerryNode provides it. */
export interface OpsBackend {
  info (): NodeInfo
  peers (): PeerRecord[]
  liveTransfers (): LiveTransfer[]
  recentTransfers (limit: number): Promise<TransferRecord[]>
  setTransferRate (id: string, settings: RateSettings): boolean
  cancelTransfer (id: string): boolean
  metrics (): MetricSample[]
  startReplication (request: ReplicationRequest): Promise<{ id: string }>
  replication (id: string): Promise<ReplicationStatus | undefined>
  packageEntries (pkg: string): Promise<PackageEntry[] | undefined>
  deletePackage (pkg: string): Promise<number>
  bench (request: BenchRequest, signal: AbortSignal): Promise<BenchResult>
}

export interface OpsAppOptions {
  backend: OpsBackend
  /** Bearer token for every route but /api/v1/info; undefined refuses them all. */
  adminToken: string | undefined
  /** Adds more routes (the gateway) to the same server before it is ready. */
  plugins?: Array<(app: FastifyInstance) => Promise<void>>
  /** Told about every unexpected (non-Ferry) error before the client gets a bare FERRY_NODE_INTERNAL. */
  onInternalError?: (err: unknown) => void
}

/** Largest memory-to-memory test transfer (bytes): long enough to measure, small enough to hold in memory. */
export const MAX_BENCH_BYTES = 1024 ** 3

const rateSchema = {
  type: 'object',
  required: ['policy', 'targetBitsPerSec', 'minBitsPerSec'],
  additionalProperties: false,
  properties: {
    policy: { enum: ['fixed', 'high', 'fair', 'low'] },
    targetBitsPerSec: { type: 'number', exclusiveMinimum: 0 },
    minBitsPerSec: { type: 'number', minimum: 0 }
  }
} as const

function digest (s: string): Buffer {
  return createHash('sha256').update(s).digest()
}

export async function buildOpsApp (options: OpsAppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 })
  const { backend } = options
  const expected = options.adminToken === undefined ? undefined : digest(options.adminToken)

  const requireAdmin = async (req: FastifyRequest): Promise<void> => {
    const header = req.headers.authorization
    const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined
    // Compare digests in constant time, so neither the token nor its length leaks through timing.
    if (expected === undefined || given === undefined || !timingSafeEqual(digest(given), expected)) {
      throw new FerryError('FERRY_NODE_UNAUTHORIZED', 'this route needs the node\'s admin token', { statusCode: 401 })
    }
  }

  app.setErrorHandler((err, _req, reply) => {
    if (isFerryError(err)) return reply.status(err.statusCode).send({ code: err.code, message: err.message, details: err.details })
    const e = err as { validation?: unknown, statusCode?: number, message: string }
    if (e.validation !== undefined) return reply.status(400).send({ code: 'FERRY_NODE_REQUEST_INVALID', message: e.message })
    if (e.statusCode !== undefined && e.statusCode < 500) return reply.status(e.statusCode).send({ code: 'FERRY_NODE_REQUEST_INVALID', message: e.message })
    options.onInternalError?.(err)
    return reply.status(500).send({ code: 'FERRY_NODE_INTERNAL', message: 'internal error' })
  })
  app.setNotFoundHandler((_req, reply) => reply.status(404).send({ code: 'FERRY_NODE_NOT_FOUND', message: 'no such route' }))

  app.get('/api/v1/info', async () => backend.info())

  await app.register(async admin => {
    admin.addHook('onRequest', requireAdmin)
    admin.get('/api/v1/peers', async () => ({ peers: backend.peers() }))
    admin.get('/api/v1/transfers', async () => ({ live: backend.liveTransfers(), recent: await backend.recentTransfers(50) }))
    admin.patch<{ Params: { id: string }, Body: RateSettings }>('/api/v1/transfers/:id', { schema: { body: rateSchema } }, async (req) => {
      if (req.body.minBitsPerSec > req.body.targetBitsPerSec) throw new FerryError('FERRY_NODE_REQUEST_INVALID', 'minBitsPerSec exceeds targetBitsPerSec', { statusCode: 400 })
      if (!backend.setTransferRate(req.params.id, req.body)) throw new FerryError('FERRY_NODE_TRANSFER_UNKNOWN', 'no such running transfer', { statusCode: 404 })
      return { id: req.params.id, rate: req.body }
    })
    admin.delete<{ Params: { id: string } }>('/api/v1/transfers/:id', async (req) => {
      if (!backend.cancelTransfer(req.params.id)) throw new FerryError('FERRY_NODE_TRANSFER_UNKNOWN', 'no such running transfer', { statusCode: 404 })
      return { id: req.params.id, cancelled: true }
    })
    admin.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(prometheusText(backend.metrics())))
    admin.post<{ Body: ReplicationRequest }>('/api/v1/replications', {
      schema: {
        body: {
          type: 'object',
          required: ['pkg', 'sourceToken', 'targetToken', 'targetPeerId'],
          additionalProperties: false,
          properties: {
            pkg: { type: 'string', minLength: 1, maxLength: 200 },
            sourceToken: { type: 'string', minLength: 1 },
            targetToken: { type: 'string', minLength: 1 },
            targetPeerId: { type: 'string', minLength: 1, maxLength: 200 },
            targetMultiaddrs: { type: 'array', items: { type: 'string' }, maxItems: 16 }
          }
        }
      }
    }, async (req, reply) => reply.status(202).send(await backend.startReplication(req.body)))
    admin.get<{ Params: { id: string } }>('/api/v1/replications/:id', async (req) => {
      const status = await backend.replication(req.params.id)
      if (status === undefined) throw new FerryError('FERRY_NODE_REPLICATION_UNKNOWN', 'no such replication', { statusCode: 404 })
      return status
    })
    admin.get<{ Params: { pkg: string } }>('/api/v1/packages/:pkg', async (req) => {
      const entries = await backend.packageEntries(req.params.pkg)
      if (entries === undefined) throw new FerryError('FERRY_NODE_PACKAGE_UNKNOWN', 'this node holds no such package', { statusCode: 404 })
      return { pkg: req.params.pkg, files: entries.map(e => ({ path: e.path, kind: e.kind, sizeBytes: e.sizeBytes, sha256: e.sha256, complete: e.complete })) }
    })
    admin.delete<{ Params: { pkg: string } }>('/api/v1/packages/:pkg', async (req) => ({ pkg: req.params.pkg, deletedEntries: await backend.deletePackage(req.params.pkg) }))
    admin.post<{ Body: BenchRequest }>('/api/v1/bench', {
      schema: {
        body: {
          type: 'object', required: ['peerId', 'bytes'], additionalProperties: false,
          properties: {
            peerId: { type: 'string', minLength: 1 },
            bytes: { type: 'integer', minimum: 1, maximum: MAX_BENCH_BYTES },
            route: { enum: ['direct', 'relay'] },
            targetBitsPerSec: { type: 'number', exclusiveMinimum: 0 },
            policy: { enum: ['fixed', 'high', 'fair', 'low'] }
          }
        }
      }
    }, async (req) => await backend.bench(req.body, AbortSignal.timeout(10 * 60_000)))
  })

  for (const plugin of options.plugins ?? []) await plugin(app)
  return app
}
