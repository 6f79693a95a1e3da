// bench:sim's scenarios (issue 3's matrix, two fair flows, low yielding to fair, CPU stalls) and how each run's figures are measured from the simulation.
import { simulate, type SimulationResult, type SimStallSpec } from '../../protocol/src/sim/simulator.js'
import { PAYLOAD_FRACTION } from '../../protocol/src/wire/datagram-codec.js'
import type { RatePolicy } from '../../protocol/src/congestion/rate-controller.js'
import { efficiencyBound } from './efficiency-bound.js'
import { evaluateGoals } from './goals.js'

/**
 * `fair` flows are told the link's rate (RateSettings.pathBitsPerSec), as a user who knows their link says so: their
 * fast start paces the first RTT at half of it (spec-rate-control.md §2.1). `low` flows start at the cautious default.
 */
const KNOWN_PATH = true

/** Payload bytes ÷ wire bytes of a full datagram on a 1500-byte MTU (Ferry header + data frame header + AEAD tag + 28 bytes IP/UDP). */
export const payloadFraction = PAYLOAD_FRACTION

/** One scenario's figures: the fields issue 3 lists first, then the measurements its goals need. */
export interface SimRow {
  scenario: string
  capacityMbps: number
  rttMs: number
  lossPct: number
  bytes: number
  goodputMbps: number
  payloadFraction: number
  efficiency: number
  redundantRatio: number
  maxQueueDelayMs: number
  virtualSeconds: number
  wallSeconds: number
  /** CPU time the simulation took (user + system, s): the simulator's cost, less dependent on machine load than wallSeconds. */
  cpuSeconds: number
  /** Every file arrived and its SHA-256 checked out. */
  ok: boolean
  /** The AEAD the sessions negotiated: every scenario runs the real per-datagram encryption. */
  cipher: string
  /** Mean bottleneck queueing delay after the first 3 s (ms). */
  standingQueueDelayMs: number
  /** Seconds from the (first) flow's start until a 100 ms bin reached 90 % of capacity × payloadFraction. */
  secondsTo90PctCapacity: number | null
  /**
   * Efficiency once up to speed: goodput from the end of that first 90 % bin to completion, over the same denominator as
   * `efficiency`. Not an issue-3 figure: it separates the start (handshake, ramp, which a 9 s transfer at 1 Gbit/s cannot
   * amortize) from holding the link. Null when 90 % was never reached.
   */
  steadyEfficiency: number | null
  /** Single flow: the best `efficiency` any sender could reach under this timing (one-way delay, tail repair; the handshake costs nothing, data goes in the first flight; spec-rate-control.md §7). Not an issue-3 figure. */
  efficiencyBound?: number
  /** Two flows: each one's share of the delivered bytes while both ran (from 5 s after the second started). */
  shareFirst?: number
  shareSecond?: number
  /** `low` then `fair`: the low flow's share of the link in the second after fair start + 2 s. */
  lowShareOfLink2sAfterFairStart?: number
  /** Stall scenario: share of the transfer time each endpoint was stalled, and datagrams a full receive buffer dropped. */
  senderStalledFraction?: number
  receiverStalledFraction?: number
  stallDroppedDatagrams?: number
  /** Goals this row is held to (issue 3), and the ones it missed with the figure that missed. */
  goals: string[]
  unmetGoals: string[]
}

export interface Scenario {
  name: string
  /** Part of the CI-size run (`--quick`). */
  quick: boolean
  run: (bytes: number) => SimRow
}

function file (bytes: number): Array<{ relativePath: string, kind: 'file', sizeBytes: number }> {
  return [{ relativePath: 'payload.bin', kind: 'file', sizeBytes: bytes }]
}

/** Seconds from a flow's start until its receive rate first reaches `fraction` of capacity (per bin). */
function secondsToReach (result: SimulationResult, flow: number, capacityBitsPerSec: number, fraction: number): number | null {
  const f = result.flows[flow]!
  for (let i = 0; i < f.binBytes.length; i++) {
    if ((f.binBytes[i]! * 8000) / result.binMs >= fraction * capacityBitsPerSec * payloadFraction) return Math.max(0, ((i + 1) * result.binMs - f.startMs) / 1000)
  }
  return null
}

