// One direction of a simulated network path in virtual time: a drop-tail bottleneck queue served at a fixed capacity, then propagation delay, random/bursty loss, jitter and reordering, all seeded so every run replays exactly.
import { FerryError } from '../errors/ferry-error.js'
import { splitMix32 } from './split-mix-32.js'

/** Why the link threw a datagram away. */
export type LinkDropCause = 'queue' | 'random' | 'burst'

export interface VirtualLinkOptions {
  /** Bottleneck serialization rate (bits/s). */
  capacityBitsPerSec: number
  /** One-way propagation delay of this direction (ms), added after serialization. */
  propagationDelayMs: number
  /** Drop-tail queue limit (bytes): a datagram that would make the backlog exceed this is dropped. */
  queueLimitBytes: number
  /** Probability (0..1) that a serialized datagram is lost on the wire, independently of the others. */
  lossRate?: number
  /**
   * Bursty loss (Gilbert–Elliott): per datagram, probability of entering the bad state and of leaving it; in the bad
   * state each datagram is lost with `badLossRate`. Absent: no bursts.
   */
  burstLoss?: { enterBadProbability: number, exitBadProbability: number, badLossRate: number }
  /** Extra one-way delay drawn uniformly in [0, jitterMs) per datagram (ms). Without `reorder`, order is kept. */
  jitterMs?: number
  /** When true, jitter may let a later datagram overtake an earlier one; when false, arrivals stay in send order. */
  reorder?: boolean
  /** Seed of the link's own PRNG (splitmix32); the same seed replays the same losses and jitter. */
  seed?: number
  /** Random source in [0, 1) to use instead of the seeded PRNG (e.g. one shared by the whole simulation). */
  random?: () => number
}

/** A datagram the link handed over, with when it arrived. */
export interface LinkDelivery<P> {
  packet: P
  sizeBytes: number
  /** Virtual time the datagram arrived at the far end (ms). */
  arrivalMs: number
  /** Time it waited in the bottleneck queue (ms), excluding its own serialization. */
  queueDelayMs: number
  /** Flow the sender tagged it with, for per-flow counters. */
  flowId: number
}

export interface LinkFlowCounters {
  sentPackets: number
  sentBytes: number
  deliveredPackets: number
  deliveredBytes: number
  droppedPackets: Record<LinkDropCause, number>
}

export interface VirtualLinkCounters {
  /** Bytes waiting in or being serialized by the bottleneck at the last observed time. */
  queuedBytes: number
  /** Largest queueing delay any datagram saw (ms). */
  maxQueueDelayMs: number
  sentPackets: number
  deliveredPackets: number
  deliveredBytes: number
  droppedPackets: Record<LinkDropCause, number>
  droppedBytes: Record<LinkDropCause, number>
  /** The same counts per flow id. */
  flows: Map<number, LinkFlowCounters>
}

interface InFlight<P> {
  delivery: LinkDelivery<P>
  /** Tie-break so equal arrival times keep send order. */
  order: number
}

/** Datagrams in flight, oldest first, with a moving head: arrivals are in send order unless `reorder` is on, so a queue does a heap's job in O(1). */
class ArrivalQueue<P> {
  private items: Array<LinkDelivery<P> | undefined> = []
  private head = 0
  get length (): number { return this.items.length - this.head }
  peek (): LinkDelivery<P> | undefined { return this.items[this.head] }
  push (d: LinkDelivery<P>): void { this.items.push(d) }
  shift (): LinkDelivery<P> {
    const d = this.items[this.head]!
    this.items[this.head++] = undefined
    if (this.head >= 4096 && this.head * 2 >= this.items.length) { this.items = this.items.slice(this.head); this.head = 0 }
    return d
  }
}

function fail (message: string): never {
  throw new FerryError('FERRY_SIM_LINK_CONFIG', message)
}

/**
 * A one-way link. Several flows may share it (tag each datagram with a `flowId`): they share one FIFO queue, which
 * makes it a shared bottleneck. Pure: the caller passes virtual time; nothing reads a clock.
 */
