// The shapes the portal stores: one record type per entity, shared by repositories, services and routes.

export type Role = 'admin' | 'user'

export interface UserRecord {
  id: string
  name: string
  email: string
  displayName: string
  role: Role
  /** scrypt hash in PHC-like form, see auth/password-hasher.ts. */
  passwordHash: string
  /** Invited outsider rather than a local staff account. */
  external: boolean
  disabled: boolean
  createdAtMs: number
}

export interface SessionRecord {
  userId: string
  csrfToken: string
  expiresAtMs: number
}

export interface ApiTokenRecord {
  id: string
  userId: string
  label: string
  createdAtMs: number
  lastUsedAtMs?: number
}

export interface GroupRecord {
  id: string
  name: string
  memberIds: string[]
  createdAtMs: number
}

export type InboxRole = 'submit-only' | 'member' | 'admin'

export interface MetadataField {
  name: string
  label?: string
  type: 'string' | 'number' | 'boolean' | 'date' | 'option'
  required: boolean
  options?: string[]
}

export interface InboxRecord {
  id: string
  name: string
  /** A shared inbox takes submissions from submit-only members; a workgroup is for its members only. */
  kind: 'shared' | 'workgroup'
  description: string
  members: Array<{ userId: string, role: InboxRole }>
  metadataFields: MetadataField[]
  createdAtMs: number
}

export interface InvitationRecord {
  id: string
  email: string
  role: Role
  invitedBy: string
  createdAtMs: number
  expiresAtMs: number
  acceptedUserId?: string
}

export type PackageState = 'draft' | 'uploading' | 'sent' | 'downloaded' | 'expired' | 'deleted'

export interface RecipientRecord {
  kind: 'user' | 'email' | 'group' | 'inbox'
  /** User, group or inbox id; the address for `email`. */
  ref: string
  /** What the sender typed, for display. */
  label: string
}

export interface PackageFile {
  path: string
  sizeBytes: number
  sha256?: string
}

export interface DownloadRecord {
  by: string
  atMs: number
  nodeId: string
  fileCount: number
  sizeBytes: number
}

export interface PackageRecord {
  id: string
  /** User id of the sender, or `external:<email>` for an outsider using a request link. */
  senderId: string
  senderName: string
  title: string
  note: string
  state: PackageState
  recipients: RecipientRecord[]
  /** Everyone whose inbox shows the package: user ids and inbox ids, resolved at send time. */
  deliverTo: string[]
  externalEmails: string[]
  /** The shared inbox whose metadata fields apply, when sent to one. */
  inboxId?: string
  metadata: Record<string, string | number | boolean>
  files: PackageFile[]
  sizeBytes: number
  /** Nodes that hold (or are receiving) the files. */
  nodeIds: string[]
  uploadNodeId?: string
  createdAtMs: number
  sentAtMs?: number
  expiresAtMs?: number
  downloadLimit?: number
  downloads: DownloadRecord[]
  /** Receipt token ids already applied, so a receipt handed in twice counts once. */
  receiptIds: string[]
  requestId?: string
  forwardedBy: string[]
}

/** The lean view stored in the inbox, sent and draft indexes so a listing is one range scan. */
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

export interface NodeRecord {
  id: string
  name: string
  opsUrl: string
  adminToken: string
  multiaddrs: string[]
  udpHost: string
  udpPort: number
  httpUrl: string
  publicKeyJwk: Record<string, unknown>
  version: string
  enrolledAtMs: number
}

export interface RttRecord {
  nodeId: string
  rttMs: number
  atMs: number
}

export interface IssuedTokenRecord {
  jti: string
  pkg: string
  dir: 'upload' | 'download'
  sub: string
  nodeId: string
  issuedAtMs: number
  expiresAtMs: number
}

export interface FileRequestRecord {
  id: string
  ownerId: string
  inboxId?: string
  title: string
  note: string
  createdAtMs: number
  expiresAtMs: number
}

export interface AccessLinkRecord {
  pkgId: string
  email: string
}

export interface NotificationRecord {
  id: string
  userId: string
  kind: 'package-received' | 'download-receipt' | 'package-expired' | 'package-recalled' | 'upload-received'
  title: string
  packageId?: string
  atMs: number
  read: boolean
}

export interface OutboxRecord {
  id: string
  to: string
  subject: string
  text: string
  template: string
  atMs: number
  status: 'kept' | 'sent' | 'failed'
  error?: string
}

export interface TemplateRecord {
  subject: string
  text: string
}

export interface WebhookRecord {
  id: string
  url: string
  secret: string
  events: string[]
  createdAtMs: number
}

export interface AuditRecord {
  id: string
  atMs: number
  actor: string
  action: string
  target: string
  details?: Record<string, unknown>
}

export interface ReplicationRecord {
  id: string
  pkgId: string
  sourceNodeId: string
  targetNodeId: string
  nodeReplicationId: string
  atMs: number
}
