// Mounts the gateway on a running node in one call: HTTP routes, the mesh read protocol, and the sweep of expired uploads.
import type { FastifyInstance } from 'fastify'
import { FerryError } from '@ferry/protocol/errors/ferry-error'
import type { Stream, StreamHandler } from '@libp2p/interface'
import type { TransferDirection, TransferTokenClaims } from '@ferry/protocol/token/transfer-token'
import type { TransferReceiptClaims } from '@ferry/protocol/token/transfer-receipt'
import { gatewayPlugin } from './gateway-plugin.js'
import type { GatewayOptions } from './gateway-options.js'
import type { GatewayStore } from './gateway-store.js'
import { MeshPackageSource } from './mesh-package-source.js'
import { PACKAGE_READ_PROTOCOL } from './package-read-protocol.js'
import { servePackageRead, type PackageReadAuthorizer } from './package-read-server.js'
import { sweepExpiredUploads } from './sweep-expired-uploads.js'

/** What the gateway uses of a started node; FerryNode has this shape. */
export interface GatewayHostNode {
  readonly store: GatewayStore
  readonly gate: {
    verify: (token: string, expect: { pkg?: string, dir?: TransferDirection }) => Promise<TransferTokenClaims>
    verifyForPeer: (token: string, audience: string, expect: { pkg?: string, dir?: TransferDirection }) => Promise<TransferTokenClaims>
  }
  signReceipt: (claims: Omit<TransferReceiptClaims, 'iss'>) => Promise<string>
  readonly mesh: {
    handle: (protocol: string, handler: StreamHandler) => Promise<void>
    dialProtocol: (peerId: string, protocol: string, signal?: AbortSignal) => Promise<Stream>
  }
  readonly peerTable: { list: () => Array<{ peerId: string, connected: boolean, rttMs: number | undefined }> }
}

export interface NodeGatewayOptions extends Partial<Pick<GatewayOptions, 'maxUploadBytes' | 'uploadTtlMs' | 'supersedeAfterMs' | 'onDownloaded'>> {
  nowMs: () => number
  /** How often expired partial uploads are swept, in ms. Default 10 min: expiry is measured in hours. */
  sweepIntervalMs?: number
}

/**
 * For FerryNode's `httpPlugins`: `httpPlugins: node => [nodeGatewayPlugin(node, { nowMs: Date.now })]`.
 * Called once the node started (its mesh is up); the sweep timer stops when the HTTP server closes.
 */
export function nodeGatewayPlugin (node: GatewayHostNode, options: NodeGatewayOptions): (app: FastifyInstance) => Promise<void> {
  return async (app: FastifyInstance) => {
    const authorize: PackageReadAuthorizer = async (token, requester, pkg) => await node.gate.verifyForPeer(token, requester, { pkg, dir: 'download' })
    await node.mesh.handle(PACKAGE_READ_PROTOCOL, async (stream, connection) => { await servePackageRead(stream, connection.remotePeer.toString(), node.store, authorize) })
    const remote = new MeshPackageSource({
      dialProtocol: async (peerId, protocol, signal) => await node.mesh.dialProtocol(peerId, protocol, signal),
      // Nearest first: the holder answering fastest serves the browser fastest.
      peers: () => node.peerTable.list().filter(p => p.connected).sort((a, b) => (a.rttMs ?? Infinity) - (b.rttMs ?? Infinity)).map(p => p.peerId)
    })
    const { nowMs, sweepIntervalMs, ...tunables } = options
    await app.register(gatewayPlugin, {
      ...tunables,
      store: node.store,
      verifyToken: async (token, expect) => refuseSingleUse(await node.gate.verify(token, expect)),
      signReceipt: async claims => await node.signReceipt(claims),
      remote,
      now: nowMs
    })
    const sweep = setInterval(() => { void sweepExpiredUploads(node.store, nowMs()).catch(() => {}) }, sweepIntervalMs ?? 10 * 60 * 1000)
    sweep.unref()
    app.addHook('onClose', async () => { clearInterval(sweep) })
  }
}

/**
 * The gateway serves repeatable requests (Range resumes, one request per file, tus PATCHes), so it cannot honour a
 * single-use token without letting it be replayed; such tokens open one UDP transfer through /ferry/transfer/1 only.
 */
function refuseSingleUse (claims: TransferTokenClaims): TransferTokenClaims {
  if (claims.once === true) {
    throw new FerryError('FERRY_GATEWAY_TOKEN_SINGLE_USE', 'a single-use transfer token opens one UDP transfer; the HTTP gateway needs a reusable token', { statusCode: 403, details: { jti: claims.jti } })
  }
  return claims
}
