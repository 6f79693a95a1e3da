// A node's ops HTTP API (contract B) as the CLI uses it: info, peers, live transfers, rate changes, cancel, mesh benchmarks.
import { FerryError, type FerryErrorCode } from '@ferry/protocol'
import type { RateSettings } from '@ferry/protocol/congestion/rate-controller'

export interface OpsNodeInfo { peerId: string, name: string, multiaddrs: string[], udpHost: string, udpPort: number, httpUrl: string }
export interface OpsPeer { peerId: string, name?: string, connected: boolean, rttMs?: number, throughputBitsPerSec?: number }
export interface OpsTransfer {
  id: string
  direction: string
  pkg: string
  peer: string
  rate: RateSettings
  bytesDone: number
  bytesTotal: number
  rateBitsPerSec: number
  etaSeconds: number
  startedAtMs: number
}
export interface OpsBenchResult { peerId: string, bytes: number, seconds: number, mbps: number }

export class NodeOpsClient {
  readonly baseUrl: string

  constructor (httpUrl: string, private readonly adminToken: string | undefined, private readonly signal?: AbortSignal) {
    this.baseUrl = httpUrl.replace(/\/+$/, '')
  }

  async info (): Promise<OpsNodeInfo> { return await this.call('GET', '/api/v1/info') }
  async peers (): Promise<OpsPeer[]> { return (await this.call<{ peers: OpsPeer[] }>('GET', '/api/v1/peers')).peers }
  async transfers (): Promise<{ live: OpsTransfer[] }> { return await this.call('GET', '/api/v1/transfers') }
  async setRate (id: string, rate: RateSettings): Promise<void> { await this.call('PATCH', `/api/v1/transfers/${encodeURIComponent(id)}`, rate) }
  async cancel (id: string): Promise<void> { await this.call('DELETE', `/api/v1/transfers/${encodeURIComponent(id)}`) }
  async bench (peerId: string, bytes: number): Promise<OpsBenchResult> { return await this.call('POST', '/api/v1/bench', { peerId, bytes }) }

  private async call<T> (method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {}
    if (this.adminToken !== undefined) headers.authorization = `Bearer ${this.adminToken}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    try {
      response = await fetch(this.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: this.signal })
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err
      throw new FerryError('FERRY_CLI_NODE_UNREACHABLE', `cannot reach the node's ops API at ${this.baseUrl}; check --node and that the node runs`, { cause: err })
    }
    const text = await response.text()
    let payload: { code?: unknown, message?: unknown } = {}
    try { payload = text === '' ? {} : JSON.parse(text) } catch { /* not JSON */ }
    if (response.ok) return payload as T
    const code: FerryErrorCode = typeof payload.code === 'string' && payload.code.startsWith('FERRY_') ? payload.code as FerryErrorCode : 'FERRY_CLI_NODE_ERROR'
    const hint = response.status === 401 ? '; pass the node\'s admin token with --admin-token or FERRY_NODE_ADMIN_TOKEN' : ''
    throw new FerryError(code, `node ${this.baseUrl} ${method} ${path}: ${typeof payload.message === 'string' ? payload.message : response.status}${hint}`, { statusCode: response.status })
  }
}
