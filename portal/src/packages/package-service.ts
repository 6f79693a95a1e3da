// The package workflow: draft → uploading → sent (on the node's receipt) → downloaded → expired/deleted, with tokens, forwarding and outsiders' links.
import { FerryError } from '@ferry/protocol/errors/ferry-error'
import { verifyTransferReceipt, type TransferReceiptClaims } from '@ferry/protocol/token/transfer-receipt'
import type { Clock } from '../clock.js'
import type { AuditLog } from '../audit/audit-log.js'
import type { PortalDatabase } from '../store/portal-database.js'
import type { PackageRepository } from '../store/package-repository.js'
import type { NodeRecord, PackageFile, PackageRecord, RecipientRecord, UserRecord } from '../store/records.js'
import { randomId, secretHash } from '../store/random-id.js'
import type { AccountService } from '../auth/account-service.js'
import type { GroupService } from '../directory/group-service.js'
import type { InboxService } from '../directory/inbox-service.js'
import type { NodeRegistry } from '../nodes/node-registry.js'
import type { NodeClient } from '../nodes/node-client.js'
import type { TokenIssuer } from '../tokens/token-issuer.js'
import type { Notifier } from '../notify/notifier.js'
import { validateMetadata, type MetadataValues } from './metadata-validator.js'
import { badRequest, forbidden, notFound } from '../portal-errors.js'

/** Who is acting: a signed-in user, an outsider holding a recipient link, or an outsider answering a file request. */
export type Actor =
  | { kind: 'user', user: UserRecord }
  | { kind: 'link', email: string, pkgId: string }
  | { kind: 'external', email: string, name: string }

export interface PackageInput {
  title: string
  note?: string
  recipients: string[]
  metadata?: MetadataValues
  expiresAtMs?: number
  expiresInSec?: number
  downloadLimit?: number
  files?: PackageFile[]
}

export interface NodeView { id: string, name: string, multiaddrs: string[], udpHost: string, udpPort: number, httpUrl: string }

export interface TransferGrant {
  token: string
  expiresAtMs: number
  node: NodeView
  /** Set when the portal asked the holding node to copy the package to `node` first; bytes arrive as they are copied. */
  replicationId?: string
}

/** Default and longest package lifetime (ms). */
export const DEFAULT_EXPIRY_MS = 14 * 24 * 60 * 60 * 1000
export const MAX_EXPIRY_MS = 365 * 24 * 60 * 60 * 1000
/** Byte limit on an upload token when the client did not declare its files (1 TiB). */
const DEFAULT_MAX_UPLOAD_BYTES = 2 ** 40
const LIVE = new Set(['uploading', 'sent', 'downloaded'])
/** Zip bytes per entry beyond its data and twice its name: local header, data descriptor, central record, ZIP64 extras (generous). */
const ZIP_ENTRY_OVERHEAD_BYTES = 200
/** Zip bytes per archive: end records, ZIP64 locator, slack. */
const ZIP_ARCHIVE_OVERHEAD_BYTES = 1024

/**
 * A download token's byte allowance: the package's file bytes, plus what the gateway's stored zip adds around them,
 * so "download all as one zip" fits in the same token as file-by-file downloads.
 */
function downloadAllowanceBytes (pkg: { sizeBytes: number, files: Array<{ path: string }> }): number {
  const zipBytes = pkg.files.reduce((n, f) => n + ZIP_ENTRY_OVERHEAD_BYTES + 2 * Buffer.byteLength(f.path, 'utf8'), ZIP_ARCHIVE_OVERHEAD_BYTES)
  return pkg.sizeBytes + zipBytes
}

export function nodeView (node: NodeRecord): NodeView {
  return { id: node.id, name: node.name, multiaddrs: node.multiaddrs, udpHost: node.udpHost, udpPort: node.udpPort, httpUrl: node.httpUrl }
}

