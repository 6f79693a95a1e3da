// The sender's unacknowledged chunks (global offset → last send time) with O(1) access to the oldest: a Map used as a FIFO (delete at the front, read the first entry) costs V8 a walk over every deleted slot, which dominated the simulator's CPU profile.

/**
 * Send times only grow (the driver clock is non-decreasing), so the send log is already sorted by time. Each send
 * appends to the log; a log entry whose chunk was acknowledged or sent again is stale and skipped when it reaches
 * the front. The Map answers lookups; the log answers "oldest".
 */
export class InFlightTable {
  private readonly sentAtMs = new Map<number, number>()
  private logOffsets: number[] = []
  private logTimes: number[] = []
  private head = 0

  get size (): number { return this.sentAtMs.size }

  /** Last send time (ms) of the chunk at `globalOffset`, if it is in flight. */
  get (globalOffset: number): number | undefined { return this.sentAtMs.get(globalOffset) }

  /** Records a (re)send at `nowMs`; the chunk becomes the newest in flight. */
  set (globalOffset: number, nowMs: number): void {
    this.sentAtMs.set(globalOffset, nowMs)
    this.logOffsets.push(globalOffset)
    this.logTimes.push(nowMs)
  }

  /** Forgets the chunk (acknowledged or declared lost). */
  delete (globalOffset: number): void { this.sentAtMs.delete(globalOffset) }

  /** Send time (ms) of the oldest chunk in flight, or undefined when none is. */
  oldestSentAtMs (): number | undefined {
    this.skipStale()
    return this.head < this.logOffsets.length ? this.logTimes[this.head] : undefined
  }

  /** Removes and returns the oldest chunk in flight if it was sent at or before `beforeMs`. */
  takeOldestSentBy (beforeMs: number): number | undefined {
    this.skipStale()
    if (this.head >= this.logOffsets.length || this.logTimes[this.head]! > beforeMs) return undefined
    const offset = this.logOffsets[this.head++]!
    this.sentAtMs.delete(offset)
    return offset
  }

  private skipStale (): void {
    const offsets = this.logOffsets
    const times = this.logTimes
    let head = this.head
    while (head < offsets.length && this.sentAtMs.get(offsets[head]!) !== times[head]) head++
    // Drop the consumed front of the log once it is the larger part (amortized O(1) per send).
    if (head >= 4096 && head * 2 >= offsets.length) {
      this.logOffsets = offsets.slice(head)
      this.logTimes = times.slice(head)
      head = 0
    }
    this.head = head
  }
}
