// "Request files" links: a user hands an outsider a secret link through which the outsider uploads a package into the user's inbox.
import { FerryError } from '@ferry/protocol/errors/ferry-error'
import type { Clock } from '../clock.js'
import type { AuditLog } from '../audit/audit-log.js'
import type { PortalDatabase } from '../store/portal-database.js'
import type { FileRequestRecord, PackageFile, PackageRecord, UserRecord } from '../store/records.js'
import { randomId, secretHash } from '../store/random-id.js'
import type { InboxService } from '../directory/inbox-service.js'
import type { PackageService, TransferGrant } from './package-service.js'
import { notFound } from '../portal-errors.js'

/** Default lifetime of a request link (ms): two weeks. */
export const DEFAULT_REQUEST_TTL_MS = 14 * 24 * 60 * 60 * 1000

export class FileRequestService {
  constructor (
    private readonly db: PortalDatabase,
    private readonly packages: PackageService,
    private readonly inboxes: InboxService,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly publicUrl: string
  ) {}

  async create (owner: UserRecord, input: { title: string, note?: string, inboxId?: string, expiresInSec?: number }): Promise<{ request: FileRequestRecord, secret: string, link: string }> {
    if (input.inboxId !== undefined) this.inboxes.assertRole(await this.inboxes.require(input.inboxId), owner, 'member')
    const secret = randomId(24)
    const nowMs = this.clock.nowMs()
    const request: FileRequestRecord = {
      id: randomId(),
      ownerId: owner.id,
      title: input.title,
      note: input.note ?? '',
      createdAtMs: nowMs,
      expiresAtMs: nowMs + (input.expiresInSec === undefined ? DEFAULT_REQUEST_TTL_MS : input.expiresInSec * 1000),
      ...(input.inboxId === undefined ? {} : { inboxId: input.inboxId })
    }
    await this.db.fileRequests.put(secretHash(secret), { ...request, hash: secretHash(secret) })
    await this.audit.record(owner.id, 'request.create', request.id, { title: request.title })
    return { request, secret, link: `${this.publicUrl}/request/${secret}` }
  }

  async list (owner: UserRecord): Promise<FileRequestRecord[]> {
    return (await this.db.fileRequests.list()).map(r => r.value).filter(r => r.ownerId === owner.id).map(({ hash: _hash, ...r }) => r)
  }

  async revoke (owner: UserRecord, id: string): Promise<void> {
    const row = (await this.db.fileRequests.list()).find(r => r.value.id === id && r.value.ownerId === owner.id)
    if (row === undefined) throw notFound('file request')
    await this.db.fileRequests.del(row.key)
    await this.audit.record(owner.id, 'request.revoke', id)
  }

  async lookup (secret: string): Promise<{ request: FileRequestRecord, ownerName: string }> {
    const row = await this.db.fileRequests.get(secretHash(secret))
    if (row === undefined) throw notFound('file request')
    if (row.expiresAtMs <= this.clock.nowMs()) throw new FerryError('FERRY_PORTAL_REQUEST_EXPIRED', 'this request link has expired', { statusCode: 410 })
    const owner = await this.db.users.get(row.ownerId)
    const { hash: _hash, ...request } = row
    return { request, ownerName: owner?.displayName ?? 'unknown' }
  }

  /** The outsider's upload: a package to the owner (or the request's inbox), and an upload token for it. */
  async submit (secret: string, input: { senderName: string, senderEmail: string, title?: string, note?: string, files?: PackageFile[] }): Promise<{ package: PackageRecord, upload: TransferGrant }> {
    const { request } = await this.lookup(secret)
    const email = input.senderEmail.trim().toLowerCase()
    const owner = await this.db.users.get(request.ownerId)
    if (owner === undefined) throw notFound('file request owner')
    const inbox = request.inboxId === undefined ? undefined : await this.inboxes.require(request.inboxId)
    const sender = { id: `external:${email}`, name: `${input.senderName} <${email}>` }
    const pkg = await this.packages.create(sender, {
      title: input.title ?? request.title,
      note: input.note ?? '',
      recipients: [inbox === undefined ? `user:${owner.id}` : `inbox:${inbox.name}`],
      ...(input.files === undefined ? {} : { files: input.files })
    }, { requestId: request.id })
    const upload = await this.packages.uploadToken({ kind: 'external', email, name: input.senderName }, pkg.id)
    await this.audit.record(sender.id, 'request.submit', request.id, { pkgId: pkg.id })
    return { package: (await this.packages.require(pkg.id)), upload }
  }
}
