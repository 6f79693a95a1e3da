// When a simulated endpoint's event loop is stalled (a GC pause, a blocking call, a busy neighbour on the CPU): seeded stalls of tens of ms at random intervals, so the rate controller's robustness to CPU stalls shows in virtual time.
import { FerryError } from '../errors/ferry-error.js'

export interface StallOptions {
  /** Mean running time between two stalls (ms); exponentially distributed, so stalls come at random. */
  meanIntervalMs: number
  /** Shortest stall (ms). */
  minMs: number
  /** Longest stall (ms); lengths are uniform in [minMs, maxMs]. */
  maxMs: number
}

/**
 * One endpoint's stalls, drawn lazily from a random source as virtual time advances. Queries must come with
 * non-decreasing times (the simulator's clock).
 */
export class StallSchedule {
  private startMs = 0
  private endMs = 0
  private completedMs = 0

  /** Stalls are drawn from `fromMs` (the endpoint's start) on. */
  constructor (private readonly options: StallOptions, private readonly random: () => number, fromMs = 0) {
    if (!(options.meanIntervalMs > 0) || !(options.minMs >= 0) || !(options.maxMs >= options.minMs) || !Number.isFinite(options.maxMs)) {
      throw new FerryError('FERRY_SIM_STALL_CONFIG', 'stalls need meanIntervalMs > 0 and 0 ≤ minMs ≤ maxMs (finite)')
    }
    this.draw(fromMs)
  }

  /** If the endpoint is stalled at `nowMs`, the time it resumes (ms); otherwise undefined. */
  stalledUntil (nowMs: number): number | undefined {
    while (nowMs >= this.endMs) {
      this.completedMs += this.endMs - this.startMs
      this.draw(this.endMs)
    }
    return nowMs >= this.startMs ? this.endMs : undefined
  }

  /** Time spent stalled from the start to `nowMs` (ms). */
  stalledMsBy (nowMs: number): number {
    const until = this.stalledUntil(nowMs)
    return this.completedMs + (until === undefined ? 0 : nowMs - this.startMs)
  }

  private draw (fromMs: number): void {
    this.startMs = fromMs - Math.log(1 - this.random()) * this.options.meanIntervalMs
    this.endMs = this.startMs + this.options.minMs + this.random() * (this.options.maxMs - this.options.minMs)
    // A zero-length stall is no stall: keep endMs > startMs so the loop above always advances.
    if (this.endMs <= this.startMs) this.endMs = this.startMs + 1e-9
  }
}