export class PackageService {
  constructor (
    private readonly db: PortalDatabase,
    readonly repo: PackageRepository,
    private readonly accounts: AccountService,
    private readonly groups: GroupService,
    private readonly inboxes: InboxService,
    private readonly nodes: NodeRegistry,
    private readonly nodeClient: NodeClient,
    private readonly tokens: TokenIssuer,
    private readonly notifier: Notifier,
    private readonly audit: AuditLog,
    private readonly clock: Clock
  ) {}

  async require (id: string): Promise<PackageRecord> {
    const pkg = await this.repo.get(id)
    if (pkg === undefined) throw notFound('package')
    return pkg
  }

  /** Creates a draft; recipients are resolved now so mistakes show before any upload. */
  async create (sender: UserRecord | { id: string, name: string }, input: PackageInput, options: { requestId?: string } = {}): Promise<PackageRecord> {
    const nowMs = this.clock.nowMs()
    const resolved = await this.resolveRecipients(input.recipients, 'role' in sender ? sender : undefined)
    const pkg: PackageRecord = {
      id: randomId(),
      senderId: sender.id,
      senderName: 'displayName' in sender ? sender.displayName : sender.name,
      title: input.title,
      note: input.note ?? '',
      state: 'draft',
      ...resolved,
      metadata: {},
      files: input.files ?? [],
      sizeBytes: (input.files ?? []).reduce((s, f) => s + f.sizeBytes, 0),
      nodeIds: [],
      createdAtMs: nowMs,
      expiresAtMs: this.expiry(input, nowMs),
      downloads: [],
      receiptIds: [],
      forwardedBy: [],
      ...(input.downloadLimit === undefined ? {} : { downloadLimit: input.downloadLimit }),
      ...(options.requestId === undefined ? {} : { requestId: options.requestId })
    }
    pkg.metadata = await this.checkMetadata(pkg, input.metadata ?? {})
    await this.repo.save(pkg)
    await this.audit.record(sender.id, 'package.create', pkg.id, { title: pkg.title, recipients: pkg.recipients.map(r => r.label) })
    return pkg
  }

  /** Edits a draft (only drafts: what was announced stays as announced). */
  async update (actor: UserRecord, id: string, input: Partial<PackageInput>): Promise<PackageRecord> {
    const pkg = await this.require(id)
    this.assertSender(actor, pkg)
    if (pkg.state !== 'draft') throw new FerryError('FERRY_PORTAL_PACKAGE_STATE', `package is ${pkg.state}; only drafts can be edited`, { statusCode: 409 })
    const next: PackageRecord = { ...pkg }
    if (input.title !== undefined) next.title = input.title
    if (input.note !== undefined) next.note = input.note
    if (input.recipients !== undefined) Object.assign(next, await this.resolveRecipients(input.recipients, actor))
    if (input.files !== undefined) { next.files = input.files; next.sizeBytes = input.files.reduce((s, f) => s + f.sizeBytes, 0) }
    if (input.downloadLimit !== undefined) next.downloadLimit = input.downloadLimit
    if (input.expiresAtMs !== undefined || input.expiresInSec !== undefined) next.expiresAtMs = this.expiry(input, this.clock.nowMs())
    next.metadata = await this.checkMetadata(next, input.metadata ?? pkg.metadata)
    await this.repo.save(next, pkg)
    await this.audit.record(actor.id, 'package.update', id)
    return next
  }

