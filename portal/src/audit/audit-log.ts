// The append-only record of every package and account event, newest first, for admins and for after-the-fact questions.
import type { Clock } from '../clock.js'
import type { Collection } from '../store/level-collection.js'
import type { AuditRecord } from '../store/records.js'
import { randomId } from '../store/random-id.js'
import { reverseTimeKey } from '../store/sort-key.js'

export class AuditLog {
  constructor (private readonly records: Collection<AuditRecord>, private readonly clock: Clock) {}

  async record (actor: string, action: string, target: string, details?: Record<string, unknown>): Promise<void> {
    const atMs = this.clock.nowMs()
    const entry: AuditRecord = { id: randomId(), atMs, actor, action, target, ...(details === undefined ? {} : { details }) }
    await this.records.put(`${reverseTimeKey(atMs)}!${entry.id}`, entry)
  }

  async list (options: { limit: number, cursor?: string, target?: string }): Promise<{ items: AuditRecord[], nextCursor?: string }> {
    const rows = await this.records.list({ ...(options.cursor === undefined ? {} : { gt: options.cursor }), limit: options.target === undefined ? options.limit + 1 : -1 })
    const matching = options.target === undefined ? rows : rows.filter(r => r.value.target === options.target)
    const page = matching.slice(0, options.limit)
    return matching.length > options.limit ? { items: page.map(r => r.value), nextCursor: page[page.length - 1]!.key } : { items: page.map(r => r.value) }
  }
}
