// Ferry's rate controller: paces from the receiver's measured receive rate and the queueing delay it sees, so random loss never slows it and flows sharing a bottleneck converge to equal shares (spec-rate-control.md).
import { FerryError } from '../errors/ferry-error.js'
import { BaseDelayTracker } from './base-delay-tracker.js'
import { SendHistory } from './send-history.js'
import type { RateController, RatePolicy, RateSettings, ReceiverReport } from './rate-controller.js'

/** Every tunable, with its unit; defaults in `defaultRateControlTunables` (reasons in spec-rate-control.md §5). */
export interface RateControlTunables {
  /** Pacing rate of a fresh controller before any report (bits/s), clamped into [min, target]. */
  startBitsPerSec: number
  /** With a known path rate (RateSettings.pathBitsPerSec), the first RTT paces at this fraction of it (ratio). */
  pathStartFraction: number
  /** …and the start grows beyond the path rate only once a served rate of this fraction of it confirms it (ratio). */
  pathConfirmFraction: number
  /** Window over which the fast start compares its send rate with a report's served rate (ms): about a receiver's rate window. */
  startRateWindowMs: number
  /** Upper bound of that correction (ratio): Ferry's header overhead (3 %) plus 5 % loss, with a little room. */
  maxStartServedCorrection: number
  /** The first fast start's loss rate seeds the random-loss floor once its reports resolved this many bytes (bytes). */
  lossSeedMinBytes: number
  /** Longest drain after the fast start (RTTs), whatever the excess estimate says. */
  maxDrainRtts: number
  /** Fast start: rate growth factor per RTT while no queue forms (×/RTT). */
  startGrowthPerRtt: number
  /** Growth per RTT when the fast start is re-entered after a long-empty queue (×/RTT). */
  restartGrowthPerRtt: number
  /** Re-enter the fast start after the queue has been empty for this many RTTs (RTTs). */
  restartAfterEmptyRtts: number
  /** …and for at least this long (ms). */
  restartAfterEmptyMinMs: number
  /** Fast start ends when queueing delay exceeds this (ms). */
  startExitQueueDelayMs: number
  /**
   * ... or this (ms) while it paces at or below a path rate the caller gave: a queue that short is then a burst (a
   * sender catching up after an event-loop pause sends up to PACING_CATCH_UP_MS at once), not a path slower than said.
   */
  startExitQueueDelayAtPathMs: number
  /** After fast start, pace at this fraction of the receive rate until the queue it built has drained (ratio). */
  drainFactor: number
  /** Bits each `fair` flow aims to keep in the bottleneck queue; target rate = this ÷ queueing delay (bits). */
  fairQueueBits: number
  /** `high` keeps this many times the `fair` bits queued, so it takes this many times a fair share (ratio). */
  highQueueFactor: number
  /** `low` keeps this fraction of the `fair` bits queued (ratio). */
  lowQueueFactor: number
  /** `low` halves its rate once per RTT while queueing delay is at or above this (ms): someone else owns the queue. */
  lowYieldQueueDelayMs: number
  /** `low` yields only after this many RTTs in steady state (RTTs). */
  lowYieldAfterRtts: number
  /** After a yield, `low` does not probe up for this long (ms). */
  lowYieldHoldMs: number
  /** Loop gain per unit of queueing delay over RTT (dimensionless); see §4 for why it must scale with q/RTT. */
  gain: number
  /** Bounds on the per-report loop gain (ratio). */
  minGain: number
  maxGain: number
  /** Queueing delay below this fraction of the flow's own aimed queue counts as an empty queue (ratio). */
  emptyQueueFraction: number
  /** Growth per RTT while the queue is empty (ratio). */
  emptyQueueGrowthPerRtt: number
  /** Ceiling on that growth (ratio per RTT). */
  maxEmptyQueueGrowthPerRtt: number
  /** Steady-state ceiling: the rate never exceeds the loss-corrected receive rate times this (ratio). */
  maxRateOverReceive: number
  /** Floor under queueing delay in the target formula, so an empty queue does not ask for infinity (ms). */
  queueDelayFloorMs: number
  /** Loss is judged over windows of max(RTT, this) (ms). */
  lossWindowMinMs: number
  /** A window's loss counts as congestion only if it exceeds the random-loss estimate by max(this, the estimate) (ratio). */
  congestionLossExcess: number
  /** After a congestion loss, stay in competitive mode this long since the last one (ms). */
  competitiveHoldMs: number
  /** In competitive mode the ceiling grows by this many datagrams per RTT each RTT, per policy (datagrams). */
  competitivePacketsPerRtt: number
  highCompetitivePacketsPerRtt: number
  lowCompetitivePacketsPerRtt: number
  /** Half-life of the largest queueing delay seen (ms). */
  maxQueueHalfLifeMs: number
  /** Congestion cuts are at least this many RTTs apart (RTTs). */
  congestionSpacingRtts: number
  /** After a congestion cut, a loss rate still at least this fraction of the one that caused it is random (ratio). */
  cutCheckLossRatio: number
  /** Loss windows that must feed the random-loss estimate before any loss counts as congestion (count). */
  lossWindowsBeforeCongestion: number
  /** Rate multiplier on a congestion loss, per policy (ratio). */
  congestionBackoff: number
  highCongestionBackoff: number
  lowCongestionBackoff: number
  /** Weight of each loss window in the random-loss estimate (ratio per window). */
  lossEstimateWeight: number
  /** Upper bound of the random-loss estimate (ratio): beyond this, loss is not compensated. */
  maxLossEstimate: number
  /** A loss report counts as congestion, not random, when queueing delay is above this fraction of the largest seen (ratio). */
  congestionQueueFraction: number
  /** Every this long in steady state, the flow briefly cuts its rate so the shared queue empties and every flow re-learns the true base delay (ms). */
  baseProbeIntervalMs: number
  /** During a base probe, pace at this fraction of the pre-probe rate (ratio). */
  baseProbeRateFactor: number
  /** A base probe lasts this many times the current queueing delay, at most one base RTT (ratio). */
  baseProbeQueueMultiple: number
  /** Wire bytes ÷ reported payload bytes is estimated once reports have resolved this many bytes (bytes). */
  overheadMinResolvedBytes: number
  /** Upper bound of that ratio (ratio). */
  maxOverheadRatio: number
  /** Base-delay history: bucket length (ms) and count. */
  baseBucketMs: number
  baseBucketCount: number
  /** Served-rate filter: the largest served sample over this many RTTs, each capped at the largest pacing rate of the same window, holds the rate while the queue is empty (RTTs). */
  servedWindowRtts: number
  /** …only while queueing delay is below this (ms): near zero, where no competitor can be holding a queue. */
  servedHoldQueueDelayMs: number
  /** No report for this many RTTs (at least `silenceMinMs`) and the rate halves every further RTT (RTTs, ms). */
  silenceRtts: number
  silenceMinMs: number
  /** Queueing delay is the minimum over the reports of the last this much report time (ms), so no single report (a burst read after an event-loop stall) moves the rate (spec §3.1). */
  queueFilterMs: number
  /** Report time advances by at most max(this, twice the smoothed report interval) per report (ms): a longer gap between reports is a stall, not time that ages the filter (spec §3.1). */
  reportGapCapMs: number
  /** A gap between reports is a stall whose losses are not judged only when it is longer than this (ms) and than `stallGapIntervals` smoothed report intervals: shorter gaps are ordinary scheduling jitter, and a socket buffer holds far more (spec §3.3). */
  stallGapMinMs: number
  stallGapIntervals: number
}

