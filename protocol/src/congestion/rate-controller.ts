// The contract between a sending session and its rate controller: the session reports, the controller sets the pacing rate (SPEC.md §rate control).

/** How a transfer shares the path with other traffic. */
export type RatePolicy = 'fixed' | 'high' | 'fair' | 'low'

export interface RateSettings {
  policy: RatePolicy
  /** The rate the user asked for (bits/s): `fixed` sends at it, the others never exceed it. */
  targetBitsPerSec: number
  /** The controller never paces below this (bits/s), whatever the path reports. */
  minBitsPerSec: number
  /**
   * The path's rate as the user knows it (bits/s), e.g. their link's: the fast start paces its first RTT at half of
   * it and grows to it, but beyond it only once the receiver has confirmed it, so a belief up to twice too high costs
   * at most one RTT of excess (spec-rate-control.md §2.1). Absent: the controller's cautious default start. Read
   * when the transfer starts.
   */
  pathBitsPerSec?: number
}

/** What the receiver said in one acknowledgement, as the sender's session decodes it. */
export interface ReceiverReport {
  /** Sender's clock when the report arrived (ms). */
  nowMs: number
  /** Payload bytes newly acknowledged by this report. */
  ackedBytes: number
  /** Payload bytes this report newly declared missing (NACKed for the first time). */
  lostBytes: number
  /**
   * Receive rate the receiver measured over its last report interval (bits/s). Payload or datagram bits may be
   * counted: DelayBasedRateController learns the ratio of `onPacketSent` bytes to acked + lost bytes
   * (spec-rate-control.md §3.4), so `ackedBytes`/`lostBytes` must be counted in the same unit as this rate.
   */
  receiveRateBitsPerSec: number
  /**
   * One-way delay samples (ms, receiver clock minus sender timestamp): only their variation matters, since the
   * clocks are not synchronized; the minimum seen is the base delay, and sample − base is the queueing delay.
   */
  oneWayDelayMs: number[]
  /** Smoothed round-trip time measured by the session (ms); NaN while the session has no sample from data yet (controllers keep their own until then). */
  rttMs: number
}

/**
 * Sets the sending rate from receiver reports. Pure: time arrives as arguments, never read from a clock.
 * Call `onPacketSent` for every datagram put on the wire, `onReport` for every acknowledgement, and read
 * `rateBitsPerSec(nowMs)` before pacing the next datagram. `configure` may be called at any time during a transfer.
 */
export interface RateController {
  configure (settings: RateSettings, nowMs: number): void
  onPacketSent (sizeBytes: number, nowMs: number): void
  onReport (report: ReceiverReport): void
  /** The pacing rate to use now (bits/s), always within [minBitsPerSec, targetBitsPerSec]. */
  rateBitsPerSec (nowMs: number): number
  /** Read-only view for progress and ops (`/api/v1/transfers`). */
  readonly settings: RateSettings
}
