// A closed-loop test bench for rate control in virtual time: paced senders → one shared VirtualLink → receivers that report back over a reverse link; plus a loss-based CUBIC-like TCP model to compete with.
import { VirtualLink } from '../../src/sim/virtual-link.js'
import { DelayBasedRateController, type RateControlTunables } from '../../src/congestion/delay-based-rate-controller.js'
import type { RateSettings } from '../../src/congestion/rate-controller.js'

export interface PacedFlowSpec {
  kind: 'paced'
  settings: RateSettings
  startMs?: number
  stopMs?: number
  tunables?: Partial<RateControlTunables>
  /** Settings changes applied mid-run: [timeMs, settings]. */
  reconfigure?: Array<[number, RateSettings]>
}

export interface TcpFlowSpec {
  kind: 'tcp'
  startMs?: number
  stopMs?: number
}

export type FlowSpec = PacedFlowSpec | TcpFlowSpec

export interface ClosedLoopScenario {
  capacityBitsPerSec: number
  rttMs: number
  lossRate?: number
  /** Bottleneck buffer (ms of capacity); default one base RTT, at least 20 ms. */
  queueMs?: number
  jitterMs?: number
  packetBytes?: number
  /** Receiver reports every max(this fraction of base RTT, 1 ms)… */
  reportRttFraction?: number
  /** …or every this many datagrams, whichever comes first. */
  reportEveryPackets?: number
  flows: FlowSpec[]
  durationMs: number
  seed?: number
  /** Receivers count only this fraction of each datagram (payload ÷ datagram), as a real receiver does (ratio). */
  payloadFraction?: number
  /** Width of the throughput bins (ms). */
  binMs?: number
}

export interface FlowResult {
  /** Delivered bytes per bin. */
  binsBytes: number[]
  deliveredBytes: number
  /** Controller rate at each bin's end (paced flows). */
  rateBits: number[]
  /** Controller phase at each bin's end (paced flows). */
  phases: string[]
  /** Controller's random-loss estimate at each bin's end (paced flows). */
  lossEstimates: number[]
}

export interface ClosedLoopResult {
  flows: FlowResult[]
  binMs: number
  /** Bottleneck queueing delay sampled at each bin's end (ms). */
  queueDelayMs: number[]
  drops: { queue: number, random: number, burst: number }
  wallMs: number
  /** Goodput of `flow` (bits/s) between two times. */
  goodputBitsPerSec: (flow: number, fromMs: number, toMs: number) => number
  /** Largest sampled queueing delay between two times (ms). */
  maxQueueDelayMs: (fromMs: number, toMs: number) => number
  meanQueueDelayMs: (fromMs: number, toMs: number) => number
}

interface Datagram { flow: number, seq: number, sentMs: number, sizeBytes: number }
interface Report { flow: number, sentMs: number, bytes: number, lostBytes: number, rateBits: number, owd: number[], echoSentMs: number, ackSeq: number }

interface Receiver {
  nextSeq: number
  bytes: number
  lostBytes: number
  packets: number
  minOwd: number
  lastOwd: number
  lastSentMs: number
  intervalStartMs: number
  lastSeq: number
}

interface PacedState {
  spec: PacedFlowSpec
  controller: DelayBasedRateController
  nextSendMs: number
  seq: number
  srttMs: number | undefined
  reconfigureIndex: number
}

interface TcpState {
  spec: TcpFlowSpec
  cwnd: number
  ssthresh: number
  wMax: number
  epochStartMs: number | undefined
  tcpEst: number
  outstanding: Map<number, number>
  seq: number
  highestAcked: number
  recoveryUntilSeq: number
  srttMs: number | undefined
  lastAckMs: number
}

