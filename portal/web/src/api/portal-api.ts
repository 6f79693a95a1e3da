// The portal's REST API as the web UI calls it: one method per route, cookies for the session, the CSRF header on writes.
import type {
  AuditEntry, Group, Inbox, NodeInfo, NodeStatus, Notification, PackageDetail, PackageInput, PackageSummary,
  RecipientSuggestion, Role, TransferGrant, User
} from './api-types.js'
import { PortalApiError } from './portal-api-error.js'

export type Box = 'inbox' | 'sent' | 'drafts'

export class PortalApi {
  private readonly baseUrl: string
  private csrfToken = ''

  /** baseUrl: the portal's origin ('' in the browser: same origin). */
  constructor (baseUrl = '') {
    this.baseUrl = baseUrl
  }

  // --- session ---

  /** The signed-in user, or undefined when there is no session. */
  async me (signal?: AbortSignal): Promise<User | undefined> {
    try {
      const body = await this.request<{ user: User, csrfToken?: string }>('GET', '/api/v1/session', undefined, signal)
      if (body.csrfToken !== undefined) this.csrfToken = body.csrfToken
      return body.user
    } catch (err) {
      if (err instanceof PortalApiError && err.status === 401) return undefined
      throw err
    }
  }

  async signIn (login: string, password: string): Promise<User> {
    const body = await this.request<{ user: User, csrfToken?: string }>('POST', '/api/v1/session', { login, password })
    if (body.csrfToken !== undefined) this.csrfToken = body.csrfToken
    return body.user
  }

  async signOut (): Promise<void> {
    await this.request('DELETE', '/api/v1/session')
    this.csrfToken = ''
  }

  // --- packages ---

  async listPackages (box: Box, options: { before?: string, limit?: number } = {}, signal?: AbortSignal): Promise<PackageSummary[]> {
    const query = new URLSearchParams({ box })
    if (options.limit !== undefined) query.set('limit', String(options.limit))
    if (options.before !== undefined) query.set('before', options.before)
    const body = await this.request<{ packages: PackageSummary[] }>('GET', `/api/v1/packages?${query}`, undefined, signal)
    return body.packages
  }

  async listInboxPackages (inboxId: string, signal?: AbortSignal): Promise<PackageSummary[]> {
    const body = await this.request<{ packages: PackageSummary[] }>('GET', `/api/v1/inboxes/${enc(inboxId)}/packages`, undefined, signal)
    return body.packages
  }

  async getPackage (id: string, signal?: AbortSignal): Promise<PackageDetail> {
    return await this.request<PackageDetail>('GET', `/api/v1/packages/${enc(id)}`, undefined, signal)
  }

  /** Creates a draft. */
  async createPackage (input: PackageInput): Promise<PackageDetail> {
    return await this.request<PackageDetail>('POST', '/api/v1/packages', input)
  }

  /** Marks the draft as uploading and returns an upload grant for the node the portal picked. */
  async uploadGrant (id: string): Promise<TransferGrant> {
    return await this.request<TransferGrant>('POST', `/api/v1/packages/${enc(id)}/upload-token`, {})
  }

  async downloadGrant (id: string): Promise<TransferGrant> {
    return await this.request<TransferGrant>('POST', `/api/v1/packages/${enc(id)}/download-token`, {})
  }

  /** Hands the node's signed receipt to the portal (contract D). */
  async submitReceipt (id: string, receipt: string, nodeId: string): Promise<void> {
    await this.request('POST', `/api/v1/packages/${enc(id)}/receipts`, { receipt, nodeId })
  }

  async deletePackage (id: string): Promise<void> {
    await this.request('DELETE', `/api/v1/packages/${enc(id)}`)
  }

  // --- people ---

  async suggestRecipients (query: string, signal?: AbortSignal): Promise<RecipientSuggestion[]> {
    const body = await this.request<{ suggestions: RecipientSuggestion[] }>('GET', `/api/v1/recipients?q=${enc(query)}`, undefined, signal)
    return body.suggestions
  }

  async listInboxes (signal?: AbortSignal): Promise<Inbox[]> {
    return (await this.request<{ inboxes: Inbox[] }>('GET', '/api/v1/inboxes', undefined, signal)).inboxes
  }

