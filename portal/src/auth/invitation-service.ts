// Invitations let an outside person create an account: a secret link mailed to them, good once and for a limited time.
import { FerryError } from '@ferry/protocol/errors/ferry-error'
import type { Clock } from '../clock.js'
import type { AuditLog } from '../audit/audit-log.js'
import type { PortalDatabase } from '../store/portal-database.js'
import type { InvitationRecord, Role, UserRecord } from '../store/records.js'
import { randomId, secretHash } from '../store/random-id.js'
import type { AccountService } from './account-service.js'
import type { Notifier } from '../notify/notifier.js'
import { notFound } from '../portal-errors.js'

/** How long an invitation link works (ms): a week. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000

export class InvitationService {
  constructor (
    private readonly db: PortalDatabase,
    private readonly accounts: AccountService,
    private readonly notifier: Notifier,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly publicUrl: string
  ) {}

  async invite (inviter: UserRecord, email: string, role: Role = 'user'): Promise<{ invitation: InvitationRecord, link: string }> {
    const secret = randomId(24)
    const nowMs = this.clock.nowMs()
    const invitation: InvitationRecord = { id: randomId(), email: email.toLowerCase(), role, invitedBy: inviter.id, createdAtMs: nowMs, expiresAtMs: nowMs + INVITATION_TTL_MS }
    await this.db.invitations.put(secretHash(secret), invitation)
    const link = `${this.publicUrl}/invite/${secret}`
    this.notifier.invitation(invitation.email, inviter.displayName, link, invitation.expiresAtMs)
    await this.audit.record(inviter.id, 'invitation.create', invitation.id, { email: invitation.email, role })
    return { invitation, link }
  }

  async lookup (secret: string): Promise<InvitationRecord> {
    const invitation = await this.db.invitations.get(secretHash(secret))
    if (invitation === undefined || invitation.acceptedUserId !== undefined) throw notFound('invitation')
    if (invitation.expiresAtMs <= this.clock.nowMs()) throw new FerryError('FERRY_PORTAL_INVITATION_EXPIRED', 'this invitation has expired; ask for a new one', { statusCode: 410 })
    return invitation
  }

  async accept (secret: string, input: { name: string, password: string, displayName?: string }): Promise<UserRecord> {
    const invitation = await this.lookup(secret)
    const user = await this.accounts.createUser({ name: input.name, email: invitation.email, password: input.password, role: invitation.role, external: true, ...(input.displayName === undefined ? {} : { displayName: input.displayName }) }, `invitation:${invitation.id}`)
    await this.db.invitations.put(secretHash(secret), { ...invitation, acceptedUserId: user.id })
    await this.audit.record(user.id, 'invitation.accept', invitation.id)
    return user
  }

  async list (): Promise<InvitationRecord[]> {
    return (await this.db.invitations.list()).map(r => r.value)
  }
}
