// Drives real sender and receiver sessions over a simulated path (two VirtualLinks) in virtual time, jumping to the next deadline; failures replay from the seed.
import { DelayBasedRateController } from '../congestion/delay-based-rate-controller.js'
import type { RateController, RateSettings } from '../congestion/rate-controller.js'
import { MemoryBlockSink } from '../files/memory-block-sink.js'
import type { ManifestEntry } from '../manifest/manifest.js'
import type { BlockSink, BlockSource } from '../session/block-io.js'
import { ReceiverSession } from '../session/receiver-session.js'
import type { ResumeJournal } from '../session/resume-journal.js'
import { SenderSession } from '../session/sender-session.js'
import { HEADER_BYTES, DATA_FRAME_HEADER_BYTES, PacketType, TAG_BYTES } from '../wire/datagram-codec.js'
import { SyntheticBlockSource } from './synthetic-block-source.js'
import { VirtualLink, type VirtualLinkOptions } from './virtual-link.js'

/** IPv4 + UDP header bytes added to every datagram on the simulated wire. */
export const IP_UDP_OVERHEAD_BYTES = 28

export interface SimFlowSpec {
  /** Virtual time the flow's sessions start (ms). */
  startMs?: number
  entries: ManifestEntry[]
  rate: RateSettings
  /** Default: SyntheticBlockSource. */
  source?: BlockSource
  /** Default: a discarding MemoryBlockSink. */
  sink?: BlockSink
  /** Default: DelayBasedRateController. */
  createController?: (settings: RateSettings, nowMs: number) => RateController
  resumeFrom?: ResumeJournal
  /** Stop the flow (both sessions dropped, as by a crash) at this virtual time (ms). */
  crashAtMs?: number
}

export interface SimulationOptions {
  capacityBitsPerSec: number
  rttMs: number
  /** Random loss on each direction (0..1). */
  lossRate?: number
  burstLoss?: VirtualLinkOptions['burstLoss']
  jitterMs?: number
  reorder?: boolean
  /** Bottleneck buffer in ms of capacity; default max(20, RTT). */
  queueMs?: number
  seed?: number
  flows: SimFlowSpec[]
  /** Give up at this virtual time (ms). */
  maxVirtualMs?: number
  /** Throughput sampling period (ms). */
  binMs?: number
  /** Deliveries after this time count toward the standing queue (ms); default 3,000. */
  settleMs?: number
}

export interface SimFlowResult {
  ok: boolean
  code?: string
  startMs: number
  /** Virtual time the receiver had every file verified (ms), or undefined. */
  completedMs?: number
  payloadBytes: number
  payloadBytesSent: number
  retransmittedBytes: number
  /** Payload bytes of this flow's data datagrams the link dropped (queue or wire loss). */
  payloadBytesLost: number
  /** Receiver payload bytes per bin. */
  binBytes: number[]
  receiver: ReceiverSession
  sender: SenderSession
}

export interface SimulationResult {
  flows: SimFlowResult[]
  virtualMs: number
  maxQueueDelayMs: number
  /** Mean bottleneck queueing delay of data delivered after `settleMs` (ms): the standing queue. */
  standingQueueDelayMs: number
  forwardDrops: { queue: number, random: number, burst: number }
  binMs: number
}

interface FlowState {
  spec: SimFlowSpec
  index: number
  sender?: SenderSession
  receiver?: ReceiverSession
  started: boolean
  crashed: boolean
  completedMs?: number
  lostPayload: number
  binBytes: number[]
  lastReceived: number
}

function connectionIdFor (index: number): string { return (0x1000 + index).toString(16).padStart(16, '0') }