  async listUsers (signal?: AbortSignal): Promise<User[]> {
    return (await this.request<{ users: User[] }>('GET', '/api/v1/users', undefined, signal)).users
  }

  async createUser (input: { name: string, email: string, displayName: string, role: Role, password: string }): Promise<User> {
    return await this.request<User>('POST', '/api/v1/users', input)
  }

  async updateUser (id: string, patch: Partial<Pick<User, 'role' | 'disabled' | 'displayName'>>): Promise<User> {
    return await this.request<User>('PATCH', `/api/v1/users/${enc(id)}`, patch)
  }

  async listGroups (signal?: AbortSignal): Promise<Group[]> {
    return (await this.request<{ groups: Group[] }>('GET', '/api/v1/groups', undefined, signal)).groups
  }

  async createGroup (input: { name: string, memberIds: string[] }): Promise<Group> {
    return await this.request<Group>('POST', '/api/v1/groups', input)
  }

  async updateGroup (id: string, patch: { name?: string, memberIds?: string[] }): Promise<Group> {
    return await this.request<Group>('PATCH', `/api/v1/groups/${enc(id)}`, patch)
  }

  async deleteGroup (id: string): Promise<void> {
    await this.request('DELETE', `/api/v1/groups/${enc(id)}`)
  }

  // --- nodes ---

  async listNodes (signal?: AbortSignal): Promise<NodeInfo[]> {
    return (await this.request<{ nodes: NodeInfo[] }>('GET', '/api/v1/nodes', undefined, signal)).nodes
  }

  async enrolNode (input: { name: string, opsUrl: string, adminToken: string }): Promise<NodeInfo> {
    return await this.request<NodeInfo>('POST', '/api/v1/nodes', input)
  }

  async nodeStatus (signal?: AbortSignal): Promise<NodeStatus[]> {
    return (await this.request<{ nodes: NodeStatus[] }>('GET', '/api/v1/nodes/status', undefined, signal)).nodes
  }

  /** Reports measured round-trip times so the portal can pick this browser's nearest node (contract E). */
  async reportRtt (samples: Array<{ nodeId: string, rttMs: number }>): Promise<void> {
    await this.request('POST', '/api/v1/nodes/rtt', { samples })
  }

  // --- notifications, audit ---

  async listNotifications (signal?: AbortSignal): Promise<Notification[]> {
    return (await this.request<{ notifications: Notification[] }>('GET', '/api/v1/notifications', undefined, signal)).notifications
  }

  async markNotificationsRead (ids: string[]): Promise<void> {
    await this.request('POST', '/api/v1/notifications/read', { ids })
  }

  /** URL of the Server-Sent Events feed of notifications for the signed-in user. */
  notificationStreamUrl (): string {
    return `${this.baseUrl}/api/v1/notifications/stream`
  }

  async listAudit (options: { before?: string, limit?: number } = {}, signal?: AbortSignal): Promise<AuditEntry[]> {
    const query = new URLSearchParams()
    if (options.limit !== undefined) query.set('limit', String(options.limit))
    if (options.before !== undefined) query.set('before', options.before)
    return (await this.request<{ entries: AuditEntry[] }>('GET', `/api/v1/audit?${query}`, undefined, signal)).entries
  }

  // --- plumbing ---

  private async request<T = unknown> (method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (method !== 'GET' && this.csrfToken !== '') headers['x-csrf-token'] = this.csrfToken
    let response: Response
    try {
      response = await fetch(this.baseUrl + path, {
        method, headers, credentials: 'same-origin', signal, body: body === undefined ? undefined : JSON.stringify(body)
      })
    } catch (err) {
      if (signal?.aborted === true) throw err
      throw new PortalApiError(0, 'FERRY_WEB_NETWORK', 'The portal could not be reached.', { cause: err })
    }
    const text = await response.text()
    let parsed: unknown
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      parsed = undefined
    }
    if (!response.ok) {
      const err = (parsed ?? {}) as { code?: string, message?: string }
      throw new PortalApiError(response.status, err.code ?? `HTTP_${response.status}`, err.message ?? response.statusText)
    }
    return parsed as T
  }
}

function enc (value: string): string {
  return encodeURIComponent(value)
}
