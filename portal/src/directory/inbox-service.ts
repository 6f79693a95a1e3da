// Shared inboxes and workgroups: packages addressed to the inbox, seen by its members, with per-inbox metadata fields.
import type { Clock } from '../clock.js'
import type { AuditLog } from '../audit/audit-log.js'
import type { PortalDatabase } from '../store/portal-database.js'
import type { InboxRecord, InboxRole, MetadataField, UserRecord } from '../store/records.js'
import { randomId } from '../store/random-id.js'
import { badRequest, conflict, forbidden, notFound } from '../portal-errors.js'

const ROLE_RANK: Record<InboxRole, number> = { 'submit-only': 0, member: 1, admin: 2 }

export interface InboxInput {
  name: string
  kind?: 'shared' | 'workgroup'
  description?: string
  members?: Array<{ userId: string, role: InboxRole }>
  metadataFields?: MetadataField[]
}

export class InboxService {
  constructor (private readonly db: PortalDatabase, private readonly clock: Clock, private readonly audit: AuditLog) {}

  async list (): Promise<InboxRecord[]> { return (await this.db.inboxes.list()).map(r => r.value) }

  async findByName (name: string): Promise<InboxRecord | undefined> {
    return (await this.list()).find(i => i.name.toLowerCase() === name.toLowerCase())
  }

  async require (id: string): Promise<InboxRecord> {
    const inbox = await this.db.inboxes.get(id)
    if (inbox === undefined) throw notFound('inbox')
    return inbox
  }

  roleOf (inbox: InboxRecord, user: UserRecord): InboxRole | undefined {
    if (user.role === 'admin') return 'admin'
    return inbox.members.find(m => m.userId === user.id)?.role
  }

  /** Throws unless `user` holds at least `role` in the inbox (portal admins hold every role). */
  assertRole (inbox: InboxRecord, user: UserRecord, role: InboxRole): void {
    const have = this.roleOf(inbox, user)
    if (have === undefined || ROLE_RANK[have] < ROLE_RANK[role]) throw forbidden(`this needs the ${role} role in inbox "${inbox.name}"`)
  }

  /** Inboxes the user may send to (any role) and those whose packages they see (member or admin). */
  async forUser (user: UserRecord): Promise<Array<{ inbox: InboxRecord, role: InboxRole }>> {
    const out: Array<{ inbox: InboxRecord, role: InboxRole }> = []
    for (const inbox of await this.list()) {
      const role = this.roleOf(inbox, user)
      if (role !== undefined) out.push({ inbox, role })
    }
    return out
  }

  async create (input: InboxInput, actor: string): Promise<InboxRecord> {
    if (await this.findByName(input.name) !== undefined) throw conflict(`inbox "${input.name}" exists`)
    const inbox: InboxRecord = {
      id: randomId(),
      name: input.name,
      kind: input.kind ?? 'shared',
      description: input.description ?? '',
      members: input.members ?? [],
      metadataFields: input.metadataFields ?? [],
      createdAtMs: this.clock.nowMs()
    }
    this.check(inbox)
    await this.db.inboxes.put(inbox.id, inbox)
    await this.audit.record(actor, 'inbox.create', inbox.id, { name: inbox.name, kind: inbox.kind })
    return inbox
  }

  async update (id: string, patch: Partial<InboxInput>, actor: string): Promise<InboxRecord> {
    const inbox = await this.require(id)
    const next: InboxRecord = {
      ...inbox,
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.description === undefined ? {} : { description: patch.description }),
      ...(patch.members === undefined ? {} : { members: patch.members }),
      ...(patch.metadataFields === undefined ? {} : { metadataFields: patch.metadataFields })
    }
    this.check(next)
    await this.db.inboxes.put(id, next)
    await this.audit.record(actor, 'inbox.update', id, patch as Record<string, unknown>)
    return next
  }

  async remove (id: string, actor: string): Promise<void> {
    await this.require(id)
    await this.db.inboxes.del(id)
    await this.audit.record(actor, 'inbox.delete', id)
  }

  private check (inbox: InboxRecord): void {
    if (inbox.kind === 'workgroup' && inbox.members.some(m => m.role === 'submit-only')) throw badRequest('a workgroup has no submit-only members')
    for (const f of inbox.metadataFields) {
      if (f.type === 'option' && (f.options === undefined || f.options.length === 0)) throw badRequest(`metadata field ${f.name} of type option needs options`)
    }
  }
}