/** Goodput from the end of the first bin at ≥ 90 % of capacity to completion ÷ (capacity × (1 − loss) × payloadFraction). */
function steadyEfficiencyOf (result: SimulationResult, flow: number, capacityBitsPerSec: number, lossPct: number): number | null {
  const f = result.flows[flow]!
  const t90 = secondsToReach(result, flow, capacityBitsPerSec, 0.9)
  const endMs = f.completedMs ?? result.virtualMs
  if (t90 === null) return null
  const fromMs = f.startMs + t90 * 1000
  if (endMs <= fromMs) return null
  let bytes = 0
  for (let i = Math.round(fromMs / result.binMs); i < f.binBytes.length; i++) bytes += f.binBytes[i]!
  return (bytes * 8000 / (endMs - fromMs)) / (capacityBitsPerSec * (1 - lossPct / 100) * payloadFraction)
}

/** A flow's receive rate over [fromMs, toMs) (bits/s). */
function rateOver (result: SimulationResult, flow: number, fromMs: number, toMs: number): number {
  const bins = result.flows[flow]!.binBytes
  let bytes = 0
  for (let i = Math.floor(fromMs / result.binMs); i < Math.min(bins.length, Math.floor(toMs / result.binMs)); i++) bytes += bins[i]!
  return (bytes * 8000) / (toMs - fromMs)
}

function finish (row: Omit<SimRow, 'goals' | 'unmetGoals'>): SimRow {
  const { goals, unmet } = evaluateGoals(row)
  return { ...row, goals, unmetGoals: unmet }
}

/** One flow over a link of `capacityMbps`, `rttMs`, random loss `lossPct` on each direction, optionally with CPU stalls. */
/** CPU seconds (user + system) since `from`. */
function cpuSince (from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from)
  return (d.user + d.system) / 1e6
}

function singleFlow (name: string, capacityMbps: number, rttMs: number, lossPct: number, bytes: number, stalls?: SimStallSpec): SimRow {
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const capacity = capacityMbps * 1e6
  const result = simulate({
    capacityBitsPerSec: capacity, rttMs, lossRate: lossPct / 100, seed: capacityMbps * 1000 + rttMs * 10 + lossPct, stalls,
    flows: [{ entries: file(bytes), rate: { policy: 'fair', targetBitsPerSec: capacity * 2, minBitsPerSec: 1e6, ...(KNOWN_PATH ? { pathBitsPerSec: capacity } : {}) } }]
  })
  const wallSeconds = (performance.now() - t0) / 1000
  const cpuSeconds = cpuSince(cpu0)
  const f = result.flows[0]!
  const transferMs = (f.completedMs ?? result.virtualMs) - f.startMs
  const goodputMbps = (f.payloadBytes * 8) / (transferMs / 1000) / 1e6
  return finish({
    scenario: name, capacityMbps, rttMs, lossPct, bytes: f.payloadBytes, goodputMbps,
    payloadFraction, efficiency: goodputMbps / (capacityMbps * (1 - lossPct / 100) * payloadFraction),
    redundantRatio: Math.max(0, f.retransmittedBytes - f.payloadBytesLost) / f.payloadBytes,
    maxQueueDelayMs: result.maxQueueDelayMs, virtualSeconds: result.virtualMs / 1000, wallSeconds, cpuSeconds, ok: f.ok, cipher: f.cipherSuite ?? 'none',
    standingQueueDelayMs: result.standingQueueDelayMs, secondsTo90PctCapacity: secondsToReach(result, 0, capacity, 0.9),
    steadyEfficiency: steadyEfficiencyOf(result, 0, capacity, lossPct),
    efficiencyBound: efficiencyBound(f.payloadBytes, capacity, rttMs, lossPct / 100, payloadFraction),
    ...(stalls === undefined
      ? {}
      : { senderStalledFraction: f.senderStalledMs / transferMs, receiverStalledFraction: f.receiverStalledMs / transferMs, stallDroppedDatagrams: f.stallDroppedDatagrams })
  })
}