/** Runs the flows to completion (or maxVirtualMs) and reports per-flow figures. Pure: deterministic from the seed. */
export function simulate (options: SimulationOptions): SimulationResult {
  const seed = options.seed ?? 1
  const oneWayMs = options.rttMs / 2
  const queueBytes = Math.max(16 * 1500, (options.capacityBitsPerSec / 8000) * (options.queueMs ?? Math.max(20, options.rttMs)))
  const linkOptions = { capacityBitsPerSec: options.capacityBitsPerSec, propagationDelayMs: oneWayMs, queueLimitBytes: queueBytes, lossRate: options.lossRate ?? 0, burstLoss: options.burstLoss, jitterMs: options.jitterMs, reorder: options.reorder }
  const forward = new VirtualLink<{ flow: number, buf: Buffer }>({ ...linkOptions, seed })
  const reverse = new VirtualLink<{ flow: number, buf: Buffer }>({ ...linkOptions, seed: seed ^ 0x5bd1e995 })
  const binMs = options.binMs ?? 100
  const maxMs = options.maxVirtualMs ?? 3_600_000
  const secret = new Uint8Array(32).map((_, i) => (seed * 31 + i * 7) & 0xff)
  const flows: FlowState[] = options.flows.map((spec, index) => ({ spec, index, started: false, crashed: false, lostPayload: 0, binBytes: [], lastReceived: 0 }))
  let now = 0
  const settleMs = options.settleMs ?? 3_000
  let queueDelaySum = 0
  let queueDelayCount = 0

  const start = (f: FlowState): void => {
    f.started = true
    const controller = f.spec.createController?.(f.spec.rate, now) ?? new DelayBasedRateController({ settings: f.spec.rate, nowMs: now })
    const id = connectionIdFor(f.index)
    f.sender = new SenderSession({ connectionId: id, secret, endpointRole: 'initiator', nowMs: now, entries: f.spec.entries, source: f.spec.source ?? new SyntheticBlockSource(), rateController: controller, idleTimeoutMs: 60_000 })
    f.receiver = new ReceiverSession({ connectionId: id, secret, endpointRole: 'responder', nowMs: now, sink: f.spec.sink ?? new MemoryBlockSink(true), resumeFrom: f.spec.resumeFrom, idleTimeoutMs: 60_000 })
  }
  const live = (f: FlowState): boolean => f.started && !f.crashed && (f.sender!.state !== 'closed' || f.receiver!.state !== 'closed')

  const pump = (f: FlowState): void => {
    const s = f.sender!
    const r = f.receiver!
    if (s.nextDeadlineMs() <= now) s.handleTimeout(now)
    for (let b = s.pollTransmit(now); b !== undefined; b = s.pollTransmit(now)) {
      const dropped = forward.enqueue({ flow: f.index, buf: b }, b.length + IP_UDP_OVERHEAD_BYTES, now, f.index)
      if (dropped !== undefined && (b[0]! & 0x0f) === PacketType.Data) f.lostPayload += b.length - HEADER_BYTES - TAG_BYTES - DATA_FRAME_HEADER_BYTES
    }
    if (r.nextDeadlineMs() <= now) r.handleTimeout(now)
    for (let b = r.pollTransmit(now); b !== undefined; b = r.pollTransmit(now)) reverse.enqueue({ flow: f.index, buf: b }, b.length + IP_UDP_OVERHEAD_BYTES, now, f.index)
    if (f.completedMs === undefined && r.outcome?.ok === true) f.completedMs = now
  }

  for (let guard = 0; guard < 1e9; guard++) {
    for (const f of flows) {
      if (!f.started && now >= (f.spec.startMs ?? 0)) start(f)
      if (f.started && !f.crashed && f.spec.crashAtMs !== undefined && now >= f.spec.crashAtMs) f.crashed = true
      if (live(f)) pump(f)
    }
    let next = Infinity
    let anyLive = false
    for (const f of flows) {
      if (!f.started) { next = Math.min(next, f.spec.startMs ?? 0); anyLive = true; continue }
      if (!live(f)) continue
      anyLive = true
      next = Math.min(next, f.sender!.nextDeadlineMs(), f.receiver!.nextDeadlineMs())
    }
    if (!anyLive) break
    next = Math.min(next, forward.nextDeliveryMs() ?? Infinity, reverse.nextDeliveryMs() ?? Infinity)
    if (next === Infinity || next > maxMs) break
    if (next > now) now = next
    for (const d of forward.deliver(now)) {
      const f = flows[d.packet.flow]!
      if (now >= settleMs) { queueDelaySum += d.queueDelayMs; queueDelayCount++ }
      if (!live(f)) continue
      f.receiver!.handleDatagram(d.packet.buf, now)
      const bin = Math.floor(now / binMs)
      const got = f.receiver!.payloadBytesReceived
      while (f.binBytes.length <= bin) f.binBytes.push(0)
      f.binBytes[bin]! += got - f.lastReceived
      f.lastReceived = got
    }
    for (const d of reverse.deliver(now)) {
      const f = flows[d.packet.flow]!
      if (live(f)) f.sender!.handleDatagram(d.packet.buf, now)
    }
  }

  const stats = forward.stats()
  return {
    virtualMs: now,
    maxQueueDelayMs: stats.maxQueueDelayMs,
    standingQueueDelayMs: queueDelayCount === 0 ? 0 : queueDelaySum / queueDelayCount,
    forwardDrops: { ...stats.droppedPackets },
    binMs,
    flows: flows.map(f => ({
      ok: f.receiver?.outcome?.ok === true,
      code: f.receiver?.outcome?.code ?? f.sender?.outcome?.code,
      startMs: f.spec.startMs ?? 0,
      completedMs: f.completedMs,
      payloadBytes: f.spec.entries.reduce((n, e) => n + e.sizeBytes, 0),
      payloadBytesSent: f.sender?.stats.payloadBytesSent ?? 0,
      retransmittedBytes: f.sender?.stats.retransmittedBytes ?? 0,
      payloadBytesLost: f.lostPayload,
      binBytes: f.binBytes,
      receiver: f.receiver!,
      sender: f.sender!
    }))
  }
}
