// The portal's REST API as the web UI calls it: one method per route, cookies for the session, the CSRF header on writes.
import type {
  AuditEntry, Group, Inbox, NodeInfo, NodeStatus, Notification, PackageDetail, PackageInput, PackageSummary,
  Recipient, RecipientSuggestion, Role, TransferGrant, User
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
      const body = await this.request<{ user: User, csrfToken?: string }>('GET', '/api/v1/me', undefined, signal)
      if (body.csrfToken !== undefined) this.csrfToken = body.csrfToken
      return body.user
    } catch (err) {
      if (err instanceof PortalApiError && err.status === 401) return undefined
      throw err
    }
  }

  async signIn (login: string, password: string): Promise<User> {
    const body = await this.request<{ user: User, csrfToken?: string }>('POST', '/api/v1/auth/login', { name: login, password })
    if (body.csrfToken !== undefined) this.csrfToken = body.csrfToken
    return body.user
  }

  async signOut (): Promise<void> {
    await this.request('POST', '/api/v1/auth/logout', {})
    this.csrfToken = ''
  }

  // --- packages ---

  async listPackages (box: Box, options: { cursor?: string, limit?: number } = {}, signal?: AbortSignal): Promise<Page<PackageSummary>> {
    return await this.request<Page<PackageSummary>>('GET', `/api/v1/packages/${box}?${pageQuery(options)}`, undefined, signal)
  }

  async listInboxPackages (inboxId: string, options: { cursor?: string, limit?: number } = {}, signal?: AbortSignal): Promise<Page<PackageSummary>> {
    return await this.request<Page<PackageSummary>>('GET', `/api/v1/inboxes/${enc(inboxId)}/packages?${pageQuery(options)}`, undefined, signal)
  }

  async getPackage (id: string, signal?: AbortSignal): Promise<PackageDetail> {
    return await this.request<PackageDetail>('GET', `/api/v1/packages/${enc(id)}`, undefined, signal)
  }

  /** Creates a draft; recipients go as the portal's specs (`user:<id>`, `group:<name>`, `inbox:<name>`, an address). */
  async createPackage (input: PackageInput): Promise<PackageDetail> {
    const { recipients, inboxId: _inboxId, ...rest } = input
    return await this.request<PackageDetail>('POST', '/api/v1/packages', { ...rest, recipients: recipients.map(recipientSpec) })
  }

  /** Marks the draft as uploading and returns an upload grant for the node the portal picked (the same node on resume). */
  async uploadGrant (id: string): Promise<TransferGrant> {
    return grantFrom(await this.request<GrantBody>('POST', `/api/v1/packages/${enc(id)}/upload-token`, {}))
  }

  /** A download grant for this browser's nearest node (the portal has the holder copy the package there when needed). */
  async downloadGrant (id: string): Promise<TransferGrant> {
    return grantFrom(await this.request<GrantBody>('POST', `/api/v1/packages/${enc(id)}/download-token`, {}))
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
    const body = await this.request<DirectoryBody>('GET', `/api/v1/directory?q=${enc(query)}&limit=8`, undefined, signal)
    return [
      ...body.users.map(u => ({ kind: 'user' as const, ref: u.id, label: u.displayName || u.name, detail: u.name })),
      ...body.groups.map(g => ({ kind: 'group' as const, ref: g.id, label: g.name, detail: 'group', spec: `group:${g.name}` })),
      ...body.inboxes.map(i => ({ kind: 'inbox' as const, ref: i.id, label: i.name, detail: i.kind === 'workgroup' ? 'workgroup' : 'shared inbox', spec: `inbox:${i.name}` }))
    ]
  }

  async listInboxes (signal?: AbortSignal): Promise<Inbox[]> {
    return (await this.request<{ items: Inbox[] }>('GET', '/api/v1/inboxes', undefined, signal)).items
  }

  async listUsers (signal?: AbortSignal): Promise<User[]> {
    return (await this.request<{ items: User[] }>('GET', '/api/v1/users', undefined, signal)).items
  }

  async createUser (input: { name: string, email: string, displayName: string, role: Role, password: string }): Promise<User> {
    return await this.request<User>('POST', '/api/v1/users', input)
  }

  async updateUser (id: string, patch: Partial<Pick<User, 'role' | 'disabled' | 'displayName'>>): Promise<User> {
    return await this.request<User>('PATCH', `/api/v1/users/${enc(id)}`, patch)
  }

  async listGroups (signal?: AbortSignal): Promise<Group[]> {
    return (await this.request<{ items: Group[] }>('GET', '/api/v1/groups', undefined, signal)).items
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
    return (await this.request<{ items: NodeInfo[] }>('GET', '/api/v1/nodes', undefined, signal)).items
  }

  async enrolNode (input: { name: string, opsUrl: string, adminToken: string }): Promise<NodeInfo> {
    return await this.request<NodeInfo>('POST', '/api/v1/nodes', input)
  }

  /** Live mesh view (peers, transfers) of every node, gathered by the portal from the nodes' ops APIs. */
  async nodeStatus (signal?: AbortSignal): Promise<NodeStatus[]> {
    return (await this.request<{ items: NodeStatus[] }>('GET', '/api/v1/nodes/status', undefined, signal)).items
  }

  /** Reports measured round-trip times so the portal can pick this browser's nearest node (contract E). */
  async reportRtt (samples: Array<{ nodeId: string, rttMs: number }>): Promise<void> {
    await this.request('POST', '/api/v1/nodes/rtt', { samples })
  }

  // --- notifications, audit ---

  async listNotifications (signal?: AbortSignal): Promise<Notification[]> {
    return (await this.request<{ items: Notification[] }>('GET', '/api/v1/notifications', undefined, signal)).items
  }

  async markNotificationsRead (ids: string[]): Promise<void> {
    await this.request('POST', '/api/v1/notifications/read', { ids })
  }

  /** URL of the Server-Sent Events feed of notifications for the signed-in user. */
  notificationStreamUrl (): string {
    return `${this.baseUrl}/api/v1/notifications/stream`
  }

  async listAudit (options: { cursor?: string, limit?: number } = {}, signal?: AbortSignal): Promise<Page<AuditEntry>> {
    return await this.request<Page<AuditEntry>>('GET', `/api/v1/admin/audit?${pageQuery(options)}`, undefined, signal)
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

/** One page of a listing, newest first; pass nextCursor back for the next page. */
export interface Page<T> {
  items: T[]
  nextCursor?: string
}

interface GrantBody {
  token: string
  expiresAtMs: number
  node: { id: string, name: string, httpUrl: string, multiaddrs: string[], udpHost: string, udpPort: number }
}

interface DirectoryBody {
  users: Array<{ id: string, name: string, displayName: string }>
  groups: Array<{ id: string, name: string }>
  inboxes: Array<{ id: string, name: string, kind: string }>
}

function grantFrom (body: GrantBody): TransferGrant {
  return { token: body.token, expiresAtMs: body.expiresAtMs, gatewayUrl: body.node.httpUrl, nodeId: body.node.id, nodeName: body.node.name, node: body.node }
}

/** How the portal's package routes name a recipient. */
export function recipientSpec (recipient: Recipient): string {
  if (recipient.spec !== undefined) return recipient.spec
  switch (recipient.kind) {
    case 'user': return `user:${recipient.ref}`
    case 'group': return `group:${recipient.label}`
    case 'inbox': return `inbox:${recipient.label}`
    case 'email': return recipient.ref
  }
}

function pageQuery (options: { cursor?: string, limit?: number }): URLSearchParams {
  const query = new URLSearchParams()
  if (options.limit !== undefined) query.set('limit', String(options.limit))
  if (options.cursor !== undefined) query.set('cursor', options.cursor)
  return query
}

function enc (value: string): string {
  return encodeURIComponent(value)
}
