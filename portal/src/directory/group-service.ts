// Groups of users that a package can be addressed to as one recipient; resolved to their members at send time.
import type { Clock } from '../clock.js'
import type { AuditLog } from '../audit/audit-log.js'
import type { PortalDatabase } from '../store/portal-database.js'
import type { GroupRecord } from '../store/records.js'
import { randomId } from '../store/random-id.js'
import { conflict, notFound } from '../portal-errors.js'

export class GroupService {
  constructor (private readonly db: PortalDatabase, private readonly clock: Clock, private readonly audit: AuditLog) {}

  async list (): Promise<GroupRecord[]> { return (await this.db.groups.list()).map(r => r.value) }

  async findByName (name: string): Promise<GroupRecord | undefined> {
    return (await this.list()).find(g => g.name.toLowerCase() === name.toLowerCase())
  }

  async require (id: string): Promise<GroupRecord> {
    const group = await this.db.groups.get(id)
    if (group === undefined) throw notFound('group')
    return group
  }

  async create (name: string, memberIds: string[], actor: string): Promise<GroupRecord> {
    if (await this.findByName(name) !== undefined) throw conflict(`group "${name}" exists`)
    await this.checkUsers(memberIds)
    const group: GroupRecord = { id: randomId(), name, memberIds: [...new Set(memberIds)], createdAtMs: this.clock.nowMs() }
    await this.db.groups.put(group.id, group)
    await this.audit.record(actor, 'group.create', group.id, { name, memberIds: group.memberIds })
    return group
  }

  async update (id: string, patch: { name?: string, memberIds?: string[] }, actor: string): Promise<GroupRecord> {
    const group = await this.require(id)
    if (patch.memberIds !== undefined) await this.checkUsers(patch.memberIds)
    const next = { ...group, ...(patch.name === undefined ? {} : { name: patch.name }), ...(patch.memberIds === undefined ? {} : { memberIds: [...new Set(patch.memberIds)] }) }
    await this.db.groups.put(id, next)
    await this.audit.record(actor, 'group.update', id, patch)
    return next
  }

  async remove (id: string, actor: string): Promise<void> {
    await this.require(id)
    await this.db.groups.del(id)
    await this.audit.record(actor, 'group.delete', id)
  }

  private async checkUsers (ids: string[]): Promise<void> {
    const users = await this.db.users.getMany(ids)
    const missing = ids.filter((_id, i) => users[i] === undefined)
    if (missing.length > 0) throw notFound(`users ${missing.join(', ')}`)
  }
}
