// The shapes the web UI reads from the portal's REST API (/api/v1), as the browser sees them.

export type Role = 'admin' | 'user'
export type PackageState = 'draft' | 'uploading' | 'sent' | 'downloaded' | 'expired' | 'deleted'

export interface User {
  id: string
  name: string
  email: string
  displayName: string
  role: Role
  external?: boolean
  disabled?: boolean
  createdAtMs?: number
}

export interface Group {
  id: string
  name: string
  memberIds: string[]
  createdAtMs?: number
}

export type InboxRole = 'submit-only' | 'member' | 'admin'

export interface MetadataField {
  name: string
  label?: string
  type: 'string' | 'number' | 'boolean' | 'date' | 'option'
  required: boolean
  options?: string[]
}

export interface Inbox {
  id: string
  name: string
  kind: 'shared' | 'workgroup'
  description: string
  members: Array<{ userId: string, role: InboxRole }>
  metadataFields: MetadataField[]
}

export interface Recipient {
  kind: 'user' | 'email' | 'group' | 'inbox'
  /** User, group or inbox id; the address for `email`. */
  ref: string
  label: string
  /** How the portal's package routes name it (`group:<name>`, `inbox:<name>`); derived from kind and ref when absent. */
  spec?: string
}

/** One suggestion of the recipient autocomplete. */
export interface RecipientSuggestion extends Recipient {
  detail?: string
}

export interface PackageSummary {
  id: string
  title: string
  senderName: string
  state: PackageState
  createdAtMs: number
  sentAtMs: number
  expiresAtMs: number
  sizeBytes: number
  fileCount: number
}

export interface PackageFile {
  path: string
  sizeBytes: number
  sha256?: string
}

export interface PackageDownload {
  by: string
  atMs: number
  nodeId: string
  fileCount: number
  sizeBytes: number
}

export interface PackageDetail {
  id: string
  senderId: string
  senderName: string
  title: string
  note: string
  state: PackageState
  recipients: Recipient[]
  inboxId?: string
  metadata: Record<string, string | number | boolean>
  files: PackageFile[]
  sizeBytes: number
  nodeIds: string[]
  uploadNodeId?: string
  createdAtMs: number
  sentAtMs?: number
  expiresAtMs?: number
  downloadLimit?: number
  downloadCount?: number
  downloads: PackageDownload[]
}

/** What a new package (a draft) is made of. */
export interface PackageInput {
  title: string
  note: string
  recipients: Recipient[]
  inboxId?: string
  metadata: Record<string, string | number | boolean>
  files: PackageFile[]
  expiresAtMs?: number
  downloadLimit?: number
}

/** A grant to move bytes to or from one node's gateway. */
export interface TransferGrant {
  token: string
  /** The node's gateway base URL (its httpUrl), e.g. http://127.0.0.1:9101. */
  gatewayUrl: string
  nodeId: string
  nodeName?: string
  expiresAtMs?: number
  /** The node as the portal describes it (control and UDP addresses), for the desktop agent's fast path. */
  node?: { id: string, name: string, multiaddrs: string[], udpHost: string, udpPort: number, httpUrl: string }
}

export interface NodeInfo {
  id: string
  name: string
  httpUrl: string
  opsUrl?: string
  multiaddrs: string[]
  udpHost?: string
  udpPort?: number
  version?: string
  enrolledAtMs?: number
}

/**
 * One node's live view for the mesh map, as GET /api/v1/nodes/status (admin) relays it from the node's ops API
 * (GET /api/v1/peers, GET /api/v1/transfers). Node ids are libp2p peer ids.
 */
export interface NodeStatus {
  id: string
  name: string
  /** Whether the portal reached the node's ops API just now. */
  online: boolean
  /** Why the ops API could not be read, when offline. */
  error?: string
  peers: Array<{ peerId: string, nodeId?: string, name?: string, connected?: boolean, rttMs?: number }>
  /** `peerId` is the other end: a node's peer id, or `client` for a browser or CLI. */
  transfers: Array<{ id: string, direction?: string, pkg?: string, peerId?: string, rateBitsPerSec: number, bytesDone?: number, bytesTotal?: number, etaSeconds?: number }>
}

export interface Notification {
  id: string
  kind: string
  title: string
  packageId?: string
  atMs: number
  read: boolean
}

export interface AuditEntry {
  id: string
  atMs: number
  actor: string
  action: string
  target: string
  details?: Record<string, unknown>
}
