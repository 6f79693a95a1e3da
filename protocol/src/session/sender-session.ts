// The sending side of a transfer: paces data at the controller's rate, resends what the receiver reports missing before new data (SPEC.md §5, §6).
import type { RateController } from '../congestion/rate-controller.js'
import { MANIFEST_FILE_INDEX, ManifestLayout, encodeManifest, type Chunk, type ManifestEntry } from '../manifest/manifest.js'
import { MAX_DATAGRAM_BYTES, MAX_PAYLOAD_BYTES, PacketType, type AckFrame, type Frame } from '../wire/datagram-codec.js'
import { RangeSet } from '../wire/range-set.js'
import type { BlockSource } from './block-io.js'
import { InFlightTable } from './in-flight-table.js'
import { MAX_ACK_DELAY_MS, SYNC_REPEAT_MS } from './receiver-session.js'
import { SessionCore, type SessionOptions } from './session-core.js'

export interface SenderSessionOptions extends SessionOptions {
  entries: readonly ManifestEntry[]
  source: BlockSource
  rateController: RateController
  /**
   * The receiver is known to resume (e.g. the control plane said so): no first flight, since most of it would repeat
   * what the receiver holds. Default false: an initiating sender sends data right behind its hello (SPEC.md §4.2.1).
   */
  receiverResuming?: boolean
}

/** Packets whose send time is kept for RTT samples (a power of two). */
const SENT_TIME_RING = 1 << 16
/** Extra time (ms) beyond one smoothed RTT before a reported gap counts as lost: absorbs jitter and reordering. */
const REORDER_MARGIN_MIN_MS = 3
/** Manifests up to this size (bytes) are sent twice. */
const MANIFEST_REPEAT_MAX_BYTES = 64 * MAX_PAYLOAD_BYTES
/** Extra copies of first repairs in the tail stay within this fraction of the transfer's bytes (SPEC.md §6.4): well under issue 3's 1 % of redundancy. */
const TAIL_COPY_BUDGET = 0.008
/** Above this loss rate (lost ÷ sent so far) a first repair in the tail goes out three times, not twice: at 5 % two copies of each of the thousands of repairs of a long fat path's last RTT still lose a few, each another RTT. */
const TAIL_TRIPLE_LOSS_RATE = 0.02
/** Pacing burst allowance (ms of sending at the current rate): lets a driver with 1 ms timers keep the rate (SPEC.md §7.2). */
export const PACING_BURST_MS = 4
/**
 * A poll this late (ms since the previous one) may send what accrued meanwhile, up to this much: an event loop held up
 * by the scheduler or a GC pause, 10–40 ms on a busy machine, otherwise loses that sending time for good (SPEC.md §7.2).
 */
export const PACING_CATCH_UP_MS = 20
/** Token shortfall tolerated before sending (bytes): absorbs float rounding in the refill. */
const PACING_SLACK_BYTES = 1

export interface SenderStats {
  payloadBytesSent: number
  retransmittedBytes: number
  /** Bytes the sender declared lost (reported gaps older than an RTT, or probe timeouts). */
  lostBytes: number
}

export class SenderSession extends SessionCore {
  readonly transferRole = 'sender'
  readonly layout: ManifestLayout
  private readonly manifestRegion: Uint8Array
  private readonly source: BlockSource
  readonly rateController: RateController
  /** Bytes the receiver holds (global offsets, SPEC.md §5.1). */
  readonly acked = new RangeSet()
  /** Global offset → last send time (ms), with the oldest at hand. */
  private readonly inFlight = new InFlightTable()
  private readonly retransmitQueue: number[] = []
  private readonly queued = new Set<number>()
  /** Tail repairs waiting for their second copy (SPEC.md §6.4). */
  private readonly tailCopies: number[] = []
  private lastTailProbeMs = -Infinity
  /** Bytes of second copies queued in the tail. */
  private tailCopyBytes = 0
  /** Chunks resent at least once (global offsets), forgotten when acknowledged. */
  private readonly repaired = new Set<number>()
  /** Next never-sent global offset. */
  private cursor = 0
  /** Described ranges from the receiver's sync frames; file data starts once they cover the whole space (SPEC.md §5.4). */
  private readonly syncCoverage = new RangeSet()
  private synced = false
  private tokensBytes = MAX_DATAGRAM_BYTES
  private lastRefillMs: number
  private waitingForSource = false
  private readonly sentTimes = new Float64Array(SENT_TIME_RING).fill(-1)
  private readonly sentPns = new Float64Array(SENT_TIME_RING).fill(-1)
  private largestAckedPn = -1
  /** When the sender last asked a resumed receiver for its sync again (ms, SPEC.md §5.4). */
  private syncAskedMs = -Infinity
  /** Whether an acknowledgement of data has given an RTT sample yet (the handshake's timed no data). */
  private dataRttSampled = false
  readonly stats: SenderStats = { payloadBytesSent: 0, retransmittedBytes: 0, lostBytes: 0 }

