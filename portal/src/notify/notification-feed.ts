// The in-app notification feed: stored per user, newest first, and pushed live to open SSE streams.
import type { Clock } from '../clock.js'
import type { Collection } from '../store/level-collection.js'
import type { NotificationRecord } from '../store/records.js'
import { randomId } from '../store/random-id.js'
import { reverseTimeKey } from '../store/sort-key.js'
import type { EventBus } from './event-bus.js'

export class NotificationFeed {
  constructor (private readonly records: Collection<NotificationRecord>, readonly bus: EventBus, private readonly clock: Clock) {}

  async add (userId: string, kind: NotificationRecord['kind'], title: string, packageId?: string): Promise<NotificationRecord> {
    const atMs = this.clock.nowMs()
    const record: NotificationRecord = { id: randomId(), userId, kind, title, atMs, read: false, ...(packageId === undefined ? {} : { packageId }) }
    await this.records.put(`${userId}!${reverseTimeKey(atMs)}!${record.id}`, record)
    this.bus.publish(record)
    return record
  }

  async list (userId: string, limit: number): Promise<{ items: NotificationRecord[], unread: number }> {
    const rows = await this.records.list({ prefix: `${userId}!`, limit: 500 })
    return { items: rows.slice(0, limit).map(r => r.value), unread: rows.filter(r => !r.value.read).length }
  }

  /** Marks the given notifications (or all, when `ids` is undefined) read. */
  async markRead (userId: string, ids?: string[]): Promise<number> {
    let count = 0
    for (const { key, value } of await this.records.list({ prefix: `${userId}!` })) {
      if (value.read || (ids !== undefined && !ids.includes(value.id))) continue
      await this.records.put(key, { ...value, read: true })
      count++
    }
    return count
  }
}