/** Two flows over 100 Mbit/s, 50 ms, no random loss: the second starts at `secondStartMs`. */
function twoFlows (name: string, policies: [RatePolicy, RatePolicy], secondStartMs: number, bytesEach: number): SimRow {
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const capacityMbps = 100
  const rttMs = 50
  const capacity = capacityMbps * 1e6
  const result = simulate({
    capacityBitsPerSec: capacity, rttMs, seed: 77,
    flows: policies.map((policy, i) => ({ startMs: i === 0 ? 0 : secondStartMs, entries: file(bytesEach), rate: { policy, targetBitsPerSec: capacity * 2, minBitsPerSec: 0.5e6, ...(policy === 'low' || !KNOWN_PATH ? {} : { pathBitsPerSec: capacity }) } }))
  })
  const wallSeconds = (performance.now() - t0) / 1000
  const cpuSeconds = cpuSince(cpu0)
  const [a, b] = result.flows
  const overlapEnd = Math.min(a!.completedMs ?? result.virtualMs, b!.completedMs ?? result.virtualMs)
  const from = secondStartMs + 5_000
  const rateA = rateOver(result, 0, from, overlapEnd)
  const rateB = rateOver(result, 1, from, overlapEnd)
  const end = Math.max(a!.completedMs ?? result.virtualMs, b!.completedMs ?? result.virtualMs)
  const goodputMbps = ((a!.payloadBytes + b!.payloadBytes) * 8) / (end / 1000) / 1e6
  return finish({
    scenario: name, capacityMbps, rttMs, lossPct: 0, bytes: a!.payloadBytes + b!.payloadBytes, goodputMbps, payloadFraction,
    efficiency: goodputMbps / (capacityMbps * payloadFraction),
    redundantRatio: Math.max(0, a!.retransmittedBytes + b!.retransmittedBytes - a!.payloadBytesLost - b!.payloadBytesLost) / (a!.payloadBytes + b!.payloadBytes),
    maxQueueDelayMs: result.maxQueueDelayMs, virtualSeconds: result.virtualMs / 1000, wallSeconds, cpuSeconds, ok: a!.ok && b!.ok, cipher: a!.cipherSuite ?? 'none',
    standingQueueDelayMs: result.standingQueueDelayMs, secondsTo90PctCapacity: secondsToReach(result, 0, capacity, 0.9), steadyEfficiency: null,
    shareFirst: rateA / (rateA + rateB), shareSecond: rateB / (rateA + rateB),
    ...(policies[0] === 'low' ? { lowShareOfLink2sAfterFairStart: rateOver(result, 0, secondStartMs + 2_000, secondStartMs + 3_000) / (capacity * payloadFraction) } : {})
  })
}

/** Stalls of the stall scenario: tens of ms, about once a second, at both endpoints. */
export const stallScenarioStalls: SimStallSpec = { meanIntervalMs: 1000, minMs: 20, maxMs: 80, endpoints: 'both' }

/** Every scenario of the default run, in order. */
export function allScenarios (): Scenario[] {
  const out: Scenario[] = []
  for (const capacityMbps of [100, 1000]) {
    for (const rttMs of [10, 100, 200, 300, 600]) {
      for (const lossPct of [0, 0.1, 1, 2, 5]) {
        const name = `matrix-${capacityMbps}mbps-${rttMs}ms-${lossPct}pct`
        const quick = (capacityMbps === 100 && (rttMs === 10 || rttMs === 200)) || (capacityMbps === 1000 && rttMs === 100)
        out.push({ name, quick, run: bytes => singleFlow(name, capacityMbps, rttMs, lossPct, bytes) })
      }
    }
  }
  out.push({ name: 'two-fair-sessions', quick: true, run: bytes => twoFlows('two-fair-sessions', ['fair', 'fair'], 2_000, Math.min(bytes, 512 * 1024 * 1024)) })
  out.push({ name: 'low-yields-to-fair', quick: true, run: bytes => twoFlows('low-yields-to-fair', ['low', 'fair'], 5_000, Math.min(bytes, 512 * 1024 * 1024)) })
  out.push({ name: 'stall-100M-50ms-1pct', quick: true, run: bytes => singleFlow('stall-100M-50ms-1pct', 100, 50, 1, bytes, stallScenarioStalls) })
  return out
}
