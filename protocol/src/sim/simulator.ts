// Drives real sender and receiver sessions over a simulated path (two VirtualLinks) in virtual time, jumping to the next deadline; endpoints may stall like a busy event loop; failures replay from the seed.
import { DelayBasedRateController } from '../congestion/delay-based-rate-controller.js'
import type { RateController, RateSettings } from '../congestion/rate-controller.js'
import type { CipherSuiteName } from '../crypto/packet-protection.js'
import { MemoryBlockSink } from '../files/memory-block-sink.js'
import type { ManifestEntry } from '../manifest/manifest.js'
import type { BlockSink, BlockSource } from '../session/block-io.js'
import { ReceiverSession } from '../session/receiver-session.js'
import type { ResumeJournal } from '../session/resume-journal.js'
import { SenderSession } from '../session/sender-session.js'
import type { SessionCore } from '../session/session-core.js'
import { HEADER_BYTES, DATA_FRAME_HEADER_BYTES, IP_UDP_OVERHEAD_BYTES, PacketType, TAG_BYTES } from '../wire/datagram-codec.js'
import { splitMix32 } from './split-mix-32.js'
import { StallSchedule, type StallOptions } from './stall-schedule.js'
import { SyntheticBlockSource } from './synthetic-block-source.js'
import { VirtualLink, type VirtualLinkOptions } from './virtual-link.js'

/** IPv4 + UDP header bytes added to every datagram on the simulated wire. */
export { IP_UDP_OVERHEAD_BYTES }
/** Default receive buffer of a stalled endpoint (bytes): what a raised `net.core.rmem_max` typically grants. */
export const DEFAULT_STALL_RECEIVE_BUFFER_BYTES = 8 << 20

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
  /** The sender is told the receiver resumes (as a control plane may know it): no first flight (SPEC.md §4.2.1). Default false. */
  senderKnowsResume?: boolean
  /** Stop the flow (both sessions dropped, as by a crash) at this virtual time (ms). */
  crashAtMs?: number
  /** Suites both sessions offer, in order of preference; default the sessions' own (ChaCha20-Poly1305 first). */
  cipherSuites?: CipherSuiteName[]
}

