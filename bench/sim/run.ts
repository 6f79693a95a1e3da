// bench:sim — real Ferry sessions over the simulated path in virtual time: the matrix, two fair flows, low yielding to fair.
// Usage: npm run bench:sim -- [--json] [--quick] [--bytes N] [--only SUBSTRING]
import '../../protocol/src/polyfill/promise-with-resolvers.js'
import { simulate, type SimulationResult } from '../../protocol/src/sim/simulator.js'
import { MAX_PAYLOAD_BYTES, MAX_DATAGRAM_BYTES } from '../../protocol/src/wire/datagram-codec.js'
import type { RatePolicy } from '../../protocol/src/congestion/rate-controller.js'

const args = process.argv.slice(2)
const json = args.includes('--json')
const quick = args.includes('--quick')
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined }
const GiB = 1024 ** 3
const bytesPerScenario = Number(flag('--bytes') ?? (quick ? 64 * 1024 * 1024 : GiB))
const only = flag('--only')

/** Payload bytes ÷ wire bytes of a full datagram on a 1500-byte MTU (Ferry header + AEAD tag + 28 bytes IP/UDP). */
const payloadFraction = MAX_PAYLOAD_BYTES / (MAX_DATAGRAM_BYTES + 28)

interface Row {
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
  ok: boolean
  [extra: string]: unknown
}

function file (bytes: number): Array<{ relativePath: string, kind: 'file', sizeBytes: number }> {
  return [{ relativePath: 'payload.bin', kind: 'file', sizeBytes: bytes }]
}

/** Seconds from a flow's start until its receive rate first reaches `fraction` of capacity (per-bin). */
function secondsToReach (result: SimulationResult, flow: number, capacityBitsPerSec: number, fraction: number): number | null {
  const f = result.flows[flow]!
  for (let i = 0; i < f.binBytes.length; i++) {
    if ((f.binBytes[i]! * 8000) / result.binMs >= fraction * capacityBitsPerSec * payloadFraction) return Math.max(0, ((i + 1) * result.binMs - f.startMs) / 1000)
  }
  return null
}

function rateOver (result: SimulationResult, flow: number, fromMs: number, toMs: number): number {
  const bins = result.flows[flow]!.binBytes
  let bytes = 0
  for (let i = Math.floor(fromMs / result.binMs); i < Math.min(bins.length, Math.floor(toMs / result.binMs)); i++) bytes += bins[i]!
  return (bytes * 8000) / (toMs - fromMs)
}

function matrixRow (capacityMbps: number, rttMs: number, lossPct: number): Row {
  const t0 = performance.now()
  const capacity = capacityMbps * 1e6
  const result = simulate({
    capacityBitsPerSec: capacity, rttMs, lossRate: lossPct / 100, seed: capacityMbps * 1000 + rttMs * 10 + lossPct,
    flows: [{ entries: file(bytesPerScenario), rate: { policy: 'fair', targetBitsPerSec: capacity * 2, minBitsPerSec: 1e6 } }]
  })
  const f = result.flows[0]!
  const seconds = ((f.completedMs ?? result.virtualMs) - f.startMs) / 1000
  const goodputMbps = (f.payloadBytes * 8) / seconds / 1e6
  return {
    scenario: `matrix-${capacityMbps}mbps-${rttMs}ms-${lossPct}pct`,
    capacityMbps, rttMs, lossPct, bytes: f.payloadBytes, goodputMbps,
    payloadFraction, efficiency: goodputMbps / (capacityMbps * (1 - lossPct / 100) * payloadFraction),
    redundantRatio: Math.max(0, f.retransmittedBytes - f.payloadBytesLost) / f.payloadBytes,
    maxQueueDelayMs: result.maxQueueDelayMs, virtualSeconds: result.virtualMs / 1000, wallSeconds: (performance.now() - t0) / 1000, ok: f.ok,
    secondsTo90PctCapacity: secondsToReach(result, 0, capacity, 0.9), standingQueueDelayMs: result.standingQueueDelayMs
  }
}