export class VirtualLink<P> {
  readonly options: Readonly<VirtualLinkOptions>
  private readonly random: () => number
  /** Virtual time at which the bottleneck finishes serializing everything accepted so far (ms). */
  private busyUntilMs = 0
  private badState = false
  private lastArrivalMs = 0
  private order = 0
  /** With `reorder`, arrivals can overtake each other: a binary heap ordered by (arrival, send order). */
  private readonly heap: InFlight<P>[] = []
  /** Without `reorder`, arrival order is send order. */
  private readonly fifo = new ArrivalQueue<P>()
  private readonly reorder: boolean
  private lastFlowId = Number.NaN
  private lastFlow: LinkFlowCounters | undefined
  private readonly counters: VirtualLinkCounters = {
    queuedBytes: 0,
    maxQueueDelayMs: 0,
    sentPackets: 0,
    deliveredPackets: 0,
    deliveredBytes: 0,
    droppedPackets: { queue: 0, random: 0, burst: 0 },
    droppedBytes: { queue: 0, random: 0, burst: 0 },
    flows: new Map()
  }

  constructor (options: VirtualLinkOptions) {
    if (!(options.capacityBitsPerSec > 0) || !Number.isFinite(options.capacityBitsPerSec)) fail('capacityBitsPerSec must be a positive number')
    if (!(options.propagationDelayMs >= 0)) fail('propagationDelayMs must be ≥ 0')
    if (!(options.queueLimitBytes > 0)) fail('queueLimitBytes must be > 0')
    const loss = options.lossRate ?? 0
    if (!(loss >= 0 && loss < 1)) fail('lossRate must be in [0, 1)')
    if (!((options.jitterMs ?? 0) >= 0)) fail('jitterMs must be ≥ 0')
    const burst = options.burstLoss
    if (burst !== undefined) {
      for (const p of [burst.enterBadProbability, burst.exitBadProbability, burst.badLossRate]) {
        if (!(p >= 0 && p <= 1)) fail('burstLoss probabilities must be in [0, 1]')
      }
    }
    this.options = Object.freeze({ ...options })
    this.random = options.random ?? splitMix32(options.seed ?? 1)
    this.reorder = options.reorder === true
  }

  /** Bytes in the bottleneck (waiting or being serialized) at `nowMs`. */
  queuedBytesAt (nowMs: number): number {
    return Math.max(0, this.busyUntilMs - nowMs) * this.options.capacityBitsPerSec / 8000
  }

  /**
   * Offers a datagram to the link at `nowMs` (non-decreasing across calls). Returns the drop cause, or undefined when
   * the datagram is on its way (it may still be lost on the wire: that shows in `deliver`'s absence and the counters).
   */
  enqueue (packet: P, sizeBytes: number, nowMs: number, flowId = 0): LinkDropCause | undefined {
    const flow = this.flow(flowId)
    this.counters.sentPackets++
    flow.sentPackets++
    flow.sentBytes += sizeBytes
    const backlogBytes = this.queuedBytesAt(nowMs)
    this.counters.queuedBytes = backlogBytes
    if (backlogBytes + sizeBytes > this.options.queueLimitBytes) return this.drop('queue', sizeBytes, flow)

    const startMs = Math.max(nowMs, this.busyUntilMs)
    const queueDelayMs = startMs - nowMs
    this.busyUntilMs = startMs + sizeBytes * 8000 / this.options.capacityBitsPerSec
    this.counters.queuedBytes = backlogBytes + sizeBytes
    if (queueDelayMs > this.counters.maxQueueDelayMs) this.counters.maxQueueDelayMs = queueDelayMs

    // Wire loss happens after the bottleneck: the datagram used capacity, as on a lossy radio or long-haul hop.
    const cause = this.wireLoss()
    if (cause !== undefined) return this.drop(cause, sizeBytes, flow)

    const jitterMs = (this.options.jitterMs ?? 0) > 0 ? this.random() * this.options.jitterMs! : 0
    let arrivalMs = this.busyUntilMs + this.options.propagationDelayMs + jitterMs
    if (!this.reorder) arrivalMs = Math.max(arrivalMs, this.lastArrivalMs)
    this.lastArrivalMs = Math.max(this.lastArrivalMs, arrivalMs)
    const delivery = { packet, sizeBytes, arrivalMs, queueDelayMs, flowId }
    if (this.reorder) this.push({ delivery, order: this.order++ })
    else this.fifo.push(delivery)
    return undefined
  }