export const defaultRateControlTunables: Readonly<RateControlTunables> = Object.freeze({
  startBitsPerSec: 4_000_000,
  pathStartFraction: 1,
  pathConfirmFraction: 0.9,
  startRateWindowMs: 25,
  maxStartServedCorrection: 1.15,
  lossSeedMinBytes: 1_000_000,
  maxDrainRtts: 4,
  startGrowthPerRtt: 4,
  startExitQueueDelayMs: 4,
  startExitQueueDelayAtPathMs: 25,
  restartGrowthPerRtt: 2,
  restartAfterEmptyRtts: 4,
  restartAfterEmptyMinMs: 500,
  drainFactor: 0.5,
  fairQueueBits: 800_000,
  highQueueFactor: 3,
  lowQueueFactor: 1 / 16,
  lowYieldQueueDelayMs: 4,
  lowYieldHoldMs: 3000,
  lowYieldAfterRtts: 3,
  gain: 0.5,
  minGain: 0,
  maxGain: 0.5,
  emptyQueueFraction: 0.25,
  emptyQueueGrowthPerRtt: 0.02,
  maxEmptyQueueGrowthPerRtt: 0.1,
  maxRateOverReceive: 1.25,
  queueDelayFloorMs: 0.05,
  lossWindowMinMs: 50,
  congestionLossExcess: 0.01,
  lossWindowsBeforeCongestion: 3,
  maxQueueHalfLifeMs: 60_000,
  congestionSpacingRtts: 2,
  cutCheckLossRatio: 0.7,
  competitiveHoldMs: 10_000,
  competitivePacketsPerRtt: 1,
  highCompetitivePacketsPerRtt: 2,
  lowCompetitivePacketsPerRtt: 0.5,
  congestionBackoff: 0.7,
  highCongestionBackoff: 0.85,
  lowCongestionBackoff: 0.5,
  lossEstimateWeight: 0.1,
  maxLossEstimate: 0.25,
  congestionQueueFraction: 0.8,
  baseProbeIntervalMs: 5_000,
  baseProbeRateFactor: 0.25,
  baseProbeQueueMultiple: 4,
  overheadMinResolvedBytes: 4_000_000,
  maxOverheadRatio: 1.25,
  baseBucketMs: 10_000,
  baseBucketCount: 6,
  servedWindowRtts: 1,
  servedHoldQueueDelayMs: 1,
  silenceRtts: 4,
  silenceMinMs: 500,
  queueFilterMs: 15,
  reportGapCapMs: 5,
  stallGapMinMs: 20,
  stallGapIntervals: 4
})

/** Where the controller is in its life (spec-rate-control.md §2). */
export type RateControlPhase = 'start' | 'drain' | 'steady' | 'probe' | 'fixed'

export interface DelayBasedRateControllerOptions {
  settings: RateSettings
  /** Time the transfer starts (ms). */
  nowMs: number
  /** Overrides of the defaults (tests, experiments). */
  tunables?: Partial<RateControlTunables>
}