  /** A token to upload the package to the sender's nearest node (or `nodeId`); the package moves to `uploading`. */
  async uploadToken (actor: Actor, id: string, options: { nodeId?: string, files?: PackageFile[] } = {}): Promise<TransferGrant> {
    const pkg = await this.require(id)
    const sub = this.subject(actor)
    if (sub !== pkg.senderId) throw forbidden('only the sender uploads a package')
    if (pkg.state !== 'draft' && pkg.state !== 'uploading') throw new FerryError('FERRY_PORTAL_PACKAGE_STATE', `package is ${pkg.state}; nothing more can be uploaded`, { statusCode: 409 })
    const node = await this.pickNode(actor, options.nodeId, pkg.uploadNodeId)
    const files = options.files ?? pkg.files
    const next: PackageRecord = {
      ...pkg,
      state: 'uploading',
      uploadNodeId: node.id,
      nodeIds: pkg.nodeIds.includes(node.id) ? pkg.nodeIds : [...pkg.nodeIds, node.id],
      files,
      sizeBytes: files.reduce((s, f) => s + f.sizeBytes, 0)
    }
    const maxBytes = files.length > 0 ? next.sizeBytes : DEFAULT_MAX_UPLOAD_BYTES
    const { token, expiresAtMs } = await this.tokens.issue({ nodeId: node.id, pkg: pkg.id, dir: 'upload', sub, maxBytes })
    await this.repo.save(next, pkg)
    if (pkg.state === 'draft') await this.audit.record(sub, 'package.upload-start', pkg.id, { nodeId: node.id })
    return { token, expiresAtMs, node: nodeView(node) }
  }

  /**
   * Applies a node-signed receipt: an upload receipt makes the package `sent` (or records another holder after a
   * replication); a download receipt records the download and tells the sender. Handing in the same receipt twice counts once.
   */
  async applyReceipt (id: string, receipt: string, nodeId: string): Promise<{ package: PackageRecord, applied: boolean }> {
    const node = await this.nodes.get(nodeId)
    if (node === undefined) throw new FerryError('FERRY_RECEIPT_INVALID', `receipt names node ${nodeId}, which is not enrolled`, { statusCode: 400 })
    const claims = await verifyTransferReceipt(receipt, node.id, node.publicKeyJwk)
    if (claims.pkg !== id) throw new FerryError('FERRY_RECEIPT_INVALID', 'receipt is for another package', { statusCode: 400 })
    const issued = await this.tokens.lookup(claims.jti)
    if (issued === undefined || issued.pkg !== id || issued.dir !== claims.dir || issued.nodeId !== node.id) {
      throw new FerryError('FERRY_RECEIPT_INVALID', 'receipt answers no token this portal issued for this package, direction and node', { statusCode: 400 })
    }
    const pkg = await this.require(id)
    const receiptId = `${node.id}:${claims.jti}`
    if (pkg.receiptIds.includes(receiptId)) return { package: pkg, applied: false }
    if (pkg.state === 'deleted' || pkg.state === 'expired') throw new FerryError('FERRY_PORTAL_PACKAGE_STATE', `package is ${pkg.state}`, { statusCode: 409 })
    const next: PackageRecord = { ...pkg, receiptIds: [...pkg.receiptIds, receiptId] }
    if (claims.dir === 'upload') await this.uploadReceipt(pkg, next, node, claims)
    else await this.downloadReceipt(pkg, next, node, claims)
    return { package: next, applied: true }
  }

  private async uploadReceipt (pkg: PackageRecord, next: PackageRecord, node: NodeRecord, claims: TransferReceiptClaims): Promise<void> {
    if (!next.nodeIds.includes(node.id)) next.nodeIds = [...next.nodeIds, node.id]
    if (pkg.state !== 'draft' && pkg.state !== 'uploading') {
      // A copy landed on another node (replication): it is one more holder, nothing else changes.
      await this.repo.save(next, pkg)
      await this.audit.record(`node:${node.id}`, 'package.replicated', pkg.id, { nodeId: node.id })
      return
    }
    const declared = new Map(pkg.files.map(f => [f.path, f.sizeBytes]))
    const mismatch = claims.files.filter(f => declared.has(f.path) && declared.get(f.path) !== f.sizeBytes)
    if (mismatch.length > 0) throw new FerryError('FERRY_RECEIPT_INVALID', `receipt sizes differ from the declared files: ${mismatch.map(f => f.path).join(', ')}`, { statusCode: 400 })
    next.state = 'sent'
    next.sentAtMs = this.clock.nowMs()
    next.files = claims.files.map(f => ({ path: f.path, sizeBytes: f.sizeBytes, sha256: f.sha256 }))
    next.sizeBytes = claims.files.reduce((s, f) => s + f.sizeBytes, 0)
    await this.repo.save(next, pkg)
    await this.audit.record(`node:${node.id}`, 'package.sent', pkg.id, { nodeId: node.id, files: next.files.length, sizeBytes: next.sizeBytes })
    this.notifier.packageSent(next, await this.accessLinks(next, next.externalEmails))
  }