/** Event-loop stalls at the endpoints: while stalled, an endpoint neither sends, nor runs timers, nor reads datagrams (they wait in its receive buffer). */
export interface SimStallSpec extends StallOptions {
  /** Which endpoints stall (each on its own seeded schedule); default both. */
  endpoints?: 'both' | 'sender' | 'receiver'
  /** Bytes of datagrams a stalled endpoint's socket holds; more are dropped. Default DEFAULT_STALL_RECEIVE_BUFFER_BYTES. */
  receiveBufferBytes?: number
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
  /** CPU stalls of the endpoints; absent: endpoints never stall. */
  stalls?: SimStallSpec
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
  /** Payload bytes of this flow's data datagrams that were dropped (link queue, wire loss, or a stalled receiver's full buffer). */
  payloadBytesLost: number
  /** Receiver payload bytes per bin. */
  binBytes: number[]
  /** The suite the sessions negotiated. */
  cipherSuite: CipherSuiteName | undefined
  /** Virtual time each endpoint spent stalled while the flow ran (ms). */
  senderStalledMs: number
  receiverStalledMs: number
  /** Datagrams dropped because a stalled endpoint's receive buffer was full. */
  stallDroppedDatagrams: number
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

/** One side of a flow as its host runs it: the session, and the stalls of the event loop it runs on. */
interface Endpoint {
  session: SessionCore
  stalls: StallSchedule | undefined
  /** Datagrams that arrived while stalled, in arrival order, with their sizes. */
  backlog: Buffer[]
  backlogBytes: number
  /** The endpoint is stalled until this time (ms); -Infinity when it is running. */
  stalledUntilMs: number
}

interface FlowState {
  spec: SimFlowSpec
  index: number
  sender?: SenderSession
  receiver?: ReceiverSession
  senderEnd?: Endpoint
  receiverEnd?: Endpoint
  started: boolean
  crashed: boolean
  /** The sessions are still running (not crashed, not both closed); refreshed once per step. */
  live: boolean
  completedMs?: number
  lostPayload: number
  stallDrops: number
  binBytes: number[]
  lastReceived: number
}

function connectionIdFor (index: number): string { return (0x1000 + index).toString(16).padStart(16, '0') }

/** Payload bytes of a sealed data datagram (0 for other packet types). */
function dataPayloadBytes (b: Buffer): number {
  return (b[0]! & 0x0f) === PacketType.Data ? b.length - HEADER_BYTES - TAG_BYTES - DATA_FRAME_HEADER_BYTES : 0
}

/** Runs the flows to completion (or maxVirtualMs) and reports per-flow figures. Pure: deterministic from the seed. */
export function simulate (options: SimulationOptions): SimulationResult {
  const seed = options.seed ?? 1
  const oneWayMs = options.rttMs / 2
  const queueBytes = Math.max(16 * 1500, (options.capacityBitsPerSec / 8000) * (options.queueMs ?? Math.max(20, options.rttMs)))
  const linkOptions = { capacityBitsPerSec: options.capacityBitsPerSec, propagationDelayMs: oneWayMs, queueLimitBytes: queueBytes, lossRate: options.lossRate ?? 0, burstLoss: options.burstLoss, jitterMs: options.jitterMs, reorder: options.reorder }
  const forward = new VirtualLink<Buffer>({ ...linkOptions, seed })
  const reverse = new VirtualLink<Buffer>({ ...linkOptions, seed: seed ^ 0x5bd1e995 })
  const binMs = options.binMs ?? 100
  const maxMs = options.maxVirtualMs ?? 3_600_000
  const secret = new Uint8Array(32).map((_, i) => (seed * 31 + i * 7) & 0xff)
  const stallSpec = options.stalls
  const stallBufferBytes = stallSpec?.receiveBufferBytes ?? DEFAULT_STALL_RECEIVE_BUFFER_BYTES
  const flows: FlowState[] = options.flows.map((spec, index) => ({ spec, index, started: false, crashed: false, live: false, lostPayload: 0, stallDrops: 0, binBytes: [], lastReceived: 0 }))
  let now = 0
  const settleMs = options.settleMs ?? 3_000
  let queueDelaySum = 0
  let queueDelayCount = 0

  const endpoint = (session: SessionCore, flow: number, role: 'sender' | 'receiver'): Endpoint => {
    const stalls = stallSpec !== undefined && (stallSpec.endpoints ?? 'both') !== (role === 'sender' ? 'receiver' : 'sender')
      ? new StallSchedule(stallSpec, splitMix32(Math.imul(seed, 0x9e3779b1) + flow * 2 + (role === 'sender' ? 0 : 1) + 0x2545f491), now)
      : undefined
    return { session, stalls, backlog: [], backlogBytes: 0, stalledUntilMs: -Infinity }
  }

  const start = (f: FlowState): void => {
    f.started = true
    const controller = f.spec.createController?.(f.spec.rate, now) ?? new DelayBasedRateController({ settings: f.spec.rate, nowMs: now })
    const id = connectionIdFor(f.index)
    const suites = f.spec.cipherSuites
    f.sender = new SenderSession({ connectionId: id, secret, endpointRole: 'initiator', nowMs: now, entries: f.spec.entries, source: f.spec.source ?? new SyntheticBlockSource(), rateController: controller, idleTimeoutMs: 60_000, cipherSuites: suites, receiverResuming: f.spec.senderKnowsResume })
    f.receiver = new ReceiverSession({ connectionId: id, secret, endpointRole: 'responder', nowMs: now, sink: f.spec.sink ?? new MemoryBlockSink(true), resumeFrom: f.spec.resumeFrom, idleTimeoutMs: 60_000, cipherSuites: suites })
    f.senderEnd = endpoint(f.sender, f.index, 'sender')
    f.receiverEnd = endpoint(f.receiver, f.index, 'receiver')
  }
  const isLive = (f: FlowState): boolean => f.started && !f.crashed && (f.sender!.state !== 'closed' || f.receiver!.state !== 'closed')

  /** Whether the endpoint is stalled at `now`; refreshes its stalledUntilMs. */
  const stalled = (e: Endpoint): boolean => {
    if (e.stalls === undefined) return false
    e.stalledUntilMs = e.stalls.stalledUntil(now) ?? -Infinity
    return e.stalledUntilMs > now
  }

  const receivedByReceiver = (f: FlowState, buf: Buffer): void => {
    const r = f.receiver!
    r.handleDatagram(buf, now)
    const got = r.payloadBytesReceived
    const bin = Math.floor(now / binMs)
    while (f.binBytes.length <= bin) f.binBytes.push(0)
    f.binBytes[bin]! += got - f.lastReceived
    f.lastReceived = got
  }

  const arrive = (f: FlowState, e: Endpoint, buf: Buffer): void => {
    if (stalled(e)) {
      // The event loop is busy: the datagram waits in the socket's receive buffer, or is dropped when that is full.
      if (e.backlogBytes + buf.length > stallBufferBytes) {
        f.stallDrops++
        if (e === f.receiverEnd) f.lostPayload += dataPayloadBytes(buf)
        return
      }
      e.backlog.push(buf)
      e.backlogBytes += buf.length
      return
    }
    if (e === f.receiverEnd) receivedByReceiver(f, buf)
    else e.session.handleDatagram(buf, now)
  }

  /** One event-loop turn of an endpoint that is not stalled: read the backlog, run timers, send what is due. */
  const turn = (f: FlowState, e: Endpoint, link: VirtualLink<Buffer>, isSender: boolean): void => {
    if (e.backlog.length > 0) {
      const backlog = e.backlog
      e.backlog = []
      e.backlogBytes = 0
      for (const buf of backlog) {
        if (isSender) e.session.handleDatagram(buf, now)
        else receivedByReceiver(f, buf)
      }
    }
    const s = e.session
    if (s.nextDeadlineMs() <= now) s.handleTimeout(now)
    for (let b = s.pollTransmit(now); b !== undefined; b = s.pollTransmit(now)) {
      const dropped = link.enqueue(b, b.length + IP_UDP_OVERHEAD_BYTES, now, f.index)
      if (dropped !== undefined && isSender) f.lostPayload += dataPayloadBytes(b)
    }
  }

  for (let guard = 0; guard < 1e9; guard++) {
    for (const f of flows) {
      if (!f.started && now >= (f.spec.startMs ?? 0)) start(f)
      if (f.started && !f.crashed && f.spec.crashAtMs !== undefined && now >= f.spec.crashAtMs) f.crashed = true
      f.live = isLive(f)
      if (!f.live) continue
      if (!stalled(f.senderEnd!)) turn(f, f.senderEnd!, forward, true)
      if (!stalled(f.receiverEnd!)) turn(f, f.receiverEnd!, reverse, false)
      if (f.completedMs === undefined && f.receiver!.outcome?.ok === true) f.completedMs = now
      f.live = isLive(f)
    }
    let next = Infinity
    let anyLive = false
    for (const f of flows) {
      if (!f.started) { next = Math.min(next, f.spec.startMs ?? 0); anyLive = true; continue }
      if (!f.live) continue
      anyLive = true
      // A stalled endpoint's next event is the end of its stall; a running one's is its sessions' deadline.
      const s = f.senderEnd!
      const r = f.receiverEnd!
      next = Math.min(next, s.stalledUntilMs > now ? s.stalledUntilMs : s.session.nextDeadlineMs(), r.stalledUntilMs > now ? r.stalledUntilMs : r.session.nextDeadlineMs())
    }
    if (!anyLive) break
    next = Math.min(next, forward.nextDeliveryMs() ?? Infinity, reverse.nextDeliveryMs() ?? Infinity)
    if (next === Infinity || next > maxMs) break
    if (next > now) now = next
    for (let d = forward.pollDelivery(now); d !== undefined; d = forward.pollDelivery(now)) {
      if (now >= settleMs) { queueDelaySum += d.queueDelayMs; queueDelayCount++ }
      const f = flows[d.flowId]!
      if (f.live) arrive(f, f.receiverEnd!, d.packet)
    }
    for (let d = reverse.pollDelivery(now); d !== undefined; d = reverse.pollDelivery(now)) {
      const f = flows[d.flowId]!
      if (f.live) arrive(f, f.senderEnd!, d.packet)
    }
  }

  const stats = forward.stats()
  const stalledMs = (e: Endpoint | undefined, untilMs: number): number => e?.stalls === undefined ? 0 : e.stalls.stalledMsBy(untilMs)
  return {
    virtualMs: now,
    maxQueueDelayMs: stats.maxQueueDelayMs,
    standingQueueDelayMs: queueDelayCount === 0 ? 0 : queueDelaySum / queueDelayCount,
    forwardDrops: { ...stats.droppedPackets },
    binMs,
    flows: flows.map(f => {
      const endMs = Math.min(now, f.completedMs ?? now)
      return {
        ok: f.receiver?.outcome?.ok === true,
        code: f.receiver?.outcome?.code ?? f.sender?.outcome?.code,
        startMs: f.spec.startMs ?? 0,
        completedMs: f.completedMs,
        payloadBytes: f.spec.entries.reduce((n, e) => n + e.sizeBytes, 0),
        payloadBytesSent: f.sender?.stats.payloadBytesSent ?? 0,
        retransmittedBytes: f.sender?.stats.retransmittedBytes ?? 0,
        payloadBytesLost: f.lostPayload,
        binBytes: f.binBytes,
        cipherSuite: f.sender?.cipherSuite,
        senderStalledMs: stalledMs(f.senderEnd, endMs),
        receiverStalledMs: stalledMs(f.receiverEnd, endMs),
        stallDroppedDatagrams: f.stallDrops,
        receiver: f.receiver!,
        sender: f.sender!
      }
    })
  }
}