/** What the controller currently believes, for progress displays, ops and tests. */
export interface RateControlSnapshot {
  phase: RateControlPhase
  rateBitsPerSec: number
  baseDelayMs: number | undefined
  queueDelayMs: number
  receiveRateBitsPerSec: number
  randomLossEstimate: number
  /** Estimated wire bytes per reported payload byte. */
  overheadRatio: number
  sentBytes: number
}

function checkSettings (settings: RateSettings): RateSettings {
  const policies: RatePolicy[] = ['fixed', 'high', 'fair', 'low']
  if (!policies.includes(settings.policy)) throw new FerryError('FERRY_RATE_SETTINGS', `unknown rate policy ${String(settings.policy)}`)
  if (!(settings.minBitsPerSec > 0) || !Number.isFinite(settings.minBitsPerSec)) throw new FerryError('FERRY_RATE_SETTINGS', 'minBitsPerSec must be a positive number')
  if (!(settings.targetBitsPerSec >= settings.minBitsPerSec) || !Number.isFinite(settings.targetBitsPerSec)) throw new FerryError('FERRY_RATE_SETTINGS', 'targetBitsPerSec must be a finite number ≥ minBitsPerSec')
  const path = settings.pathBitsPerSec
  if (path !== undefined && (!(path > 0) || !Number.isFinite(path))) throw new FerryError('FERRY_RATE_SETTINGS', 'pathBitsPerSec must be a positive number')
  return Object.freeze({ policy: settings.policy, targetBitsPerSec: settings.targetBitsPerSec, minBitsPerSec: settings.minBitsPerSec, ...(path === undefined ? {} : { pathBitsPerSec: path }) })
}

/**
 * Rate-based controller (spec-rate-control.md): fast start by growing the rate while no queue forms, then each
 * report sets the rate to a blend of the (loss-corrected) receive rate and the policy's target rate
 * `queueBits ÷ queueingDelay`, which every flow on the bottleneck computes from the same queue and so converges to
 * the same value.
 */
export class DelayBasedRateController implements RateController {
  private current: RateSettings
  private readonly tun: RateControlTunables
  private readonly base: BaseDelayTracker
  private phase: RateControlPhase
  private rate: number
  private queueDelayMs = 0
  private maxQueueDelayMs = 0
  private receiveRate = 0
  private lossEstimate = 0
  private lastReportMs: number | undefined
  private lastLowHalvingMs = -Infinity
  private rttMs = 100
  /** Cumulative bytes sent over the last two RTTs: sizes the drain (§2.2) and tells in-flight bytes for the overhead (§3.4). */
  private readonly sendHistory = new SendHistory()
  /** When the current fast start began (ms): a drain counts the excess sent since then at most. */
  private startBeganMs = -Infinity
  /** The drain after the fast start lasts until this time (ms) at most, and began at `drainBeganMs`. */
  private drainUntilMs = -Infinity
  private drainBeganMs = -Infinity
  /** What the bottleneck served us when the fast start found the queue (bits/s): the rate to resume at after the drain. */
  private startExitServed = 0
  /**
   * In the fast start with no queue the bottleneck passes all we send: the rate we sent an RTT ago ÷ the served rate of
   * the report is the correction the overhead (§3.4) and loss (§3.3) estimates have not learned yet (ratio).
   */
  private startServedCorrection = 1
  /** Bytes acknowledged and declared lost by the reports of the first fast start while no queue had formed (§3.3). */
  private startAckedBytes = 0
  private startLostBytes = 0
  /** Until this time (ms) the queue readings still show the start's overshoot, which the drain already removed: steady holds the served rate. */
  private drainEchoUntilMs = -Infinity
  /** A report has carried a receive rate: the fast start grows only on feedback from data. */
  private dataFeedback = false
  private windowStartMs = -Infinity
  private windowAckedBytes = 0
  private windowLostBytes = 0
  private emptySinceMs: number | undefined
  private lossWindows = 0
  private restarted = false
  private steadySinceMs = -Infinity
  private learnedWindows = 0
  private lastCongestionMs = -Infinity
  private lossAtCut = 0
  private cutCheckMs = Infinity
  private packetBytes = 1200
  private capRate = Infinity
  private capUntilMs = -Infinity
  /** Base probe: when the next one starts, when the current one ends, when its echo has passed, the rate to go back to. */
  private nextProbeMs = Infinity
  private probeEndMs = 0
  private probeSettleMs = 0
  private preProbeRate = 0
  private minRttMs = Infinity
  private sentBytes = 0
  private resolvedBytes = 0
  private overheadRatio = 1
  /** Recent served samples with the pacing rate in force when each arrived (oldest first), for `filteredServed`. */
  private readonly servedSamples: Array<{ atMs: number, servedBitsPerSec: number, rateBitsPerSec: number }> = []
  /** Report time (ms): advances with the reports, by at most `reportGapCapMs` each, so a stall does not age anything. */
  private reportClockMs = 0
  /** Loss windows still to be passed over because a stall fell into them (spec §3.3). */
  private stallLossWindows = 0
  /** Smoothed interval between reports (ms), of report time: twice it is where a gap becomes a stall. */
  private reportIntervalMs = defaultRateControlTunables.reportGapCapMs
  /** Each report's smallest one-way delay, stamped with report time (oldest first), for the queueing-delay filter. */
  private readonly delaySamples: Array<{ atMs: number, delayMs: number }> = []