  private async downloadReceipt (pkg: PackageRecord, next: PackageRecord, node: NodeRecord, claims: TransferReceiptClaims): Promise<void> {
    const atMs = this.clock.nowMs()
    const sizeBytes = claims.files.reduce((s, f) => s + f.sizeBytes, 0)
    next.downloads = [...pkg.downloads, { by: claims.sub, atMs, nodeId: node.id, fileCount: claims.files.length, sizeBytes }]
    if (claims.sub.startsWith('node:')) {
      await this.repo.save(next, pkg)
      return // a node reading for a replication is not a person's download
    }
    if (pkg.state === 'sent' || pkg.state === 'uploading') next.state = 'downloaded'
    await this.repo.save(next, pkg)
    const who = await this.describeSubject(claims.sub)
    await this.audit.record(claims.sub, 'package.download', pkg.id, { nodeId: node.id, files: claims.files.length, sizeBytes })
    this.notifier.downloaded(next, who, atMs)
  }

  /** A token to download from the actor's nearest node; when that node lacks the package, the holder is asked to copy it there. */
  async downloadToken (actor: Actor, id: string, options: { nodeId?: string, paths?: string[] } = {}): Promise<TransferGrant> {
    const pkg = await this.require(id)
    await this.assertCanView(actor, pkg)
    if (pkg.state === 'expired') throw new FerryError('FERRY_PORTAL_PACKAGE_EXPIRED', 'package has expired', { statusCode: 410 })
    if (!LIVE.has(pkg.state)) throw new FerryError('FERRY_PORTAL_PACKAGE_STATE', `package is ${pkg.state}; nothing to download`, { statusCode: 409 })
    const sub = this.subject(actor)
    const isSender = sub === pkg.senderId
    if (!isSender && pkg.downloadLimit !== undefined) {
      const used = pkg.downloads.filter(d => !d.by.startsWith('node:')).length
      if (used >= pkg.downloadLimit) throw new FerryError('FERRY_PORTAL_DOWNLOAD_LIMIT', `package may be downloaded ${pkg.downloadLimit} times and has been`, { statusCode: 403 })
    }
    if (pkg.nodeIds.length === 0) throw new FerryError('FERRY_PORTAL_PACKAGE_STATE', 'package has no files on any node yet', { statusCode: 409 })
    const near = await this.pickNode(actor, options.nodeId, undefined)
    const maxBytes = downloadAllowanceBytes(pkg)
    if (pkg.nodeIds.includes(near.id)) {
      const grant = await this.tokens.issue({ nodeId: near.id, pkg: pkg.id, dir: 'download', sub, maxBytes, ...(options.paths === undefined ? {} : { paths: options.paths }) })
      return { token: grant.token, expiresAtMs: grant.expiresAtMs, node: nodeView(near) }
    }
    const holder = await this.nodes.require(pkg.uploadNodeId !== undefined && pkg.nodeIds.includes(pkg.uploadNodeId) ? pkg.uploadNodeId : pkg.nodeIds[0]!)
    try {
      const replicationId = await this.replicate(pkg, holder, near)
      const grant = await this.tokens.issue({ nodeId: near.id, pkg: pkg.id, dir: 'download', sub, maxBytes, ...(options.paths === undefined ? {} : { paths: options.paths }) })
      return { token: grant.token, expiresAtMs: grant.expiresAtMs, node: nodeView(near), replicationId }
    } catch (err) {
      // The holder could not start the copy: serve from the holder itself rather than fail the download.
      await this.audit.record('portal', 'package.replication-failed', pkg.id, { from: holder.id, to: near.id, error: (err as Error).message })
      const grant = await this.tokens.issue({ nodeId: holder.id, pkg: pkg.id, dir: 'download', sub, maxBytes, ...(options.paths === undefined ? {} : { paths: options.paths }) })
      return { token: grant.token, expiresAtMs: grant.expiresAtMs, node: nodeView(holder) }
    }
  }

