// Wires the portal's services together from one database, clock and configuration (collaborators apart from options).
import type { Clock } from './clock.js'
import { AuditLog } from './audit/audit-log.js'
import { AccountService } from './auth/account-service.js'
import { InvitationService } from './auth/invitation-service.js'
import { GroupService } from './directory/group-service.js'
import { InboxService } from './directory/inbox-service.js'
import { NodeClient, type FetchFn } from './nodes/node-client.js'
import { NodeRegistry } from './nodes/node-registry.js'
import { EventBus } from './notify/event-bus.js'
import { Mailer, type SmtpSettings } from './notify/mailer.js'
import { NotificationFeed } from './notify/notification-feed.js'
import { Notifier } from './notify/notifier.js'
import type { Scheduler } from './notify/scheduler.js'
import { TemplateRenderer } from './notify/template-renderer.js'
import { WebhookDispatcher } from './notify/webhook-dispatcher.js'
import { FileRequestService } from './packages/file-request-service.js'
import { PackageService } from './packages/package-service.js'
import { LevelPackageRepository } from './store/package-repository.js'
import type { PortalDatabase } from './store/portal-database.js'
import { SigningKeys } from './tokens/signing-keys.js'
import { TokenIssuer } from './tokens/token-issuer.js'

export interface ServiceComponents {
  db: PortalDatabase
  clock: Clock
  scheduler: Scheduler
  fetch: FetchFn
  /** Where the signing keys live; undefined keeps them in memory. */
  keyDir: string | undefined
}

export interface ServiceSettings {
  publicUrl: string
  issuer: string
  smtp?: SmtpSettings
  /** scrypt cost N for new password hashes (default 2^15). */
  scryptN?: number
}

export class PortalServices {
  readonly audit: AuditLog
  readonly accounts: AccountService
  readonly invitations: InvitationService
  readonly groups: GroupService
  readonly inboxes: InboxService
  readonly nodeClient: NodeClient
  readonly nodes: NodeRegistry
  readonly keys: SigningKeys
  readonly tokens: TokenIssuer
  readonly bus: EventBus
  readonly mailer: Mailer
  readonly feed: NotificationFeed
  readonly templates: TemplateRenderer
  readonly webhooks: WebhookDispatcher
  readonly notifier: Notifier
  readonly packageRepo: LevelPackageRepository
  readonly packages: PackageService
  readonly requests: FileRequestService

  constructor (readonly components: ServiceComponents, readonly settings: ServiceSettings) {
    const { db, clock, scheduler } = components
    this.audit = new AuditLog(db.audit, clock)
    this.accounts = new AccountService(db, clock, this.audit, settings.scryptN === undefined ? undefined : { N: settings.scryptN, r: 8, p: 1 })
    this.groups = new GroupService(db, clock, this.audit)
    this.inboxes = new InboxService(db, clock, this.audit)
    this.nodeClient = new NodeClient(components.fetch)
    this.nodes = new NodeRegistry(db, this.nodeClient, clock, this.audit)
    this.keys = new SigningKeys(components.keyDir, () => clock.nowMs())
    this.tokens = new TokenIssuer(this.keys, db.issuedTokens, clock, settings.issuer)
    this.bus = new EventBus()
    this.mailer = new Mailer(db.outbox, clock, settings.smtp)
    this.feed = new NotificationFeed(db.notifications, this.bus, clock)
    this.templates = new TemplateRenderer(db.templates)
    this.webhooks = new WebhookDispatcher(db.webhooks, scheduler, components.fetch)
    this.notifier = new Notifier(db, this.mailer, this.feed, this.templates, this.webhooks, settings.publicUrl)
    this.invitations = new InvitationService(db, this.accounts, this.notifier, this.audit, clock, settings.publicUrl)
    this.packageRepo = new LevelPackageRepository(db)
    this.packages = new PackageService(db, this.packageRepo, this.accounts, this.groups, this.inboxes, this.nodes, this.nodeClient, this.tokens, this.notifier, this.audit, clock)
    this.requests = new FileRequestService(db, this.packages, this.inboxes, this.audit, clock, settings.publicUrl)
  }

  async start (): Promise<void> {
    await this.components.db.open()
    await this.keys.start()
  }

  async stop (): Promise<void> {
    await this.notifier.idle()
    this.mailer.close()
    await this.components.db.close()
  }
}
