// Turns package events into mail, feed entries and webhooks; runs in the background so a slow SMTP server never slows an API call.
import type { PortalDatabase } from '../store/portal-database.js'
import type { PackageRecord, UserRecord } from '../store/records.js'
import type { Mailer } from './mailer.js'
import type { NotificationFeed } from './notification-feed.js'
import type { TemplateRenderer } from './template-renderer.js'
import type { WebhookDispatcher } from './webhook-dispatcher.js'

export class Notifier {
  private readonly pending = new Set<Promise<unknown>>()
  readonly errors: Error[] = []

  constructor (
    private readonly db: PortalDatabase,
    readonly mailer: Mailer,
    readonly feed: NotificationFeed,
    readonly templates: TemplateRenderer,
    readonly webhooks: WebhookDispatcher,
    private readonly publicUrl: string
  ) {}

  /** Resolves when every notification started so far has been handed on (mail sent or kept, feed written, first webhook attempt made). */
  async idle (): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending])
  }

  packageLink (pkgId: string, accessKey?: string): string {
    return `${this.publicUrl}/packages/${encodeURIComponent(pkgId)}${accessKey === undefined ? '' : `?key=${encodeURIComponent(accessKey)}`}`
  }

  /** The package is sent: every recipient gets mail and a feed entry; outside addresses get their own access link. */
  packageSent (pkg: PackageRecord, externalKeys: Map<string, string>): void {
    this.track(async () => {
      const users = await this.recipientUsers(pkg)
      const vars = this.packageVars(pkg)
      for (const user of users) {
        await this.feed.add(user.id, 'package-received', `${pkg.senderName}: ${pkg.title}`, pkg.id)
        await this.mail(user.email, pkg.requestId === undefined ? 'package-received' : 'file-request-upload', { ...vars, link: this.packageLink(pkg.id) })
      }
      for (const [email, key] of externalKeys) {
        await this.mail(email, 'package-received', { ...vars, link: this.packageLink(pkg.id, key) })
      }
      await this.webhooks.dispatch('package.sent', { id: pkg.id, title: pkg.title, sender: pkg.senderName, recipients: pkg.recipients.map(r => r.label) })
    })
  }

  downloaded (pkg: PackageRecord, downloaderName: string, atMs: number): void {
    this.track(async () => {
      const sender = await this.db.users.get(pkg.senderId)
      const vars = { ...this.packageVars(pkg), downloaderName, downloadedAt: new Date(atMs).toISOString(), link: this.packageLink(pkg.id) }
      if (sender !== undefined) {
        await this.feed.add(sender.id, 'download-receipt', `${downloaderName} downloaded ${pkg.title}`, pkg.id)
        await this.mail(sender.email, 'download-receipt', vars)
      }
      await this.webhooks.dispatch('package.downloaded', { id: pkg.id, title: pkg.title, by: downloaderName, atMs })
    })
  }

  expired (pkg: PackageRecord): void {
    this.track(async () => {
      const sender = await this.db.users.get(pkg.senderId)
      if (sender !== undefined) await this.feed.add(sender.id, 'package-expired', `Expired: ${pkg.title}`, pkg.id)
      await this.webhooks.dispatch('package.expired', { id: pkg.id, title: pkg.title })
    })
  }

  invitation (email: string, inviterName: string, link: string, expiresAtMs: number): void {
    this.track(async () => { await this.mail(email, 'invitation', { inviterName, link, expiresAt: new Date(expiresAtMs).toISOString() }) })
  }

  event (event: string, payload: Record<string, unknown>): void {
    this.track(async () => { await this.webhooks.dispatch(event, payload) })
  }

  /** Users behind the package's deliveries: direct users, and members (not submit-only) of shared inboxes. */
  async recipientUsers (pkg: PackageRecord): Promise<UserRecord[]> {
    const ids = new Set<string>()
    for (const owner of pkg.deliverTo) {
      const inbox = await this.db.inboxes.get(owner)
      if (inbox === undefined) ids.add(owner)
      else for (const m of inbox.members) if (m.role !== 'submit-only') ids.add(m.userId)
    }
    const users = await this.db.users.getMany([...ids])
    return users.filter((u): u is UserRecord => u !== undefined && !u.disabled)
  }

  private packageVars (pkg: PackageRecord): Record<string, string | number> {
    return {
      title: pkg.title,
      senderName: pkg.senderName,
      note: pkg.note,
      fileCount: pkg.files.length,
      sizeBytes: pkg.sizeBytes,
      expiresAt: pkg.expiresAtMs === undefined ? 'never' : new Date(pkg.expiresAtMs).toISOString()
    }
  }

  private async mail (to: string, template: string, vars: Record<string, string | number>): Promise<void> {
    const { subject, text } = await this.templates.render(template, vars)
    await this.mailer.send({ to, subject, text, template })
  }

  private track (work: () => Promise<void>): void {
    const p = work().catch((err: Error) => { this.errors.push(err) })
    this.pending.add(p)
    void p.finally(() => this.pending.delete(p))
  }
}