  constructor (options: DelayBasedRateControllerOptions) {
    this.current = checkSettings(options.settings)
    this.tun = { ...defaultRateControlTunables, ...options.tunables }
    this.base = new BaseDelayTracker({ bucketMs: this.tun.baseBucketMs, bucketCount: this.tun.baseBucketCount })
    this.phase = this.current.policy === 'fixed' ? 'fixed' : 'start'
    this.rate = this.current.policy === 'fixed' ? this.current.targetBitsPerSec : this.clamp(this.startRate())
    this.lastReportMs = undefined
    this.startBeganMs = options.nowMs
  }

  get settings (): RateSettings {
    return this.current
  }

  configure (settings: RateSettings, nowMs: number): void {
    const next = checkSettings(settings)
    const was = this.current.policy
    this.current = next
    if (next.policy === 'fixed') {
      this.phase = 'fixed'
      this.rate = next.targetBitsPerSec
    } else if (was === 'fixed') {
      // Leaving fixed: probe from the fixed rate as a gentle fast start (spec §2.3); it stops at the first queue.
      this.phase = 'start'
      this.restarted = true
      this.startBeganMs = nowMs
      this.rate = this.clamp(this.rate)
    } else {
      this.rate = this.clamp(this.rate)
    }
    void nowMs
  }

  onPacketSent (sizeBytes: number, nowMs: number): void {
    this.sentBytes += sizeBytes
    if (sizeBytes > this.packetBytes) this.packetBytes = sizeBytes
    this.sendHistory.record(nowMs, this.sentBytes)
  }