  constructor (options: SenderSessionOptions) {
    super(options)
    const manifest = encodeManifest(options.entries)
    this.manifestRegion = ManifestLayout.manifestRegion(manifest)
    this.layout = new ManifestLayout(options.entries, manifest.length)
    this.source = options.source
    this.rateController = options.rateController
    this.lastRefillMs = options.nowMs
    // A first flight assumes a fresh receiver, whose sync is empty (SPEC.md §5.4); a resuming reply takes it back.
    if (options.receiverResuming !== true && this.startFirstFlight()) this.synced = true
  }

  /** True once the receiver holds every byte (it still has to confirm the checksums with its close). */
  get allAcked (): boolean { return this.acked.covers(0, this.layout.totalBytes) }
  get bytesTotal (): number { return this.layout.totalBytes }
  get bytesAcked (): number { return this.acked.sizeBytes }
  /** Whether pollTransmit stopped because the source had no bytes ready; the driver polls again when the source loads more. */
  get isWaitingForSource (): boolean { return this.waitingForSource }

  protected onEstablished (nowMs: number): void {
    // A first flight has been pacing since the hello: its tokens stand.
    if (!this.firstFlight) this.lastRefillMs = nowMs
    // A receiver that is not resuming holds nothing: its hello is the whole sync (SPEC.md §5.4), saving a round trip.
    if (!this.peerResuming) { this.synced = true; return }
    // A resuming one: no data until its sync is complete, which the first flight's acknowledgements may have brought.
    this.synced = false
    this.syncAskedMs = nowMs
    this.completeSync()
  }

  /** How long (ms) a sender waits for a resumed receiver's sync before it asks again: the receiver's repeat interval. */
  private get syncAskIntervalMs (): number { return Math.max(SYNC_REPEAT_MS, this.srttMs) }

  /** Once the sync frames cover the whole space, data starts over from the first byte the receiver lacks (SPEC.md §5.4). */
  private completeSync (): void {
    if (this.synced || !this.syncCoverage.covers(0, this.layout.totalBytes)) return
    this.synced = true
    this.cursor = 0
  }
  protected onClosed (): void {}

  /** The receiver's acknowledgements bound the packet numbers this side may have unacknowledged (SPEC.md §3.2). */
  protected override largestAcknowledgedPacketNumber (): number { return this.largestAckedPn }

  protected override onSealed (pn: number, nowMs: number): void {
    const slot = pn & (SENT_TIME_RING - 1)
    this.sentTimes[slot] = nowMs
    this.sentPns[slot] = pn
  }

  protected onFrame (frame: Frame, _ticks: number, _pn: number, nowMs: number): void {
    if (frame.type === PacketType.Ack) this.onAck(frame, nowMs)
    // A sender ignores data frames: the direction is fixed by the hello (SPEC.md §4.2).
  }