  /** Asks `holder` to send the package node-to-node to `target` (contract E); `target` counts as a holder from now on. */
  async replicate (pkg: PackageRecord, holder: NodeRecord, target: NodeRecord): Promise<string> {
    const maxBytes = Math.max(pkg.sizeBytes, 1)
    const source = await this.tokens.issue({ nodeId: holder.id, pkg: pkg.id, dir: 'download', sub: `node:${target.id}`, maxBytes })
    const targetToken = await this.tokens.issue({ nodeId: target.id, pkg: pkg.id, dir: 'upload', sub: `node:${holder.id}`, maxBytes })
    const { id: nodeReplicationId } = await this.nodeClient.startReplication(holder.opsUrl, holder.adminToken, {
      pkg: pkg.id, sourceToken: source.token, targetToken: targetToken.token, targetPeerId: target.id, targetMultiaddrs: target.multiaddrs
    })
    const current = await this.require(pkg.id)
    if (!current.nodeIds.includes(target.id)) await this.repo.save({ ...current, nodeIds: [...current.nodeIds, target.id] }, current)
    const id = randomId()
    await this.db.replications.put(id, { id, pkgId: pkg.id, sourceNodeId: holder.id, targetNodeId: target.id, nodeReplicationId, atMs: this.clock.nowMs() })
    await this.audit.record('portal', 'package.replicate', pkg.id, { from: holder.id, to: target.id, nodeReplicationId })
    return nodeReplicationId
  }

  /** Adds recipients to a package someone may see; the new recipients are notified as if it had just been sent. */
  async forward (actor: UserRecord, id: string, recipients: string[]): Promise<PackageRecord> {
    const pkg = await this.require(id)
    await this.assertCanView({ kind: 'user', user: actor }, pkg)
    if (pkg.state !== 'sent' && pkg.state !== 'downloaded') throw new FerryError('FERRY_PORTAL_PACKAGE_STATE', `package is ${pkg.state}; only sent packages can be forwarded`, { statusCode: 409 })
    const added = await this.resolveRecipients(recipients, actor)
    const newDeliver = added.deliverTo.filter(d => !pkg.deliverTo.includes(d))
    const newEmails = added.externalEmails.filter(e => !pkg.externalEmails.includes(e))
    const next: PackageRecord = {
      ...pkg,
      recipients: [...pkg.recipients, ...added.recipients],
      deliverTo: [...pkg.deliverTo, ...newDeliver],
      externalEmails: [...pkg.externalEmails, ...newEmails],
      forwardedBy: [...pkg.forwardedBy, actor.id]
    }
    await this.repo.save(next, pkg)
    await this.audit.record(actor.id, 'package.forward', id, { recipients })
    this.notifier.packageSent({ ...next, deliverTo: newDeliver, externalEmails: newEmails }, await this.accessLinks(next, newEmails))
    return next
  }

  /** Recall (sent) or delete (draft): gone from every view, and its files removed from every node that holds them. */
  async remove (actor: UserRecord, id: string): Promise<PackageRecord> {
    const pkg = await this.require(id)
    if (pkg.senderId !== actor.id && actor.role !== 'admin') throw forbidden('only the sender or an admin removes a package')
    if (pkg.state === 'deleted') return pkg
    const next: PackageRecord = { ...pkg, state: 'deleted' }
    await this.repo.save(next, pkg)
    await this.audit.record(actor.id, pkg.state === 'draft' ? 'package.delete' : 'package.recall', id)
    await this.deleteOnNodes(pkg)
    return next
  }

