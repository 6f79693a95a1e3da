// The portal's REST API as the CLI uses it (login, packages, transfer tokens, nodes, receipts): one method per call, typed.
import { PortalHttp, type PortalHttpOptions } from './portal-http.js'
import type { NodeEndpoint } from '../transfer/transfer-types.js'

export interface PackageFileInfo { path: string, sizeBytes: number, sha256?: string }

export interface PackageSummaryInfo {
  id: string
  title: string
  senderName: string
  state: string
  createdAtMs: number
  sentAtMs?: number
  expiresAtMs?: number
  sizeBytes: number
  fileCount: number
}

export interface PackageInfo extends PackageSummaryInfo {
  note: string
  recipients: Array<{ kind: string, ref: string, label: string }>
  metadata: Record<string, string | number | boolean>
  files: PackageFileInfo[]
  /** Empty folders of the package (relative paths). */
  folders?: string[]
  nodeIds: string[]
  /** The node the sender uploaded to: it holds the package first. */
  uploadNodeId?: string
  downloads?: Array<{ by: string, atMs: number }>
}

/** A node as the portal lists it: the same shape the transports take. */
export type NodeInfo = NodeEndpoint

/** A transfer token the portal issued, with where to use it. */
export interface TransferGrant {
  token: string
  expiresAtMs: number
  node: NodeInfo
  /** Set when the portal had the holding node copy the package to the near node first: bytes arrive there as they come. */
  replicationId?: string
}

export interface CreatePackageRequest {
  recipients: string[]
  title: string
  note: string
  metadata: Record<string, string>
  expiresInSec?: number
  files: PackageFileInfo[]
}

export class PortalClient {
  readonly http: PortalHttp

  constructor (options: PortalHttpOptions) {
    this.http = new PortalHttp(options)
  }

  get portalUrl (): string { return this.http.baseUrl }

  /** Exchanges a name and password for a long-lived API token (the CLI never keeps the password). */
  async createApiToken (user: string, password: string, label: string): Promise<{ id: string, token: string, user: { name: string } }> {
    return await this.http.request('POST', '/api/v1/auth/tokens', { name: user, password, label })
  }

  async me (): Promise<{ user: { id: string, name: string, role: string } }> {
    return await this.http.request('GET', '/api/v1/me')
  }

  async revokeToken (tokenId: string): Promise<void> {
    await this.http.request('DELETE', `/api/v1/auth/tokens/${encodeURIComponent(tokenId)}`)
  }

  /** Admin: creates a local user (used by `ferry up` for the demo accounts). */
  async createUser (user: { name: string, email: string, password: string, role?: 'admin' | 'user', displayName?: string }): Promise<{ id: string }> {
    return await this.http.request('POST', '/api/v1/users', user)
  }

  async users (): Promise<Array<{ id: string, name: string }>> {
    return (await this.http.request<{ items: Array<{ id: string, name: string }> }>('GET', '/api/v1/users')).items
  }

  /** Admin: enrols a node by its ops URL; the portal fetches the node's info (peer id, addresses, key) from it. */
  async enrolNode (node: { name?: string, opsUrl: string, adminToken: string }): Promise<NodeInfo> {
    return await this.http.request('POST', '/api/v1/nodes', node)
  }

  async createPackage (request: CreatePackageRequest): Promise<PackageInfo> {
    return await this.http.request('POST', '/api/v1/packages', request)
  }

  async inbox (): Promise<PackageSummaryInfo[]> {
    return (await this.http.request<{ items: PackageSummaryInfo[] }>('GET', '/api/v1/packages/inbox')).items
  }

  async sent (): Promise<PackageSummaryInfo[]> {
    return (await this.http.request<{ items: PackageSummaryInfo[] }>('GET', '/api/v1/packages/sent')).items
  }

  async getPackage (id: string): Promise<PackageInfo> {
    return await this.http.request('GET', `/api/v1/packages/${encodeURIComponent(id)}`)
  }

  async forwardPackage (id: string, recipients: string[]): Promise<void> {
    await this.http.request('POST', `/api/v1/packages/${encodeURIComponent(id)}/forward`, { recipients })
  }

  async deletePackage (id: string): Promise<void> {
    await this.http.request('DELETE', `/api/v1/packages/${encodeURIComponent(id)}`)
  }

  /** A token to upload the package's files to a node the portal picks (the nearest by reported RTT). */
  async uploadGrant (id: string, files?: PackageFileInfo[]): Promise<TransferGrant> {
    return await this.http.request('POST', `/api/v1/packages/${encodeURIComponent(id)}/upload-token`, files === undefined ? {} : { files })
  }

  /** A token to download from my nearest node, or from `nodeId`; the portal has the holder copy the package there when needed. */
  async downloadGrant (id: string, options: { paths?: string[], nodeId?: string } = {}): Promise<TransferGrant> {
    return await this.http.request('POST', `/api/v1/packages/${encodeURIComponent(id)}/download-token`, options)
  }

  async submitReceipt (id: string, nodeId: string, receipt: string): Promise<void> {
    await this.http.request('POST', `/api/v1/packages/${encodeURIComponent(id)}/receipts`, { receipt, nodeId })
  }

  async nodes (): Promise<NodeInfo[]> {
    return (await this.http.request<{ items: NodeInfo[] }>('GET', '/api/v1/nodes')).items
  }

  async reportRtt (samples: Array<{ nodeId: string, rttMs: number }>): Promise<void> {
    await this.http.request('POST', '/api/v1/nodes/rtt', { samples })
  }
}
