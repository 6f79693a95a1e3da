// Measures a transfer's rate and ETA from byte counts over time (for paths that do not report their own, like the HTTP gateway).

/** Window the rate is averaged over (ms): long enough to smooth HTTP chunking, short enough to follow changes. */
const WINDOW_MS = 2_000

export class RateMeter {
  private readonly samples: Array<{ atMs: number, bytes: number }> = []

  constructor (private readonly nowMs: () => number = () => performance.now()) {}

  /** Records the running total; returns the rate (bits/s) over the last window. */
  record (bytesDone: number): number {
    const now = this.nowMs()
    this.samples.push({ atMs: now, bytes: bytesDone })
    while (this.samples.length > 2 && now - this.samples[1]!.atMs > WINDOW_MS) this.samples.shift()
    return this.rateBitsPerSec()
  }

  rateBitsPerSec (): number {
    const first = this.samples[0]
    const last = this.samples[this.samples.length - 1]
    if (first === undefined || last === undefined || last.atMs <= first.atMs) return 0
    return (last.bytes - first.bytes) * 8 * 1000 / (last.atMs - first.atMs)
  }

  etaSeconds (bytesDone: number, bytesTotal: number): number {
    const rate = this.rateBitsPerSec()
    return rate > 0 ? (bytesTotal - bytesDone) * 8 / rate : Infinity
  }
}