  onReport (input: ReceiverReport): void {
    const t = this.tun
    // Byte counts come from the peer's acknowledgement: anything not a finite, non-negative number counts as 0.
    const bytes = (n: number): number => Number.isFinite(n) && n > 0 ? n : 0
    const report: ReceiverReport = { ...input, ackedBytes: bytes(input.ackedBytes), lostBytes: bytes(input.lostBytes) }
    if (!Number.isFinite(report.nowMs)) return
    if (report.rttMs > 0 && Number.isFinite(report.rttMs)) {
      this.rttMs = report.rttMs
      this.minRttMs = Math.min(this.minRttMs, report.rttMs)
    }
    const firstReport = this.lastReportMs === undefined
    const dtMs = this.lastReportMs === undefined ? this.rttMs / 4 : Math.max(0, report.nowMs - this.lastReportMs)
    this.lastReportMs = report.nowMs
    // Report time: a gap longer than a receiver's ack delay is an event-loop stall (ours or the peer's) or a pause,
    // and the burst of reports after it is read within moments; neither is time over which the path changed.
    const gapCapMs = Math.max(t.reportGapCapMs, 2 * this.reportIntervalMs)
    const reportDtMs = Math.min(dtMs, gapCapMs)
    // Losses reported around a stall are the stalled side's socket buffer overflowing, not the path: the loss window
    // the gap ends and the next one are not judged (spec §3.3).
    // Only in steady state: in the fast start and its drain the report interval is still being learned.
    const stallGapMs = Math.max(t.stallGapMinMs, t.stallGapIntervals * this.reportIntervalMs)
    if (dtMs > stallGapMs && !firstReport && this.phase === 'steady') this.stallLossWindows = 2
    this.reportClockMs += reportDtMs
    // Learned in the fast start and drain (any interval up to an RTT), then followed slowly, stalls excluded.
    if (this.phase === 'steady') this.reportIntervalMs += (reportDtMs - this.reportIntervalMs) / 16
    else if (!firstReport) this.reportIntervalMs += (Math.min(dtMs, this.rttMs) - this.reportIntervalMs) / 4
    if (Number.isFinite(report.receiveRateBitsPerSec) && report.receiveRateBitsPerSec >= 0) this.receiveRate = report.receiveRateBitsPerSec
    if (this.receiveRate > 0) this.dataFeedback = true

    // Queueing delay: the smallest sample of the reports of the last `queueFilterMs` of report time, above the base
    // (spec §3.1). The minimum filters jitter and stalls: datagrams read in a burst after a receiver stall waited in
    // its socket buffer, and only the last of them show the path's delay; reports queued behind a sender stall
    // arrive together. Either way the samples from before the gap stay in the window until the burst has passed.
    let minSampleMs = Infinity
    for (const sample of report.oneWayDelayMs) {
      if (!Number.isFinite(sample)) continue
      this.base.add(sample, report.nowMs)
      if (sample < minSampleMs) minSampleMs = sample
    }
    if (minSampleMs !== Infinity) this.delaySamples.push({ atMs: this.reportClockMs, delayMs: minSampleMs })
    while (this.delaySamples.length > 1 && this.reportClockMs - this.delaySamples[0]!.atMs > t.queueFilterMs) this.delaySamples.shift()
    const baseMs = this.base.baseMs
    // The fast start leaves on this report's own reading: the filter's lag would add to the overshoot (spec §2.1).
    const reportQueueDelayMs = minSampleMs !== Infinity && baseMs !== undefined ? minSampleMs - baseMs : this.queueDelayMs
    if (this.delaySamples.length > 0 && baseMs !== undefined) {
      let filteredMs = Infinity
      for (const sample of this.delaySamples) if (sample.delayMs < filteredMs) filteredMs = sample.delayMs
      this.queueDelayMs = filteredMs - baseMs
    }
    const q = this.queueDelayMs
    // The largest queueing delay seen approximates the bottleneck's buffer (the fast start usually fills it); it
    // decays slowly so a changed path is re-learned.
    this.maxQueueDelayMs = Math.max(q, this.maxQueueDelayMs * Math.pow(0.5, dtMs / t.maxQueueHalfLifeMs))

    // Loss is judged per window of at least one RTT (spec §3.3): within the random-loss floor it only corrects the
    // receive rate; well above it while the queue is near its fullest, it is a drop-tail overflow, i.e. congestion.
    if (report.ackedBytes >= 0 && report.lostBytes >= 0 && report.nowMs >= this.windowStartMs) {
      this.windowAckedBytes += report.ackedBytes
      this.windowLostBytes += report.lostBytes
    }
    let congestion = false
    if (report.nowMs - this.windowStartMs >= Math.max(this.rttMs, t.lossWindowMinMs)) {
      const total = this.windowAckedBytes + this.windowLostBytes
      const stalled = this.stallLossWindows > 0
      if (stalled) this.stallLossWindows--
      if (total > 0 && !stalled) {
        const p = this.windowLostBytes / total
        const queueFull = q > t.startExitQueueDelayMs && q >= t.congestionQueueFraction * this.maxQueueDelayMs
        const learning = this.phase === 'fixed' || this.steadySinceMs > -Infinity
        // Cut and check (spec §3.3): a loss that did not shrink after our cut although the queue is no longer full
        // does not depend on anyone's rate, so it is random: it becomes the floor. Overflow losses stop once the
        // senders back off; a queue still full means someone else keeps it full.
        if (report.nowMs >= this.cutCheckMs) {
          this.cutCheckMs = Infinity
          if (!queueFull && p >= t.cutCheckLossRatio * this.lossAtCut) this.lossEstimate = Math.min(t.maxLossEstimate, Math.max(this.lossEstimate, p))
        }
        const excess = p - this.lossEstimate > Math.max(t.congestionLossExcess, this.lossEstimate)
        if (learning) this.lossWindows++
        // Until a few windows have passed and one of them (or the fast start) taught us the random-loss floor, no loss
        // counts as congestion: a flow whose start never overflowed the buffer (a start at the known path rate, a
        // target at the link's rate) has only its own standing queue as the deepest seen, so "full" says nothing yet.
        if (excess && queueFull && this.lossWindows >= t.lossWindowsBeforeCongestion && this.learnedWindows > 0) {
          if (report.nowMs - this.lastCongestionMs >= t.congestionSpacingRtts * this.rttMs) {
            congestion = true
            this.lastCongestionMs = report.nowMs
            this.lossAtCut = p
            this.cutCheckMs = report.nowMs + t.congestionSpacingRtts * this.rttMs
          }
        } else if (learning && !queueFull) {
          // A plain average over the first windows, then an EWMA: learn the floor fast, then follow it slowly. Only
          // while the queue is not full: a full drop-tail queue drops for its own reasons.
          this.learnedWindows++
          const weight = Math.max(t.lossEstimateWeight, 1 / this.learnedWindows)
          this.lossEstimate += weight * (Math.min(t.maxLossEstimate, p) - this.lossEstimate)
        }
      }
      this.windowStartMs = report.nowMs
      this.windowAckedBytes = 0
      this.windowLostBytes = 0
    }
    this.sendHistory.forgetBefore(report.nowMs - 2 * this.rttMs)
    if (report.ackedBytes > 0) this.resolvedBytes += report.ackedBytes
    if (report.lostBytes > 0) this.resolvedBytes += report.lostBytes
    if (this.phase === 'fixed') return

    // Wire overhead (spec §3.4): the receiver may count payload while we pace datagrams; the ratio of what we put on
    // the wire to what reports resolved (acked + lost), less what is still in flight, converts one into the other.
    // Learned in steady state only: in the fast start and its drain the bytes of the last RTT are a large, fast-changing
    // part of the total and the reports lag them, which skews the ratio by tens of percent.
    if (this.resolvedBytes >= t.overheadMinResolvedBytes && this.phase === 'steady' && report.nowMs >= this.drainEchoUntilMs) {
      const ratio = this.sendHistory.sentBy(report.nowMs - this.rttMs) / this.resolvedBytes
      if (Number.isFinite(ratio)) this.overheadRatio = Math.min(t.maxOverheadRatio, Math.max(1, ratio))
    }
    // In steady state, until the loss floor is learned (§3.3), the start's correction stands in for it and for any
    // overhead not yet learned (the start and drain apply it themselves).
    const unlearned = this.learnedWindows === 0 && this.phase !== 'start' && this.phase !== 'drain' ? Math.max(1, this.startServedCorrection / this.overheadRatio) : 1
    const served = unlearned * this.overheadRatio * this.receiveRate / (1 - Math.min(this.lossEstimate, t.maxLossEstimate))
    this.recordServed(served, report.nowMs)
    switch (this.phase) {
      case 'start':
        if (reportQueueDelayMs > this.startExitQueueDelayMs()) {
          this.seedLossEstimate()
          // The best served rate of the last RTT, not this one report's: the start can end on the first reports of a
          // transfer, whose windows are short or open on a burst, and the drain resumes at this rate (spec §2.2).
          const exitServed = Math.max(served, this.filteredServed()) * this.startServedCorrection
          this.phase = 'drain'
          this.drainUntilMs = report.nowMs + this.drainMs(exitServed, report.nowMs)
          this.drainBeganMs = report.nowMs
          this.startExitServed = exitServed
          this.rate = this.clamp(exitServed * t.drainFactor)
        } else if (this.dataFeedback) {
          this.learnStartCorrection(served, report.nowMs)
          if (!this.restarted) {
            this.startAckedBytes += report.ackedBytes
            this.startLostBytes += report.lostBytes
          }
          // Grow in time, not per report, so the report interval does not change the growth (spec §2.1); only on
          // feedback from data: reports before it (the receiver's sync) say nothing about the path.
          // A known path rate is a ceiling until the receiver confirms it (a belief too high costs one RTT, not more);
          // past it the start grows as gently as a restart: the bottleneck is likely near.
          const path = this.current.pathBitsPerSec
          const growth = this.restarted || path !== undefined ? t.restartGrowthPerRtt : t.startGrowthPerRtt
          let next = this.rate * Math.pow(growth, Math.min(dtMs, this.rttMs) / this.rttMs)
          if (path !== undefined && !this.restarted && served < t.pathConfirmFraction * path) next = Math.min(next, Math.max(this.rate, path))
          this.rate = this.clamp(next)
        }
        return
      case 'probe':
        if (report.nowMs < this.probeSettleMs) return
        this.phase = 'steady'
        break
      case 'drain': {
        // Drain for as long as it takes to remove the start's excess (spec §2.2), or, once the reports reflect the
        // drain (an RTT after it began; before that they still show the queue growing), until the queue is low enough
        // that what is in flight at the lower rate drains the rest: the bottleneck may have dropped much of the excess.
        // `low` also drains all the way to its yield threshold, so it does not later take its own queue for a competitor.
        // A report speaks of a datagram sent one base RTT plus its queueing delay ago.
        const feedbackLagMs = (Number.isFinite(this.minRttMs) ? this.minRttMs : this.rttMs) + Math.max(0, q)
        const reflected = report.nowMs >= this.drainBeganMs + feedbackLagMs
        const drainedMs = Math.max(t.startExitQueueDelayMs, (1 - t.drainFactor) * this.minRttMs)
        const done = report.nowMs >= this.drainUntilMs || (reflected && q <= drainedMs)
        if (done && (this.current.policy !== 'low' || q <= t.lowYieldQueueDelayMs)) {
          this.phase = 'steady'
          this.steadySinceMs = report.nowMs
          // A drain that emptied the queue measured less than the bottleneck serves: resume at what it served then.
          this.rate = this.clamp(Math.max(served, this.startExitServed))
          // Losses reported in the next two RTTs (the RTT still counts the start's queue) are the fast start's own
          // overshoot, a restart's included: judge loss afresh after that.
          this.windowStartMs = report.nowMs + 2 * this.rttMs
          this.windowAckedBytes = 0
          this.windowLostBytes = 0
          this.nextProbeMs = report.nowMs + t.baseProbeIntervalMs
          // Only a drain that removed something has an echo to pass over.
          if (this.drainUntilMs > this.drainBeganMs) this.drainEchoUntilMs = report.nowMs + feedbackLagMs
          return
        }
        this.rate = this.clamp(served * this.startServedCorrection * t.drainFactor)
        return
      }
      default:
        break
    }
    if (report.nowMs < this.drainEchoUntilMs && this.current.policy !== 'low') {
      // The reports of the RTT after the drain still carry the start's queue, already drained: reacting to it again
      // would cut the rate twice for one overshoot (spec §2.2).
      this.rate = this.clamp(Math.max(served, this.startExitServed))
      return
    }
    if (congestion && this.phase === 'steady') {
      // A loss-based competitor fills the queue: back off as TCP would, and hold the cut for one RTT so the reports
      // still carrying the old rate do not undo it (spec §4.4).
      const factor = this.current.policy === 'low' ? t.lowCongestionBackoff : this.current.policy === 'high' ? t.highCongestionBackoff : t.congestionBackoff
      this.capRate = this.clamp(Math.min(this.rate, served) * factor)
      this.capUntilMs = report.nowMs + t.competitiveHoldMs
    } else if (report.nowMs < this.capUntilMs) {
      // Competitive mode: the ceiling grows as a TCP window would, a few datagrams per RTT per RTT (spec §4.4).
      const packets = this.current.policy === 'high' ? t.highCompetitivePacketsPerRtt : this.current.policy === 'low' ? t.lowCompetitivePacketsPerRtt : t.competitivePacketsPerRtt
      this.capRate += packets * this.packetBytes * 8000 / this.rttMs * (dtMs / this.rttMs)
    }
    this.steady(served, q, report.nowMs)
    if (report.nowMs < this.capUntilMs) this.rate = Math.min(this.rate, this.capRate)
  }