  /** When the next datagram arrives (ms), or undefined when nothing is in flight. */
  nextDeliveryMs (): number | undefined {
    return this.reorder ? this.heap[0]?.delivery.arrivalMs : this.fifo.peek()?.arrivalMs
  }

  /** Removes and returns the next datagram if it has arrived by `nowMs` (arrival order), else undefined. */
  pollDelivery (nowMs: number): LinkDelivery<P> | undefined {
    let delivery: LinkDelivery<P>
    if (this.reorder) {
      if (this.heap.length === 0 || this.heap[0]!.delivery.arrivalMs > nowMs) return undefined
      delivery = this.pop().delivery
    } else {
      const head = this.fifo.peek()
      if (head === undefined || head.arrivalMs > nowMs) return undefined
      delivery = this.fifo.shift()
    }
    this.counters.deliveredPackets++
    this.counters.deliveredBytes += delivery.sizeBytes
    const flow = this.flow(delivery.flowId)
    flow.deliveredPackets++
    flow.deliveredBytes += delivery.sizeBytes
    return delivery
  }

  /** Removes and returns, in arrival order, every datagram that has arrived by `nowMs`. */
  deliver (nowMs: number): LinkDelivery<P>[] {
    const out: LinkDelivery<P>[] = []
    for (let d = this.pollDelivery(nowMs); d !== undefined; d = this.pollDelivery(nowMs)) out.push(d)
    this.counters.queuedBytes = this.queuedBytesAt(nowMs)
    return out
  }

  /** Datagrams accepted and not yet delivered. */
  get inFlightPackets (): number {
    return this.reorder ? this.heap.length : this.fifo.length
  }

  /** Live counters (read-only view; copy what you keep). */
  stats (): Readonly<VirtualLinkCounters> {
    return this.counters
  }

  private wireLoss (): LinkDropCause | undefined {
    const burst = this.options.burstLoss
    if (burst !== undefined) {
      if (this.badState) {
        if (this.random() < burst.exitBadProbability) this.badState = false
      } else if (this.random() < burst.enterBadProbability) {
        this.badState = true
      }
      if (this.badState && this.random() < burst.badLossRate) return 'burst'
    }
    const loss = this.options.lossRate ?? 0
    if (loss > 0 && this.random() < loss) return 'random'
    return undefined
  }

  private drop (cause: LinkDropCause, sizeBytes: number, flow: LinkFlowCounters): LinkDropCause {
    this.counters.droppedPackets[cause]++
    this.counters.droppedBytes[cause] += sizeBytes
    flow.droppedPackets[cause]++
    return cause
  }

  private flow (flowId: number): LinkFlowCounters {
    if (flowId === this.lastFlowId) return this.lastFlow!
    let flow = this.counters.flows.get(flowId)
    if (flow === undefined) {
      flow = { sentPackets: 0, sentBytes: 0, deliveredPackets: 0, deliveredBytes: 0, droppedPackets: { queue: 0, random: 0, burst: 0 } }
      this.counters.flows.set(flowId, flow)
    }
    this.lastFlowId = flowId
    this.lastFlow = flow
    return flow
  }

  private before (a: InFlight<P>, b: InFlight<P>): boolean {
    return a.delivery.arrivalMs < b.delivery.arrivalMs || (a.delivery.arrivalMs === b.delivery.arrivalMs && a.order < b.order)
  }

  private push (item: InFlight<P>): void {
    const heap = this.heap
    heap.push(item)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.before(heap[i]!, heap[parent]!)) break
      ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
      i = parent
    }
  }

  private pop (): InFlight<P> {
    const heap = this.heap
    const top = heap[0]!
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && this.before(heap[l]!, heap[m]!)) m = l
        if (r < heap.length && this.before(heap[r]!, heap[m]!)) m = r
        if (m === i) break
        ;[heap[i], heap[m]] = [heap[m]!, heap[i]!]
        i = m
      }
    }
    return top
  }
}
