// Measures a transfer's rate over a sliding window and derives its ETA; time is passed in, so tests need no clock.

/** Rate window (ms): long enough to smooth chunk boundaries and TCP bursts, short enough to follow a real change in speed. */
export const RATE_WINDOW_MS = 5000

export interface TransferReading {
  bytesDone: number
  bytesTotal: number
  /** Bytes per second over the window; 0 until two samples span some time. */
  rateBytesPerSec: number
  /** Time left at the current rate; undefined while the rate is unknown. 0 once done. */
  etaMs: number | undefined
}

export class TransferMeter {
  private readonly samples: Array<{ atMs: number, bytes: number }> = []
  private bytesDone = 0

  constructor (private bytesTotal: number, private readonly windowMs = RATE_WINDOW_MS) {}

  /** Records the bytes done so far (monotonic per transfer; a smaller value after a restart resets the window). */
  update (bytesDone: number, nowMs: number): void {
    if (bytesDone < this.bytesDone) this.samples.length = 0
    this.bytesDone = bytesDone
    this.samples.push({ atMs: nowMs, bytes: bytesDone })
    // Keep one sample older than the window so the rate always spans the whole window once it has filled.
    while (this.samples.length > 2 && this.samples[1].atMs <= nowMs - this.windowMs) this.samples.shift()
  }

  /** Forgets the rate history (after a pause: time spent paused is not slowness) but keeps the bytes done. */
  restartWindow (): void {
    this.samples.length = 0
  }

  setTotal (bytesTotal: number): void {
    this.bytesTotal = bytesTotal
  }

  read (nowMs: number): TransferReading {
    const remaining = Math.max(0, this.bytesTotal - this.bytesDone)
    const first = this.samples[0]
    let rate = 0
    if (first !== undefined) {
      const spanMs = nowMs - first.atMs
      if (spanMs > 0) rate = (this.bytesDone - first.bytes) * 1000 / spanMs
    }
    const etaMs = remaining === 0 ? 0 : rate > 0 ? remaining / rate * 1000 : undefined
    return { bytesDone: this.bytesDone, bytesTotal: this.bytesTotal, rateBytesPerSec: rate, etaMs }
  }
}