  private onAck (ack: AckFrame, nowMs: number): void {
    if (ack.largestPacketNumber > this.largestAckedPn && ack.largestPacketNumber < this.nextPacketNumber) {
      this.largestAckedPn = ack.largestPacketNumber
      const slot = ack.largestPacketNumber & (SENT_TIME_RING - 1)
      if (this.sentPns[slot] === ack.largestPacketNumber) {
        const rtt = nowMs - this.sentTimes[slot]!
        // The first sample from data re-seeds the estimator: the handshake's, when there is one (SessionCore drops it
        // after a retried hello, Karn's rule), timed two small packets, not data through the path's queue.
        if (!this.dataRttSampled) {
          this.dataRttSampled = true
          this.hasRttSample = false
          this.minRttMs = Infinity
        }
        this.onRttSample(rtt - ack.ackDelayMs >= this.minRttMs * 0.9 ? rtt - ack.ackDelayMs : rtt)
      }
    }
    const total = this.layout.totalBytes
    let ackedBytes = this.markAcked(0, Math.min(ack.cumulativeBytes, total))
    let lostBytes = 0
    // A reported gap is lost if it was sent a reorder margin before the newest datagram the receiver has: it would
    // have arrived by now (SPEC.md §6.2; RFC 9002 §6.1.2's time threshold, measured from the largest acknowledged).
    const slot = ack.largestPacketNumber & (SENT_TIME_RING - 1)
    const largestSentMs = this.sentPns[slot] === ack.largestPacketNumber ? this.sentTimes[slot]! : nowMs - this.srttMs
    const lossBeforeMs = largestSentMs - Math.max(REORDER_MARGIN_MIN_MS, this.srttMs / 8)
    for (const seg of ack.segments) {
      const to = Math.min(seg.toBytes, total)
      if (ack.sync) this.syncCoverage.add(seg.fromBytes, seg.toBytes)
      let cursor = seg.fromBytes
      for (const [s, e] of seg.received) {
        if (s >= total) break
        if (s > cursor) lostBytes += this.markGap(cursor, Math.min(s, to), lossBeforeMs)
        ackedBytes += this.markAcked(s, Math.min(e, total))
        cursor = e
      }
      if (cursor < to) lostBytes += this.markGap(cursor, to, lossBeforeMs)
    }
    // While the first flight lasts `synced` stands for a fresh receiver; only an established session completes a sync.
    if (ack.sync && this.state === 'established') this.completeSync()
    this.rateController.onReport({ nowMs, ackedBytes, lostBytes, receiveRateBitsPerSec: ack.receiveRateBitsPerSec, oneWayDelayMs: ack.oneWayDelayMs, rttMs: this.dataRttSampled ? this.srttMs : NaN })
    if (this.allAcked && this.synced) this.waitingForSource = false
  }

  /** Marks [start, end) acknowledged; returns the newly acknowledged bytes. */
  private markAcked (start: number, end: number): number {
    if (end <= start || this.acked.covers(start, end)) return 0
    let added = 0
    for (const [gs, ge] of [...this.acked.gapsWithin(start, end)]) {
      for (let g = gs; g < ge;) {
        const chunk = this.layout.chunkAt(g)
        if (chunk === undefined) break
        this.inFlight.delete(chunk.globalOffset)
        if (this.repaired.size > 0) this.repaired.delete(chunk.globalOffset)
        g = chunk.globalOffset + chunk.lengthBytes
        if (this.source.release !== undefined && chunk.fileIndex !== MANIFEST_FILE_INDEX && chunk.offsetBytes < this.layout.entries[chunk.fileIndex]!.sizeBytes) {
          this.source.release(chunk.fileIndex, chunk.offsetBytes, chunk.lengthBytes)
        }
      }
      added += this.acked.add(gs, ge)
    }
    return added
  }

  /** The receiver reports [start, end) missing: queue chunks in it that were sent long enough ago. Returns bytes newly declared lost. */
  private markGap (start: number, end: number, sentBeforeMs: number): number {
    let lost = 0
    const limit = Math.min(end, this.cursor)
    for (let g = start; g < limit;) {
      const chunk = this.layout.chunkAt(g)
      if (chunk === undefined) break
      const sentAt = this.inFlight.get(chunk.globalOffset)
      if (sentAt !== undefined && sentAt < sentBeforeMs) {
        this.inFlight.delete(chunk.globalOffset)
        this.queueRetransmit(chunk.globalOffset)
        lost += chunk.lengthBytes
      }
      g = chunk.globalOffset + chunk.lengthBytes
    }
    this.stats.lostBytes += lost
    return lost
  }

  private queueRetransmit (global: number): void {
    if (this.queued.has(global)) return
    this.queued.add(global)
    this.retransmitQueue.push(global)
    this.waitingForSource = false
  }

  /** Every chunk has been sent once: what is left is repairs (SPEC.md §6.4). */
  private get inTail (): boolean { return this.cursor >= this.layout.totalBytes }

  /**
   * Tail-loss probe (SPEC.md §6.4): in the tail nothing follows the last datagrams, so a lost one is only found by the
   * probe timeout (two of them, over 2 RTTs). Instead, the oldest chunk still unacknowledged one smoothed RTT plus the
   * reorder margin and the receiver's ack delay after its send is resent, one chunk per quarter RTT at most: its
   * acknowledgement, if nothing else, reveals the other gaps.
   */
  private get tailProbeDueMs (): number {
    const oldest = this.inFlight.oldestSentAtMs()
    if (!this.inTail || oldest === undefined) return Infinity
    const overdueMs = oldest + this.srttMs + Math.max(REORDER_MARGIN_MIN_MS, this.srttMs / 8, 2 * this.rttVarMs) + MAX_ACK_DELAY_MS
    return Math.max(overdueMs, this.lastTailProbeMs + this.srttMs / 4)
  }

