// In-process fan-out of live notifications to each user's open Server-Sent Events streams.
import type { NotificationRecord } from '../store/records.js'

export type Listener = (event: NotificationRecord) => void

export class EventBus {
  private readonly listeners = new Map<string, Set<Listener>>()

  /** Returns the unsubscribe function; call it when the stream closes. */
  subscribe (userId: string, listener: Listener): () => void {
    let set = this.listeners.get(userId)
    if (set === undefined) { set = new Set(); this.listeners.set(userId, set) }
    set.add(listener)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.listeners.delete(userId)
    }
  }

  publish (event: NotificationRecord): void {
    for (const listener of this.listeners.get(event.userId) ?? []) listener(event)
  }

  subscriberCount (userId: string): number { return this.listeners.get(userId)?.size ?? 0 }
}