  rateBitsPerSec (nowMs: number): number {
    if (this.phase === 'fixed' || this.lastReportMs === undefined) return this.rate
    if (this.phase === 'probe') return nowMs < this.probeEndMs ? this.clamp(this.preProbeRate * this.tun.baseProbeRateFactor) : this.preProbeRate
    const graceMs = Math.max(this.tun.silenceRtts * this.rttMs, this.tun.silenceMinMs)
    const silentMs = nowMs - this.lastReportMs - graceMs
    if (silentMs <= 0) return this.rate
    // Reports stopped: the path or the peer is gone; back off instead of flooding it (spec §2.4).
    return this.clamp(this.rate * Math.pow(0.5, silentMs / this.rttMs))
  }

  snapshot (): RateControlSnapshot {
    return {
      phase: this.phase,
      rateBitsPerSec: this.rate,
      baseDelayMs: this.base.baseMs,
      queueDelayMs: this.queueDelayMs,
      receiveRateBitsPerSec: this.receiveRate,
      randomLossEstimate: this.lossEstimate,
      overheadRatio: this.overheadRatio,
      sentBytes: this.sentBytes
    }
  }

  private steady (served: number, q: number, nowMs: number): void {
    const t = this.tun
    const policy = this.current.policy
    if (nowMs >= this.nextProbeMs) {
      // Base probe (spec §3.2): empty the shared queue for a moment, then hold the old rate until the reports
      // that reflect the cut have passed, so the dip is not mistaken for a slower path.
      this.nextProbeMs = nowMs + t.baseProbeIntervalMs
      const minRtt = Number.isFinite(this.minRttMs) ? this.minRttMs : this.rttMs
      const durationMs = Math.min(minRtt, t.baseProbeQueueMultiple * q)
      if (durationMs > 0.5) {
        this.phase = 'probe'
        this.preProbeRate = this.rate
        this.probeEndMs = nowMs + durationMs
        this.probeSettleMs = this.probeEndMs + this.rttMs
        return
      }
    }
    // The queue `low` finds in its first RTTs of steady state is the rest of its own fast start: not a reason to yield.
    if (policy === 'low' && q >= t.lowYieldQueueDelayMs && nowMs - this.steadySinceMs >= t.lowYieldAfterRtts * this.rttMs) {
      if (nowMs - this.lastLowHalvingMs >= this.rttMs) {
        this.lastLowHalvingMs = nowMs
        this.rate = this.clamp(Math.min(this.rate, served) / 2)
      }
      return
    }
    const factor = policy === 'high' ? t.highQueueFactor : policy === 'low' ? t.lowQueueFactor : 1
    const targetRate = factor * t.fairQueueBits / (Math.max(q, t.queueDelayFloorMs) / 1000)
    const g = Math.min(t.maxGain, Math.max(t.minGain, t.gain * q / this.rttMs))
    // One report's receive rate is one 25 ms window at a real receiver, low whenever its event loop paused: below the
    // flow's aimed queue the law starts from the best served rate of the last RTT instead (spec §4.1). Not for `low`,
    // and not in competitive mode, where the cap is the brake.
    const aimQueueMs = 1000 * factor * t.fairQueueBits / Math.max(served, 1)
    const lawServed = policy !== 'low' && nowMs >= this.capUntilMs && q < aimQueueMs ? Math.max(served, this.filteredServed()) : served
    let next = (1 - g) * lawServed + g * targetRate
    // No queue to speak of: the bottleneck has room (a competitor left, or we are below it); probe up by a fixed
    // fraction per RTT rather than by the tiny gain the empty queue implies (spec §4.3).
    // `low` that has just yielded does not probe up: the queue may be empty only because the other flow is in its
    // own drain or probe (LEDBAT's slow recovery).
    const holding = policy === 'low' && nowMs - this.lastLowHalvingMs < t.lowYieldHoldMs
    let ceilingServed = served
    if (q < t.emptyQueueFraction * aimQueueMs && !holding) {
      // The longer the queue stays empty, the faster we probe: doubling the step every RTT, up to the ceiling.
      if (this.emptySinceMs === undefined) this.emptySinceMs = nowMs
      const step = t.emptyQueueGrowthPerRtt * Math.pow(2, (nowMs - this.emptySinceMs) / this.rttMs)
      // With no queue, the queue is the brake, not one noisy receive-rate sample: probe from the recent best
      // served rate (capped at what we paced), so the rate does not ratchet down on a low sample (spec §4.3).
      // Not in competitive mode: a loss-based competitor's queue comes and goes, and there the cap is the brake.
      if (policy !== 'low' && q < t.servedHoldQueueDelayMs && nowMs >= this.capUntilMs) ceilingServed = Math.max(served, this.filteredServed())
      next = Math.max(next, ceilingServed * (1 + Math.min(step, t.maxEmptyQueueGrowthPerRtt)))
      // Empty for long: much more room than the steady law can find soon (a competitor left, or we started behind
      // one): probe again as in the fast start, more gently (spec §2.3).
      if (policy !== 'low' && nowMs - this.emptySinceMs >= Math.max(t.restartAfterEmptyRtts * this.rttMs, t.restartAfterEmptyMinMs) && nowMs >= this.capUntilMs) {
        this.phase = 'start'
        this.restarted = true
        this.startBeganMs = nowMs
        this.emptySinceMs = undefined
      }
    } else {
      this.emptySinceMs = undefined
    }
    // The ceiling follows the recent best served rate, not one sample: a receive rate measured across a stall (ours or
    // the receiver's) is low for reasons that are not the path's (spec §4.1). Not in competitive mode (§4.4).
    const ceilingBase = nowMs >= this.capUntilMs && policy !== 'low' ? Math.max(ceilingServed, this.filteredServed()) : ceilingServed
    this.rate = this.clamp(Math.min(next, Math.max(ceilingBase, this.current.minBitsPerSec) * t.maxRateOverReceive))
  }