  /**
   * A first flight before any RTT sample (no acknowledgement, no reply yet) has only the default RTT, which may be far
   * below the path's: its loss timers wait for a sample or the reply (SPEC.md §4.2.1).
   */
  private get lossTimersWait (): boolean { return this.state === 'handshake' && !this.hasRttSample }

  protected onTimeout (nowMs: number): void {
    if (this.lossTimersWait) return
    // Probe timeout: the oldest unacknowledged chunks whose acknowledgement is overdue are resent (tail loss, lost retransmissions).
    const before = nowMs - 2 * this.ptoMs + 1e-6 // tolerance: the deadline was computed as sentAt + 2 PTO
    let lost = 0
    for (let global = this.inFlight.takeOldestSentBy(before); global !== undefined; global = this.inFlight.takeOldestSentBy(before)) {
      const chunk = this.layout.chunkAt(global)!
      if (!this.acked.covers(global, global + chunk.lengthBytes)) { this.queueRetransmit(global); lost += chunk.lengthBytes }
    }
    if (nowMs >= this.tailProbeDueMs - 1e-6) {
      const global = this.inFlight.takeOldestSentBy(Infinity)!
      const chunk = this.layout.chunkAt(global)!
      this.lastTailProbeMs = nowMs
      if (!this.acked.covers(global, global + chunk.lengthBytes)) { this.queueRetransmit(global); lost += chunk.lengthBytes }
    }
    if (lost > 0) this.stats.lostBytes += lost
  }

  protected subclassDeadlineMs (): number {
    let deadline = Infinity
    const oldest = this.inFlight.oldestSentAtMs()
    if (oldest !== undefined && !this.lossTimersWait) deadline = Math.min(oldest + 2 * this.ptoMs, this.tailProbeDueMs)
    if (!this.synced && this.state === 'established') deadline = Math.min(deadline, this.syncAskedMs + this.syncAskIntervalMs)
    deadline = Math.min(deadline, this.closeProbeDueMs)
    if (this.synced && !this.waitingForSource && this.hasDataToSend()) {
      const rate = this.rateController.rateBitsPerSec(this.lastRefillMs)
      const missing = MAX_DATAGRAM_BYTES - PACING_SLACK_BYTES - this.tokensBytes
      // At least 1 µs ahead, so float rounding can never make a deadline that polling does not satisfy.
      deadline = Math.min(deadline, missing <= 0 ? -Infinity : this.lastRefillMs + Math.max(0.001, (missing * 8000) / rate))
    }
    return deadline
  }

  /**
   * Once every byte is acknowledged the receiver's CLOSE (with its checksum verdict) ends the session; if it is lost,
   * nothing else would come, and the receiver stops answering after its drain (SPEC.md §5.3). So a PTO after the last
   * datagram the sender pings, and again each PTO (the ping is that last datagram): a closing receiver answers any
   * datagram with its CLOSE.
   */
  private get closeProbeDueMs (): number {
    return this.allAcked && this.synced && this.state === 'established' ? this.lastSendMs + this.ptoMs : Infinity
  }

  private hasDataToSend (): boolean { return this.retransmitQueue.length > 0 || this.tailCopies.length > 0 || this.cursor < this.layout.totalBytes }

  /** Changes the rate settings mid-transfer (SPEC.md §7). */
  setRate (settings: Parameters<RateController['configure']>[0], nowMs: number): void { this.rateController.configure(settings, nowMs) }

  /** The driver calls this when the source loaded more bytes. */
  sourceReady (): void { this.waitingForSource = false }

  protected pollFrame (nowMs: number): Buffer | undefined {
    if (!this.synced) {
      // The receiver stops repeating its sync at the first data, a first flight's too: ask again while it is missing.
      if (this.state !== 'established' || nowMs < this.syncAskedMs + this.syncAskIntervalMs) return undefined
      this.syncAskedMs = nowMs
      return this.build({ type: PacketType.Ping, id: 0 }, nowMs)
    }
    if (nowMs >= this.closeProbeDueMs) return this.build({ type: PacketType.Ping, id: 0 }, nowMs)
    const rate = this.rateController.rateBitsPerSec(nowMs)
    const elapsedMs = Math.max(0, nowMs - this.lastRefillMs)
    const capBytes = Math.max(2 * MAX_DATAGRAM_BYTES, (rate / 8) * Math.max(PACING_BURST_MS, Math.min(elapsedMs, PACING_CATCH_UP_MS)) / 1000)
    // The cap bounds what accrues, never what a catch-up burst still holds: the polls within it come moments apart.
    this.tokensBytes = Math.min(Math.max(capBytes, this.tokensBytes), this.tokensBytes + (rate / 8) * elapsedMs / 1000)
    this.lastRefillMs = nowMs
    if (this.tokensBytes < MAX_DATAGRAM_BYTES - PACING_SLACK_BYTES || this.waitingForSource) return undefined
    const next = this.nextChunk()
    if (next === undefined) return undefined
    const { chunk, bytes, retransmit } = next
    const packet = this.build({ type: PacketType.Data, globalOffset: chunk.globalOffset, payload: bytes }, nowMs)
    this.tokensBytes -= packet.length
    this.inFlight.set(chunk.globalOffset, nowMs)
    this.stats.payloadBytesSent += chunk.lengthBytes
    if (retransmit) this.stats.retransmittedBytes += chunk.lengthBytes
    this.rateController.onPacketSent(packet.length, nowMs)
    return packet
  }