/** Runs one scenario to `durationMs` of virtual time and returns per-flow throughput bins. */
export function runClosedLoop (scenario: ClosedLoopScenario): ClosedLoopResult {
  const wallStart = process.hrtime.bigint()
  const packetBytes = scenario.packetBytes ?? 1400
  const binMs = scenario.binMs ?? 100
  const oneWayMs = scenario.rttMs / 2
  const queueMs = scenario.queueMs ?? Math.max(20, scenario.rttMs)
  const seed = scenario.seed ?? 1
  const forward = new VirtualLink<Datagram>({
    capacityBitsPerSec: scenario.capacityBitsPerSec,
    propagationDelayMs: oneWayMs,
    queueLimitBytes: Math.max(queueMs * scenario.capacityBitsPerSec / 8000, 10 * packetBytes),
    lossRate: scenario.lossRate ?? 0,
    jitterMs: scenario.jitterMs ?? 0,
    seed
  })
  // Reverse path: ample capacity, same delay, no loss (reports are small and rare).
  const reverse = new VirtualLink<Report>({ capacityBitsPerSec: 10e9, propagationDelayMs: oneWayMs, queueLimitBytes: 1e9, seed: seed + 1 })
  const reportIntervalMs = Math.max(1, scenario.rttMs * (scenario.reportRttFraction ?? 0.25))
  const reportEveryPackets = scenario.reportEveryPackets ?? 2000
  const nBins = Math.ceil(scenario.durationMs / binMs)
  const results: FlowResult[] = scenario.flows.map(() => ({ binsBytes: new Array<number>(nBins).fill(0), deliveredBytes: 0, rateBits: new Array<number>(nBins).fill(0), phases: new Array<string>(nBins).fill(''), lossEstimates: new Array<number>(nBins).fill(0) }))
  const queueDelayMs = new Array<number>(nBins).fill(0)
  // Each receiver's clock has its own offset: one-way delays are only meaningful relative to their minimum.
  const clockOffsetMs = scenario.flows.map((_, i) => 1000 * (i + 1) + 0.37 * i)

  const receivers: Receiver[] = scenario.flows.map(f => ({ nextSeq: 0, bytes: 0, lostBytes: 0, packets: 0, minOwd: Infinity, lastOwd: 0, lastSentMs: 0, intervalStartMs: f.startMs ?? 0, lastSeq: -1 }))
  const paced = new Map<number, PacedState>()
  const tcp = new Map<number, TcpState>()
  scenario.flows.forEach((spec, i) => {
    const startMs = spec.startMs ?? 0
    if (spec.kind === 'paced') {
      paced.set(i, { spec, controller: new DelayBasedRateController({ settings: spec.settings, nowMs: startMs, tunables: spec.tunables }), nextSendMs: startMs, seq: 0, srttMs: undefined, reconfigureIndex: 0 })
    } else {
      tcp.set(i, { spec, cwnd: 10, ssthresh: Infinity, wMax: 0, epochStartMs: undefined, tcpEst: 0, outstanding: new Map(), seq: 0, highestAcked: -1, recoveryUntilSeq: -1, srttMs: undefined, lastAckMs: startMs })
    }
  })

  const active = (spec: FlowSpec, now: number): boolean => now >= (spec.startMs ?? 0) && now < (spec.stopMs ?? Infinity)

  const sendTcp = (i: number, s: TcpState, now: number): void => {
    while (s.outstanding.size < Math.floor(s.cwnd) && active(s.spec, now)) {
      const seq = s.seq++
      s.outstanding.set(seq, now)
      forward.enqueue({ flow: i, seq, sentMs: now, sizeBytes: packetBytes }, packetBytes, now, i)
    }
  }

  const onTcpAck = (i: number, s: TcpState, r: Report, now: number): void => {
    s.lastAckMs = now
    const sent = s.outstanding.get(r.ackSeq)
    if (sent === undefined) return
    s.outstanding.delete(r.ackSeq)
    const sample = now - sent
    s.srttMs = s.srttMs === undefined ? sample : 0.875 * s.srttMs + 0.125 * sample
    if (r.ackSeq > s.highestAcked) s.highestAcked = r.ackSeq
    // Three later datagrams acknowledged: everything older still outstanding is lost (fast retransmit's rule).
    let lost = false
    for (const seq of s.outstanding.keys()) {
      if (seq < s.highestAcked - 3) { s.outstanding.delete(seq); lost = true } else break
    }
    if (lost && r.ackSeq > s.recoveryUntilSeq) {
      // CUBIC: β = 0.7, fast convergence off; the loss starts a new epoch.
      s.wMax = s.cwnd
      s.cwnd = Math.max(2, s.cwnd * 0.7)
      s.ssthresh = s.cwnd
      s.epochStartMs = undefined
      s.recoveryUntilSeq = s.seq
      return
    }
    if (s.cwnd < s.ssthresh) { s.cwnd += 1; return }
    const rttS = (s.srttMs ?? scenario.rttMs) / 1000
    if (s.epochStartMs === undefined) { s.epochStartMs = now; s.tcpEst = s.cwnd; if (s.wMax < s.cwnd) s.wMax = s.cwnd }
    const k = Math.cbrt(s.wMax * 0.3 / 0.4)
    const t = (now - s.epochStartMs) / 1000 + rttS
    const target = 0.4 * Math.pow(t - k, 3) + s.wMax
    // TCP-friendly region (RFC 9438 §4.3): never slower than Reno with the same β.
    s.tcpEst += (3 * 0.3 / 1.7) / s.cwnd
    const want = Math.max(target, s.tcpEst)
    if (want > s.cwnd) s.cwnd += Math.min(1, (want - s.cwnd) / s.cwnd)
  }

  let now = 0
  let nextBinMs = binMs
  let bin = 0
  for (;;) {
    // Next event: a paced send, a delivery on either link, a report timer, a TCP timeout, or a bin edge.
    let next = nextBinMs
    for (const s of paced.values()) {
      const startMs = s.spec.startMs ?? 0
      if ((s.spec.stopMs ?? Infinity) > s.nextSendMs) next = Math.min(next, Math.max(s.nextSendMs, startMs))
      const re = s.spec.reconfigure?.[s.reconfigureIndex]
      if (re !== undefined) next = Math.min(next, re[0])
    }
    const fd = forward.nextDeliveryMs()
    if (fd !== undefined) next = Math.min(next, fd)
    const rd = reverse.nextDeliveryMs()
    if (rd !== undefined) next = Math.min(next, rd)
    for (const [i, r] of receivers.entries()) {
      if (r.packets > 0) next = Math.min(next, r.intervalStartMs + reportIntervalMs)
      void i
    }
    now = next
    if (now > scenario.durationMs) break

    for (const d of forward.deliver(now)) {
      const { flow, seq, sentMs, sizeBytes } = d.packet
      const r = receivers[flow]!
      results[flow]!.deliveredBytes += sizeBytes
      results[flow]!.binsBytes[Math.min(nBins - 1, Math.floor(now / binMs))]! += sizeBytes
      if (tcp.has(flow)) {
        reverse.enqueue({ flow, sentMs: now, bytes: 0, lostBytes: 0, rateBits: 0, owd: [], echoSentMs: sentMs, ackSeq: seq }, 64, now, flow)
        continue
      }
      if (r.packets === 0) r.intervalStartMs = Math.max(r.intervalStartMs, now - reportIntervalMs / 2)
      if (seq > r.lastSeq + 1) r.lostBytes += (seq - r.lastSeq - 1) * sizeBytes
      r.lastSeq = Math.max(r.lastSeq, seq)
      r.bytes += sizeBytes
      r.packets++
      const owd = now + clockOffsetMs[flow]! - sentMs
      if (owd < r.minOwd) r.minOwd = owd
      r.lastOwd = owd
      r.lastSentMs = sentMs
      if (r.packets >= reportEveryPackets) flushReport(flow, r)
    }
    for (const [flow, r] of receivers.entries()) {
      if (r.packets > 0 && now >= r.intervalStartMs + reportIntervalMs) flushReport(flow, r)
    }
    for (const d of reverse.deliver(now)) {
      const rep = d.packet
      const t = tcp.get(rep.flow)
      if (t !== undefined) { onTcpAck(rep.flow, t, rep, now); sendTcp(rep.flow, t, now); continue }
      const s = paced.get(rep.flow)!
      const sample = now - rep.echoSentMs
      s.srttMs = s.srttMs === undefined ? sample : 0.875 * s.srttMs + 0.125 * sample
      s.controller.onReport({ nowMs: now, ackedBytes: rep.bytes, lostBytes: rep.lostBytes, receiveRateBitsPerSec: rep.rateBits, oneWayDelayMs: rep.owd, rttMs: s.srttMs })
    }
    for (const [i, s] of paced) {
      const re = s.spec.reconfigure?.[s.reconfigureIndex]
      if (re !== undefined && now >= re[0]) { s.controller.configure(re[1], now); s.reconfigureIndex++ }
      if (!active(s.spec, now)) continue
      if (s.nextSendMs < (s.spec.startMs ?? 0)) s.nextSendMs = s.spec.startMs ?? 0
      while (s.nextSendMs <= now) {
        const rate = s.controller.rateBitsPerSec(now)
        forward.enqueue({ flow: i, seq: s.seq++, sentMs: now, sizeBytes: packetBytes }, packetBytes, now, i)
        s.controller.onPacketSent(packetBytes, now)
        s.nextSendMs += packetBytes * 8000 / rate
      }
    }
    for (const [i, s] of tcp) {
      if (!active(s.spec, now)) continue
      if (s.outstanding.size > 0 && now - s.lastAckMs > Math.max(1000, 3 * (s.srttMs ?? scenario.rttMs))) {
        s.outstanding.clear(); s.cwnd = 2; s.ssthresh = Infinity; s.lastAckMs = now
      }
      sendTcp(i, s, now)
    }
    while (now >= nextBinMs && bin < nBins) {
      queueDelayMs[bin] = forward.queuedBytesAt(now) * 8000 / scenario.capacityBitsPerSec
      for (const [i, s] of paced) {
        const snap = s.controller.snapshot()
        results[i]!.rateBits[bin] = s.controller.rateBitsPerSec(now)
        results[i]!.phases[bin] = snap.phase
        results[i]!.lossEstimates[bin] = snap.randomLossEstimate
      }
      for (const [i, s] of tcp) results[i]!.rateBits[bin] = s.cwnd * packetBytes * 8000 / (s.srttMs ?? scenario.rttMs)
      bin++
      nextBinMs += binMs
    }
  }

  function flushReport (flow: number, r: Receiver): void {
    const intervalMs = Math.max(1e-3, now - r.intervalStartMs)
    const pf = scenario.payloadFraction ?? 1
    reverse.enqueue({ flow, sentMs: now, bytes: r.bytes * pf, lostBytes: r.lostBytes * pf, rateBits: r.bytes * pf * 8000 / intervalMs, owd: [r.minOwd, r.lastOwd], echoSentMs: r.lastSentMs, ackSeq: r.lastSeq }, 100, now, flow)
    r.bytes = 0; r.lostBytes = 0; r.packets = 0; r.minOwd = Infinity; r.intervalStartMs = now
  }

  const stats = forward.stats()
  const binRange = (fromMs: number, toMs: number): [number, number] => [Math.floor(fromMs / binMs), Math.min(nBins, Math.ceil(toMs / binMs))]
  return {
    flows: results,
    binMs,
    queueDelayMs,
    drops: { ...stats.droppedPackets },
    wallMs: Number(process.hrtime.bigint() - wallStart) / 1e6,
    goodputBitsPerSec: (flow, fromMs, toMs) => {
      const [a, b] = binRange(fromMs, toMs)
      let bytes = 0
      for (let k = a; k < b; k++) bytes += results[flow]!.binsBytes[k]!
      return bytes * 8000 / ((b - a) * binMs)
    },
    maxQueueDelayMs: (fromMs, toMs) => {
      const [a, b] = binRange(fromMs, toMs)
      return Math.max(...queueDelayMs.slice(a, b))
    },
    meanQueueDelayMs: (fromMs, toMs) => {
      const [a, b] = binRange(fromMs, toMs)
      const s = queueDelayMs.slice(a, b)
      return s.reduce((x, y) => x + y, 0) / s.length
    }
  }
}