  /**
   * The first fast start's losses before any queue formed cannot be overflow: they are the path's random loss, and
   * they seed its floor (§3.3), so steady state does not run short of it for the three RTTs of its first windows.
   */
  private seedLossEstimate (): void {
    const total = this.startAckedBytes + this.startLostBytes
    if (this.restarted || this.learnedWindows > 0 || total < this.tun.lossSeedMinBytes) return
    this.lossEstimate = Math.min(this.tun.maxLossEstimate, this.startLostBytes / total)
    this.learnedWindows = 1
  }

  /** See `startServedCorrection`: our send rate over the receiver's rate window one RTT ago ÷ this report's served rate. */
  private learnStartCorrection (servedBitsPerSec: number, nowMs: number): void {
    const t = this.tun
    const toMs = nowMs - this.rttMs
    const fromMs = toMs - t.startRateWindowMs
    if (fromMs < this.startBeganMs || !(servedBitsPerSec > 0)) return
    const sentBitsPerSec = 8000 * (this.sendHistory.sentBy(toMs) - this.sendHistory.sentBy(fromMs)) / t.startRateWindowMs
    const correction = sentBitsPerSec / servedBitsPerSec
    // More than overhead and loss explain: the bottleneck is already shared or full (the base we measured holds another
    // flow's queue), and the difference is not ours to add.
    if (Number.isFinite(correction)) this.startServedCorrection = correction > t.maxStartServedCorrection ? 1 : Math.max(1, correction)
  }