  private bytesOf (chunk: Chunk): Uint8Array | undefined {
    if (chunk.fileIndex === MANIFEST_FILE_INDEX) return this.manifestRegion.subarray(chunk.offsetBytes, chunk.offsetBytes + chunk.lengthBytes)
    const entry = this.layout.entries[chunk.fileIndex]!
    if (chunk.offsetBytes === entry.sizeBytes) return this.source.digest(chunk.fileIndex)
    return this.source.read(chunk.fileIndex, chunk.offsetBytes, chunk.lengthBytes)
  }

  private nextChunk (): { chunk: Chunk, bytes: Uint8Array, retransmit: boolean } | undefined {
    // Lost data goes before new data (SPEC.md §6.3); a chunk whose bytes are not loaded yet waits at the head.
    while (this.retransmitQueue.length > 0) {
      const global = this.retransmitQueue[0]!
      const chunk = this.layout.chunkAt(global)!
      if (this.acked.covers(global, global + chunk.lengthBytes)) { this.retransmitQueue.shift(); this.queued.delete(global); continue }
      const bytes = this.bytesOf(chunk)
      if (bytes === undefined) break
      this.retransmitQueue.shift(); this.queued.delete(global)
      // In the tail a repair goes out twice (three times on a lossy path), the copies after the other repairs: each
      // loss there costs a whole RTT, while the copies cost a few datagrams per tail. Always for a chunk whose repair
      // was lost too; for a first repair while the copies stay within TAIL_COPY_BUDGET of the transfer (SPEC.md §6.4).
      if (this.inTail) {
        const lossy = this.stats.lostBytes > TAIL_TRIPLE_LOSS_RATE * this.stats.payloadBytesSent
        const copies = lossy ? 2 : 1
        for (let i = 0; i < copies; i++) {
          if (!this.repaired.has(global) && this.tailCopyBytes + chunk.lengthBytes > TAIL_COPY_BUDGET * this.layout.totalBytes) break
          this.tailCopies.push(global)
          this.tailCopyBytes += chunk.lengthBytes
        }
      }
      this.repaired.add(global)
      return { chunk, bytes, retransmit: true }
    }
    while (this.tailCopies.length > 0) {
      const global = this.tailCopies[0]!
      const chunk = this.layout.chunkAt(global)!
      if (this.queued.has(global) || this.acked.covers(global, global + chunk.lengthBytes)) { this.tailCopies.shift(); continue }
      const bytes = this.bytesOf(chunk)
      if (bytes === undefined) break
      this.tailCopies.shift()
      return { chunk, bytes, retransmit: true }
    }
    const total = this.layout.totalBytes
    while (this.cursor < total) {
      const chunk = this.layout.chunkAt(this.cursor)!
      const end = chunk.globalOffset + chunk.lengthBytes
      if (this.acked.covers(chunk.globalOffset, end)) { this.cursor = Math.max(end, this.acked.contiguousEnd(this.cursor)); continue }
      const bytes = this.bytesOf(chunk)
      if (bytes === undefined) {
        this.waitingForSource = true
        if (chunk.fileIndex !== MANIFEST_FILE_INDEX) this.source.advise?.(chunk.fileIndex, chunk.offsetBytes)
        return undefined
      }
      this.cursor = end
      // A small manifest goes out twice: losing it would hold every file byte until it is repaired (SPEC.md §5.1).
      if (chunk.fileIndex === MANIFEST_FILE_INDEX && this.layout.manifestRegionBytes <= MANIFEST_REPEAT_MAX_BYTES) this.queueRetransmit(chunk.globalOffset)
      return { chunk, bytes, retransmit: false }
    }
    return undefined
  }
}
