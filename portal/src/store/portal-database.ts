// Every collection the portal keeps, opened on one LevelDB (or memory-level) so one process owns one database.
import { LevelCollection, type PortalLevel } from './level-collection.js'
import type * as R from './records.js'

export class PortalDatabase {
  readonly users: LevelCollection<R.UserRecord>
  /** Lower-cased user name → user id. */
  readonly userNames: LevelCollection<string>
  /** Lower-cased email → user id. */
  readonly userEmails: LevelCollection<string>
  /** SHA-256 of the session id → session. */
  readonly sessions: LevelCollection<R.SessionRecord>
  /** SHA-256 of the bearer token → token. */
  readonly apiTokens: LevelCollection<R.ApiTokenRecord & { hash: string }>
  readonly groups: LevelCollection<R.GroupRecord>
  readonly inboxes: LevelCollection<R.InboxRecord>
  /** SHA-256 of the invitation secret → invitation. */
  readonly invitations: LevelCollection<R.InvitationRecord>
  readonly packages: LevelCollection<R.PackageRecord>
  /** `<ownerId>!<reverse time>!<pkgId>` → summary: inbox of a user or shared inbox. */
  readonly inboxIndex: LevelCollection<R.PackageSummary>
  /** `<senderId>!<reverse time>!<pkgId>` → summary: sent packages (not drafts). */
  readonly sentIndex: LevelCollection<R.PackageSummary>
  readonly draftIndex: LevelCollection<R.PackageSummary>
  /** `<ownerId>!<word>!<pkgId>` → 1: search by word prefix among packages someone may see. */
  readonly searchIndex: LevelCollection<number>
  /** `<time>!<pkgId>` → pkgId: what the expiry sweep must look at. */
  readonly expiryIndex: LevelCollection<string>
  readonly nodes: LevelCollection<R.NodeRecord>
  /** `<userId>!<nodeId>` → latest RTT the user's client measured. */
  readonly rtts: LevelCollection<R.RttRecord>
  readonly issuedTokens: LevelCollection<R.IssuedTokenRecord>
  /** SHA-256 of the request secret → file request. */
  readonly fileRequests: LevelCollection<R.FileRequestRecord & { hash: string }>
  /** SHA-256 of an outside recipient's link key → what it opens. */
  readonly accessLinks: LevelCollection<R.AccessLinkRecord>
  /** `<userId>!<reverse time>!<id>` → notification. */
  readonly notifications: LevelCollection<R.NotificationRecord>
  /** `<reverse time>!<id>` → mail. */
  readonly outbox: LevelCollection<R.OutboxRecord>
  readonly templates: LevelCollection<R.TemplateRecord>
  readonly webhooks: LevelCollection<R.WebhookRecord>
  /** `<reverse time>!<id>` → event. */
  readonly audit: LevelCollection<R.AuditRecord>
  readonly replications: LevelCollection<R.ReplicationRecord>
  /** `<pkgId>!<nodeId>` → first failure time: deletions a node has not confirmed yet, retried by every sweep. */
  readonly pendingNodeDeletes: LevelCollection<number>

  constructor (readonly level: PortalLevel) {
    const c = <T>(name: string): LevelCollection<T> => new LevelCollection<T>(level, name)
    this.users = c('users')
    this.userNames = c('user-names')
    this.userEmails = c('user-emails')
    this.sessions = c('sessions')
    this.apiTokens = c('api-tokens')
    this.groups = c('groups')
    this.inboxes = c('inboxes')
    this.invitations = c('invitations')
    this.packages = c('packages')
    this.inboxIndex = c('ix-inbox')
    this.sentIndex = c('ix-sent')
    this.draftIndex = c('ix-draft')
    this.searchIndex = c('ix-search')
    this.expiryIndex = c('ix-expiry')
    this.nodes = c('nodes')
    this.rtts = c('rtts')
    this.issuedTokens = c('issued-tokens')
    this.fileRequests = c('file-requests')
    this.accessLinks = c('access-links')
    this.notifications = c('notifications')
    this.outbox = c('outbox')
    this.templates = c('templates')
    this.webhooks = c('webhooks')
    this.audit = c('audit')
    this.replications = c('replications')
    this.pendingNodeDeletes = c('pending-node-deletes')
  }

  async open (): Promise<void> { await this.level.open() }
  async close (): Promise<void> { await this.level.close() }
}