  /** Keeps the served samples of the last `servedWindowRtts` RTTs, each with the pacing rate it was measured under. */
  private recordServed (servedBitsPerSec: number, nowMs: number): void {
    if (!Number.isFinite(servedBitsPerSec)) return
    this.servedSamples.push({ atMs: nowMs, servedBitsPerSec, rateBitsPerSec: this.rate })
    const windowMs = this.tun.servedWindowRtts * this.rttMs
    while (this.servedSamples.length > 1 && nowMs - this.servedSamples[0].atMs > windowMs) this.servedSamples.shift()
  }

  /** The largest recent served sample, no larger than the largest recent pacing rate: a burst measured at the receiver cannot exceed what was sent. */
  private filteredServed (): number {
    let maxServed = 0
    let maxRate = 0
    for (const sample of this.servedSamples) {
      if (sample.servedBitsPerSec > maxServed) maxServed = sample.servedBitsPerSec
      if (sample.rateBitsPerSec > maxRate) maxRate = sample.rateBitsPerSec
    }
    return Math.min(maxServed, maxRate)
  }

  /** The queue that ends the fast start (ms, spec §2.1): longer while it paces at or below a path rate the caller gave. */
  private startExitQueueDelayMs (): number {
    const t = this.tun
    const path = this.current.pathBitsPerSec
    return path !== undefined && this.rate <= path ? Math.max(t.startExitQueueDelayMs, t.startExitQueueDelayAtPathMs) : t.startExitQueueDelayMs
  }

  /** The first pacing rate (spec §2.1): a fraction of the path's rate when the caller knows it, else the cautious default. */
  private startRate (): number {
    const path = this.current.pathBitsPerSec
    return path === undefined ? this.tun.startBitsPerSec : Math.max(this.tun.startBitsPerSec, this.tun.pathStartFraction * path)
  }

  /**
   * How long to drain after the fast start (ms, spec §2.2): the bytes sent over the last RTT beyond what the bottleneck
   * serves in an RTT are the overshoot still on its way into the queue; pacing at `drainFactor` × served removes them
   * at (1 − drainFactor) × served. A standing queue someone else keeps is not counted: it was there before.
   */
  private drainMs (servedBitsPerSec: number, nowMs: number): number {
    const t = this.tun
    const maxMs = t.maxDrainRtts * this.rttMs
    if (!(servedBitsPerSec > 0)) return maxMs
    // A start shorter than an RTT (a restart) counts from its beginning: before it the rate was the steady law's.
    const fromMs = Math.max(nowMs - this.rttMs, this.startBeganMs)
    const excessBits = 8 * (this.sentBytes - this.sendHistory.sentBy(fromMs)) - servedBitsPerSec * (nowMs - fromMs) / 1000
    return Math.min(maxMs, Math.max(0, 1000 * excessBits / ((1 - t.drainFactor) * servedBitsPerSec)))
  }

  private clamp (rateBitsPerSec: number): number {
    // A NaN that slipped through arithmetic must never reach the pacer: fall back to the minimum.
    if (Number.isNaN(rateBitsPerSec)) return this.current.minBitsPerSec
    return Math.min(this.current.targetBitsPerSec, Math.max(this.current.minBitsPerSec, rateBitsPerSec))
  }
}