  /**
   * Expires every package whose time has come (files deleted on their nodes, state `expired`), and retries deletions a
   * node did not confirm earlier. Returns the ids it expired.
   */
  async sweepExpired (): Promise<string[]> {
    const nowMs = this.clock.nowMs()
    const done: string[] = []
    for (const id of await this.repo.dueForExpiry(nowMs, 500)) {
      const pkg = await this.repo.get(id)
      if (pkg === undefined || pkg.state === 'expired' || pkg.state === 'deleted') continue
      const next: PackageRecord = { ...pkg, state: 'expired' }
      await this.repo.save(next, pkg)
      await this.audit.record('portal', 'package.expire', id, { nodeIds: pkg.nodeIds })
      await this.deleteOnNodes(pkg)
      this.notifier.expired(next)
      done.push(id)
    }
    for (const { key } of await this.db.pendingNodeDeletes.list({ limit: 500 })) {
      const [pkgId, nodeId] = key.split('!') as [string, string]
      if (await this.deleteOnNode(pkgId, nodeId)) await this.db.pendingNodeDeletes.del(key)
    }
    return done
  }

  /** Asks every holder to delete; a node that fails is remembered and asked again by the next sweep. */
  private async deleteOnNodes (pkg: PackageRecord): Promise<void> {
    for (const nodeId of pkg.nodeIds) {
      const key = `${pkg.id}!${nodeId}`
      if (await this.deleteOnNode(pkg.id, nodeId)) await this.db.pendingNodeDeletes.del(key)
      else if (await this.db.pendingNodeDeletes.get(key) === undefined) await this.db.pendingNodeDeletes.put(key, this.clock.nowMs())
    }
  }

  private async deleteOnNode (pkgId: string, nodeId: string): Promise<boolean> {
    const node = await this.nodes.get(nodeId)
    if (node === undefined) return true // a removed node has nothing the portal can ask it to delete
    try {
      await this.nodeClient.deletePackage(node.opsUrl, node.adminToken, pkgId)
      await this.audit.record('portal', 'node.package-delete', pkgId, { nodeId })
      return true
    } catch (err) {
      await this.audit.record('portal', 'node.package-delete-failed', pkgId, { nodeId, error: (err as Error).message })
      return false
    }
  }

  /** The access an outsider's link key gives, or undefined when the key is unknown. */
  async resolveLink (key: string): Promise<{ pkgId: string, email: string } | undefined> {
    return await this.db.accessLinks.get(secretHash(key))
  }

  async assertCanView (actor: Actor, pkg: PackageRecord): Promise<void> {
    if (pkg.state === 'deleted') throw notFound('package')
    if (actor.kind === 'link') {
      if (actor.pkgId === pkg.id && pkg.externalEmails.includes(actor.email)) return
      throw forbidden('this link does not open that package')
    }
    if (actor.kind === 'external') throw forbidden('outsiders see only what their link opens')
    const user = actor.user
    if (user.role === 'admin' || pkg.senderId === user.id) return
    if (pkg.state === 'draft') throw notFound('package')
    for (const owner of pkg.deliverTo) {
      if (owner === user.id) return
      const inbox = await this.db.inboxes.get(owner)
      if (inbox !== undefined && inbox.members.some(m => m.userId === user.id && m.role !== 'submit-only')) return
    }
    throw notFound('package')
  }

  private assertSender (actor: UserRecord, pkg: PackageRecord): void {
    if (pkg.senderId !== actor.id) throw forbidden('only the sender changes a package')
  }

  subject (actor: Actor): string {
    if (actor.kind === 'user') return actor.user.id
    if (actor.kind === 'link') return `email:${actor.email}`
    return `external:${actor.email}`
  }

  private async describeSubject (sub: string): Promise<string> {
    if (sub.startsWith('email:')) return sub.slice(6)
    if (sub.startsWith('external:')) return sub.slice(9)
    const user = await this.accounts.getUser(sub)
    return user?.displayName ?? sub
  }

  private async pickNode (actor: Actor, nodeId: string | undefined, preferred: string | undefined): Promise<NodeRecord> {
    if (nodeId !== undefined) return await this.nodes.require(nodeId)
    if (preferred !== undefined) {
      const node = await this.nodes.get(preferred)
      if (node !== undefined) return node
    }
    return await this.nodes.nearest(this.subject(actor))
  }

