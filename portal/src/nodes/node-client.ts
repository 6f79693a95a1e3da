// HTTP calls from the portal to a storage node's ops API (contract B): info at enrolment, replication and deletion.
import { FerryError } from '@ferry/protocol/errors/ferry-error'

export type FetchFn = typeof fetch

export interface NodeInfo {
  peerId: string
  name: string
  multiaddrs: string[]
  udpHost: string
  udpPort: number
  httpUrl: string
  publicKeyJwk: Record<string, unknown>
  version: string
}

export interface NodePeer { peerId: string, name?: string, connected?: boolean, rttMs?: number }
export interface NodeTransfer { id: string, direction?: string, pkg?: string, peer?: string, rateBitsPerSec?: number, bytesDone?: number, bytesTotal?: number, etaSeconds?: number }

export interface ReplicationRequest {
  pkg: string
  sourceToken: string
  targetToken: string
  targetPeerId: string
  targetMultiaddrs?: string[]
}

/** How long the portal waits for a node's ops API (ms) before calling it unreachable. */
const NODE_TIMEOUT_MS = 10_000

export class NodeClient {
  constructor (private readonly fetchFn: FetchFn = fetch) {}

  async info (opsUrl: string, signal?: AbortSignal): Promise<NodeInfo> {
    const body = await this.call('GET', `${trim(opsUrl)}/api/v1/info`, undefined, undefined, signal) as Partial<NodeInfo>
    if (typeof body.peerId !== 'string' || typeof body.publicKeyJwk !== 'object' || body.publicKeyJwk === null) {
      throw new FerryError('FERRY_PORTAL_NODE_UNREACHABLE', `node at ${opsUrl} answered /api/v1/info without peerId and publicKeyJwk`, { statusCode: 502 })
    }
    return {
      peerId: body.peerId,
      name: body.name ?? body.peerId,
      multiaddrs: body.multiaddrs ?? [],
      udpHost: body.udpHost ?? '',
      udpPort: body.udpPort ?? 0,
      httpUrl: body.httpUrl ?? trim(opsUrl),
      publicKeyJwk: body.publicKeyJwk,
      version: body.version ?? ''
    }
  }

  async deletePackage (opsUrl: string, adminToken: string, pkg: string, signal?: AbortSignal): Promise<void> {
    await this.call('DELETE', `${trim(opsUrl)}/api/v1/packages/${encodeURIComponent(pkg)}`, adminToken, undefined, signal, [404])
  }

  async startReplication (opsUrl: string, adminToken: string, request: ReplicationRequest, signal?: AbortSignal): Promise<{ id: string }> {
    return await this.call('POST', `${trim(opsUrl)}/api/v1/replications`, adminToken, request, signal) as { id: string }
  }

  /** The node's mesh peers and live transfers (ops API GET /api/v1/peers and /api/v1/transfers). */
  async status (opsUrl: string, adminToken: string, signal?: AbortSignal): Promise<{ peers: NodePeer[], transfers: NodeTransfer[] }> {
    const [peers, transfers] = await Promise.all([
      this.call('GET', `${trim(opsUrl)}/api/v1/peers`, adminToken, undefined, signal) as Promise<{ peers?: NodePeer[] }>,
      this.call('GET', `${trim(opsUrl)}/api/v1/transfers`, adminToken, undefined, signal) as Promise<{ live?: NodeTransfer[] }>
    ])
    return { peers: peers.peers ?? [], transfers: transfers.live ?? [] }
  }

  private async call (method: string, url: string, adminToken: string | undefined, body: unknown, signal: AbortSignal | undefined, okStatuses: number[] = []): Promise<unknown> {
    const headers: Record<string, string> = {}
    if (adminToken !== undefined) headers.authorization = `Bearer ${adminToken}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    try {
      response = await this.fetchFn(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: signal === undefined ? AbortSignal.timeout(NODE_TIMEOUT_MS) : AbortSignal.any([signal, AbortSignal.timeout(NODE_TIMEOUT_MS)])
      })
    } catch (err) {
      throw new FerryError('FERRY_PORTAL_NODE_UNREACHABLE', `node ops API ${method} ${url} failed: ${(err as Error).message}`, { statusCode: 502, cause: err })
    }
    const text = await response.text()
    if (!response.ok && !okStatuses.includes(response.status)) {
      throw new FerryError('FERRY_PORTAL_NODE_REFUSED', `node ops API ${method} ${url} answered ${response.status}: ${text.slice(0, 200)}`, { statusCode: 502, details: { status: response.status } })
    }
    return text === '' ? {} : JSON.parse(text)
  }
}

function trim (url: string): string {
  return url.replace(/\/+$/, '')
}
