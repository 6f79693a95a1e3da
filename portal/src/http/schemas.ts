// TypeBox schemas shared by the routes: they validate requests, serialize responses fast, and type the handlers.
import { Type } from 'typebox'

export const ErrorBody = Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) })
export const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 410: ErrorBody, 429: ErrorBody, 502: ErrorBody, 503: ErrorBody }

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) })
export const SecretParams = Type.Object({ secret: Type.String({ minLength: 8, maxLength: 200 }) })
export const KeyParams = Type.Object({ key: Type.String({ minLength: 8, maxLength: 200 }) })
export const Ok = Type.Object({ ok: Type.Boolean() })

export const Role = Type.Union([Type.Literal('admin'), Type.Literal('user')])
export const User = Type.Object({
  id: Type.String(), name: Type.String(), email: Type.String(), displayName: Type.String(), role: Role,
  external: Type.Boolean(), disabled: Type.Boolean(), createdAtMs: Type.Number()
})
export const UserBrief = Type.Object({ id: Type.String(), name: Type.String(), displayName: Type.String() })

export const Me = Type.Object({ user: User, csrfToken: Type.Optional(Type.String()) })

export const PackageState = Type.Union([Type.Literal('draft'), Type.Literal('uploading'), Type.Literal('sent'), Type.Literal('downloaded'), Type.Literal('expired'), Type.Literal('deleted')])
export const PackageSummary = Type.Object({
  id: Type.String(), title: Type.String(), senderName: Type.String(), state: Type.String(),
  createdAtMs: Type.Number(), sentAtMs: Type.Number(), expiresAtMs: Type.Number(), sizeBytes: Type.Number(), fileCount: Type.Integer()
})
export const PackagePage = Type.Object({ items: Type.Array(PackageSummary), nextCursor: Type.Optional(Type.String()) })
export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 300 }))
})

export const PackageFile = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 4096 }), sizeBytes: Type.Integer({ minimum: 0 }), sha256: Type.Optional(Type.String())
})
export const MetadataValues = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))
export const Recipient = Type.Object({ kind: Type.String(), ref: Type.String(), label: Type.String() })
export const Download = Type.Object({ by: Type.String(), atMs: Type.Number(), nodeId: Type.String(), fileCount: Type.Integer(), sizeBytes: Type.Number() })
export const Package = Type.Object({
  id: Type.String(),
  senderId: Type.String(),
  senderName: Type.String(),
  title: Type.String(),
  note: Type.String(),
  state: PackageState,
  recipients: Type.Array(Recipient),
  inboxId: Type.Optional(Type.String()),
  metadata: MetadataValues,
  files: Type.Array(PackageFile),
  sizeBytes: Type.Number(),
  nodeIds: Type.Array(Type.String()),
  uploadNodeId: Type.Optional(Type.String()),
  createdAtMs: Type.Number(),
  sentAtMs: Type.Optional(Type.Number()),
  expiresAtMs: Type.Optional(Type.Number()),
  downloadLimit: Type.Optional(Type.Integer()),
  downloadCount: Type.Integer(),
  downloads: Type.Array(Download),
  requestId: Type.Optional(Type.String())
})

export const PackageInput = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 500 }),
  note: Type.Optional(Type.String({ maxLength: 20000 })),
  recipients: Type.Array(Type.String({ minLength: 1, maxLength: 320 }), { minItems: 1, maxItems: 500 }),
  metadata: Type.Optional(MetadataValues),
  expiresAtMs: Type.Optional(Type.Number()),
  expiresInSec: Type.Optional(Type.Integer({ minimum: 1 })),
  downloadLimit: Type.Optional(Type.Integer({ minimum: 1 })),
  files: Type.Optional(Type.Array(PackageFile, { maxItems: 100000 }))
})

export const NodeView = Type.Object({
  id: Type.String(), name: Type.String(), multiaddrs: Type.Array(Type.String()), udpHost: Type.String(), udpPort: Type.Integer(), httpUrl: Type.String()
})
export const TransferGrant = Type.Object({
  token: Type.String(), expiresAtMs: Type.Number(), node: NodeView, replicationId: Type.Optional(Type.String())
})
export const TransferRequest = Type.Object({
  nodeId: Type.Optional(Type.String()),
  paths: Type.Optional(Type.Array(Type.String())),
  files: Type.Optional(Type.Array(PackageFile, { maxItems: 100000 }))
})

export const MetadataField = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  label: Type.Optional(Type.String()),
  type: Type.Union([Type.Literal('string'), Type.Literal('number'), Type.Literal('boolean'), Type.Literal('date'), Type.Literal('option')]),
  required: Type.Boolean(),
  options: Type.Optional(Type.Array(Type.String()))
})
export const InboxRole = Type.Union([Type.Literal('submit-only'), Type.Literal('member'), Type.Literal('admin')])
export const Inbox = Type.Object({
  id: Type.String(), name: Type.String(), kind: Type.Union([Type.Literal('shared'), Type.Literal('workgroup')]), description: Type.String(),
  members: Type.Array(Type.Object({ userId: Type.String(), role: InboxRole })), metadataFields: Type.Array(MetadataField), createdAtMs: Type.Number(),
  myRole: Type.Optional(InboxRole)
})
export const Group = Type.Object({ id: Type.String(), name: Type.String(), memberIds: Type.Array(Type.String()), createdAtMs: Type.Number() })

export const Notification = Type.Object({
  id: Type.String(), kind: Type.String(), title: Type.String(), packageId: Type.Optional(Type.String()), atMs: Type.Number(), read: Type.Boolean()
})