  private expiry (input: Partial<PackageInput>, nowMs: number): number {
    const at = input.expiresAtMs ?? (input.expiresInSec === undefined ? nowMs + DEFAULT_EXPIRY_MS : nowMs + input.expiresInSec * 1000)
    if (at <= nowMs) throw badRequest('expiry must be in the future')
    if (at > nowMs + MAX_EXPIRY_MS) throw badRequest('a package lives at most 365 days')
    return at
  }

  private async checkMetadata (pkg: PackageRecord, metadata: MetadataValues): Promise<MetadataValues> {
    const inboxIds = pkg.recipients.filter(r => r.kind === 'inbox').map(r => r.ref)
    if (inboxIds.length === 1) {
      pkg.inboxId = inboxIds[0]
      const inbox = await this.inboxes.require(inboxIds[0]!)
      return validateMetadata(inbox.metadataFields, metadata)
    }
    delete pkg.inboxId
    return metadata
  }

  /** Creates (once per address) the secret link an outside recipient opens the package with. */
  private async accessLinks (pkg: PackageRecord, emails: string[]): Promise<Map<string, string>> {
    const keys = new Map<string, string>()
    for (const email of emails) {
      const key = randomId(24)
      await this.db.accessLinks.put(secretHash(key), { pkgId: pkg.id, email })
      keys.set(email, key)
    }
    return keys
  }

  /**
   * Recipients as typed: `name` (a user), `user:<id>`, an address (a user with that address, or an outsider),
   * `group:<name>`, `inbox:<name>`. `sender` is undefined for outsiders answering a request (checked elsewhere).
   */
  async resolveRecipients (specs: string[], sender: UserRecord | undefined): Promise<Pick<PackageRecord, 'recipients' | 'deliverTo' | 'externalEmails'>> {
    if (specs.length === 0) throw new FerryError('FERRY_PORTAL_RECIPIENT_UNKNOWN', 'a package needs at least one recipient', { statusCode: 400 })
    const recipients: RecipientRecord[] = []
    const deliverTo = new Set<string>()
    const externalEmails = new Set<string>()
    const unknown: string[] = []
    for (const raw of specs) {
      const spec = raw.trim()
      if (spec.startsWith('group:')) {
        const group = await this.groups.findByName(spec.slice(6))
        if (group === undefined) { unknown.push(spec); continue }
        recipients.push({ kind: 'group', ref: group.id, label: spec })
        for (const m of group.memberIds) deliverTo.add(m)
      } else if (spec.startsWith('inbox:')) {
        const inbox = await this.inboxes.findByName(spec.slice(6))
        if (inbox === undefined) { unknown.push(spec); continue }
        if (sender !== undefined) this.inboxes.assertRole(inbox, sender, inbox.kind === 'workgroup' ? 'member' : 'submit-only')
        recipients.push({ kind: 'inbox', ref: inbox.id, label: spec })
        deliverTo.add(inbox.id)
      } else if (spec.includes('@')) {
        const email = spec.toLowerCase()
        if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) { unknown.push(spec); continue }
        const user = await this.accounts.findByEmail(email)
        if (user !== undefined) { recipients.push({ kind: 'user', ref: user.id, label: user.name }); deliverTo.add(user.id) } else {
          recipients.push({ kind: 'email', ref: email, label: email })
          externalEmails.add(email)
        }
      } else {
        const user = spec.startsWith('user:') ? await this.accounts.getUser(spec.slice(5)) : await this.accounts.findByName(spec)
        if (user === undefined || user.disabled) { unknown.push(spec); continue }
        recipients.push({ kind: 'user', ref: user.id, label: user.name })
        deliverTo.add(user.id)
      }
    }
    if (unknown.length > 0) throw new FerryError('FERRY_PORTAL_RECIPIENT_UNKNOWN', `unknown recipients: ${unknown.join(', ')}`, { statusCode: 400, details: { unknown } })
    return { recipients, deliverTo: [...deliverTo], externalEmails: [...externalEmails] }
  }
}