function twoFlows (name: string, policies: [RatePolicy, RatePolicy], secondStartMs: number): Row {
  const t0 = performance.now()
  const capacityMbps = 100
  const rttMs = 50
  const capacity = capacityMbps * 1e6
  const bytes = Math.min(bytesPerScenario, 512 * 1024 * 1024)
  const result = simulate({
    capacityBitsPerSec: capacity, rttMs, seed: 77,
    flows: policies.map((policy, i) => ({ startMs: i === 0 ? 0 : secondStartMs, entries: file(bytes), rate: { policy, targetBitsPerSec: capacity * 2, minBitsPerSec: 0.5e6 } }))
  })
  const [a, b] = result.flows
  const overlapEnd = Math.min(a!.completedMs ?? result.virtualMs, b!.completedMs ?? result.virtualMs)
  const from = secondStartMs + 5_000
  const rateA = rateOver(result, 0, from, overlapEnd)
  const rateB = rateOver(result, 1, from, overlapEnd)
  const end = Math.max(a!.completedMs ?? result.virtualMs, b!.completedMs ?? result.virtualMs)
  const goodputMbps = ((a!.payloadBytes + b!.payloadBytes) * 8) / (end / 1000) / 1e6
  const row: Row = {
    scenario: name, capacityMbps, rttMs, lossPct: 0, bytes: a!.payloadBytes + b!.payloadBytes, goodputMbps, payloadFraction,
    efficiency: goodputMbps / (capacityMbps * payloadFraction),
    redundantRatio: Math.max(0, a!.retransmittedBytes + b!.retransmittedBytes - a!.payloadBytesLost - b!.payloadBytesLost) / (a!.payloadBytes + b!.payloadBytes),
    maxQueueDelayMs: result.maxQueueDelayMs, virtualSeconds: result.virtualMs / 1000, wallSeconds: (performance.now() - t0) / 1000, ok: a!.ok && b!.ok,
    shareFirst: rateA / (rateA + rateB), shareSecond: rateB / (rateA + rateB), standingQueueDelayMs: result.standingQueueDelayMs
  }
  if (policies[0] === 'low') {
    // The low flow's share of the link in the window [fair start + 2 s, + 3 s].
    row.lowShareOfLink2sAfterFairStart = rateOver(result, 0, secondStartMs + 2_000, secondStartMs + 3_000) / (capacity * payloadFraction)
  }
  return row
}

const rows: Row[] = []
const jobs: Array<[string, () => Row]> = []
for (const capacityMbps of [100, 1000]) {
  for (const rttMs of [10, 100, 200, 300, 600]) {
    for (const lossPct of [0, 0.1, 1, 2, 5]) jobs.push([`matrix-${capacityMbps}mbps-${rttMs}ms-${lossPct}pct`, () => matrixRow(capacityMbps, rttMs, lossPct)])
  }
}
jobs.push(['two-fair-sessions', () => twoFlows('two-fair-sessions', ['fair', 'fair'], 2_000)])
jobs.push(['low-yields-to-fair', () => twoFlows('low-yields-to-fair', ['low', 'fair'], 5_000)])

for (const [name, job] of jobs) {
  if (only !== undefined && !name.includes(only)) continue
  if (quick && name.startsWith('matrix') && !/-(100mbps-(10|200)ms|1000mbps-100ms)-/.test(name)) continue
  const row = job()
  rows.push(row)
  if (!json) console.log(`${row.scenario.padEnd(34)} goodput ${row.goodputMbps.toFixed(1).padStart(7)} Mbit/s  eff ${row.efficiency.toFixed(3)}  redundant ${row.redundantRatio.toFixed(4)}  queue ${row.maxQueueDelayMs.toFixed(1)} ms  ${row.virtualSeconds.toFixed(1)} s virtual, ${row.wallSeconds.toFixed(1)} s wall${row.ok ? '' : '  FAILED'}`)
}
if (json) console.log(JSON.stringify(rows, null, 2))
