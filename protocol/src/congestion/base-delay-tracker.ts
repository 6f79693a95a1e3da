// The running minimum of one-way delay samples, kept per time bucket so the base delay is re-learned (route change, clock drift) instead of held forever (LEDBAT-style, spec-rate-control.md §3).

export interface BaseDelayTrackerOptions {
  /** Length of one bucket (ms): the minimum of each bucket is kept separately. */
  bucketMs: number
  /** How many buckets make up the history: the base is the minimum over the last `bucketCount × bucketMs`. */
  bucketCount: number
}

/** Minimum one-way delay over a sliding window of buckets. Pure: time arrives as arguments. */
export class BaseDelayTracker {
  private readonly bucketMs: number
  private readonly bucketCount: number
  /** Oldest first: [bucket start (ms), minimum delay in it (ms)]. */
  private readonly buckets: Array<{ startMs: number, minMs: number }> = []

  constructor (options: BaseDelayTrackerOptions) {
    this.bucketMs = options.bucketMs
    this.bucketCount = options.bucketCount
  }

  /** Records a one-way delay sample (ms) taken at `nowMs`. */
  add (delayMs: number, nowMs: number): void {
    const last = this.buckets[this.buckets.length - 1]
    if (last === undefined || nowMs - last.startMs >= this.bucketMs) {
      this.buckets.push({ startMs: nowMs, minMs: delayMs })
      while (this.buckets.length > this.bucketCount) this.buckets.shift()
    } else if (delayMs < last.minMs) {
      last.minMs = delayMs
    }
  }

  /** The base one-way delay (ms), or undefined before the first sample. */
  get baseMs (): number | undefined {
    let min: number | undefined
    for (const bucket of this.buckets) if (min === undefined || bucket.minMs < min) min = bucket.minMs
    return min
  }
}
