// Cumulative bytes sent over the last few RTTs, sampled at most once a millisecond: what was sent before a given time (already resolved by reports) and what was sent since (still in flight), for the drain (spec-rate-control.md §2.2) and the wire-overhead estimate (§3.4).

/** Samples are at least this far apart (ms): enough resolution for RTTs of milliseconds, bounded memory at any rate. */
const SAMPLE_SPACING_MS = 1

export class SendHistory {
  private times: number[] = []
  private totals: number[] = []
  private head = 0

  /** Records that `totalBytes` had been sent by `nowMs` (non-decreasing times). */
  record (nowMs: number, totalBytes: number): void {
    const last = this.times.length - 1
    if (last >= this.head && nowMs - this.times[last]! < SAMPLE_SPACING_MS) {
      this.totals[last] = totalBytes
      return
    }
    this.times.push(nowMs)
    this.totals.push(totalBytes)
  }

  /** Cumulative bytes sent by `atMs` (the newest sample at or before it), or the oldest sample's when none is that old; 0 when empty. */
  sentBy (atMs: number): number {
    if (this.head >= this.times.length) return 0
    let lo = this.head
    let hi = this.times.length - 1
    if (this.times[lo]! > atMs) return this.totals[lo]!
    // Binary search for the last sample at or before atMs.
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.times[mid]! <= atMs) lo = mid
      else hi = mid - 1
    }
    return this.totals[lo]!
  }

  /** Forgets samples older than `beforeMs`, keeping the newest of them (it answers `sentBy` for times just after). */
  forgetBefore (beforeMs: number): void {
    while (this.head + 1 < this.times.length && this.times[this.head + 1]! <= beforeMs) this.head++
    if (this.head >= 1024 && this.head * 2 >= this.times.length) {
      this.times = this.times.slice(this.head)
      this.totals = this.totals.slice(this.head)
      this.head = 0
    }
  }

  /** Forgets everything. */
  clear (): void {
    this.times = []
    this.totals = []
    this.head = 0
  }
}
