// bench:sim trace — one single-flow scenario with the rate controller's state logged over virtual time (phase, pacing rate, receive rate, queueing delay, loss floor), to see where a run loses time.
// Usage: tsx bench/sim/trace.ts --capacity-mbps 1000 --rtt-ms 600 --loss-pct 1 [--bytes N] [--every-ms 100] [--target-factor 2] [--known-path 1 (0: the controller's default start)]
import '../../protocol/src/polyfill/promise-with-resolvers.js'
import { DelayBasedRateController } from '../../protocol/src/congestion/delay-based-rate-controller.js'
import type { ReceiverReport } from '../../protocol/src/congestion/rate-controller.js'
import { simulate } from '../../protocol/src/sim/simulator.js'
import { payloadFraction } from './scenarios.js'

const args = process.argv.slice(2)
const flag = (name: string, fallback: number): number => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : fallback }
const capacityMbps = flag('--capacity-mbps', 1000)
const rttMs = flag('--rtt-ms', 600)
const lossPct = flag('--loss-pct', 0)
const bytes = flag('--bytes', 1024 ** 3)
const everyMs = flag('--every-ms', 100)
const targetFactor = flag('--target-factor', 2)
const knownPath = flag('--known-path', 1) === 1
const capacity = capacityMbps * 1e6

let controller: DelayBasedRateController | undefined
let nextLogMs = 0
const lines: string[] = []
const mbps = (bitsPerSec: number): string => (bitsPerSec / 1e6).toFixed(1).padStart(7)

const result = simulate({
  capacityBitsPerSec: capacity, rttMs, lossRate: lossPct / 100, seed: capacityMbps * 1000 + rttMs * 10 + lossPct,
  flows: [{
    entries: [{ relativePath: 'payload.bin', kind: 'file', sizeBytes: bytes }],
    rate: { policy: 'fair', targetBitsPerSec: capacity * targetFactor, minBitsPerSec: 1e6, ...(knownPath ? { pathBitsPerSec: capacity } : {}) },
    createController: (settings, nowMs) => {
      const c = new DelayBasedRateController({ settings, nowMs })
      controller = c
      const onReport = c.onReport.bind(c)
      c.onReport = (report: ReceiverReport): void => {
        onReport(report)
        if (report.nowMs < nextLogMs) return
        nextLogMs = report.nowMs + everyMs
        const s = c.snapshot()
        lines.push(`${(report.nowMs / 1000).toFixed(3).padStart(7)} s ${s.phase.padEnd(6)} rate ${mbps(s.rateBitsPerSec)} recv ${mbps(s.receiveRateBitsPerSec)} q ${s.queueDelayMs.toFixed(1).padStart(6)} ms  p̂ ${(100 * s.randomLossEstimate).toFixed(2).padStart(5)} %  overhead ${s.overheadRatio.toFixed(3)}  rtt ${report.rttMs.toFixed(0)}`)
      }
      return c
    }
  }]
})
void controller
const f = result.flows[0]!
const endMs = f.completedMs ?? result.virtualMs
const goodput = f.payloadBytes * 8 / (endMs / 1000)
for (const line of lines) console.log(line)
const bins = f.binBytes.map(b => b * 8000 / result.binMs / (capacity * payloadFraction))
console.log(`bins (fraction of capacity × payloadFraction, ${result.binMs} ms): ${bins.map(x => x.toFixed(2)).join(' ')}`)
console.log(`completed ${(endMs / 1000).toFixed(3)} s, efficiency ${(goodput / (capacity * (1 - lossPct / 100) * payloadFraction)).toFixed(4)}, retransmitted ${f.retransmittedBytes}, lost ${f.payloadBytesLost}, redundant ${(Math.max(0, f.retransmittedBytes - f.payloadBytesLost) / f.payloadBytes).toFixed(4)}, standing queue ${result.standingQueueDelayMs.toFixed(1)} ms, max queue ${result.maxQueueDelayMs.toFixed(1)} ms`)
