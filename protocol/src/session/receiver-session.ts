// The receiving side of a transfer: places data at its offset, reports what it holds and what is missing, records verified blocks, verifies each file (SPEC.md §5, §6, §9).
import { FerryError } from '../errors/ferry-error.js'
import { DIGEST_BYTES, MANIFEST_FILE_INDEX, ManifestLayout, MAX_MANIFEST_BYTES, decodeManifest, type ManifestEntry } from '../manifest/manifest.js'
import {
  MAX_OFFSET_BYTES, MAX_PAYLOAD_BYTES, PacketType,
  type AckFrame, type AckSegment, type DataFrame, type Frame
} from '../wire/datagram-codec.js'
import { RangeSet } from '../wire/range-set.js'
import { blockCount, blockSpan } from '../files/block-ledger.js'
import type { BlockSink, SinkListener, SinkResume } from './block-io.js'
import { JOURNAL_VERSION, type ResumeJournal } from './resume-journal.js'
import { SessionCore, type SessionOptions } from './session-core.js'

export interface ReceiverSessionOptions extends SessionOptions {
  sink: BlockSink
  /** Refuse a manifest whose files add up to more than this (bytes). */
  maxBytes?: number
  /** State saved by an earlier session for the same transfer (SPEC.md §9). */
  resumeFrom?: ResumeJournal
}

/** Acknowledge after this many data datagrams… */
export const ACK_EVERY_PACKETS = 32
/** …or this long after the first unacknowledged one (ms). */
export const MAX_ACK_DELAY_MS = 5
/** Received ranges listed per acknowledgement segment: two segments keep an ack under ~1 KiB (SPEC.md §4.4). */
const RANGES_PER_SEGMENT = 48
/** Data datagrams kept while the manifest is incomplete, or before its first chunk says where its region ends (~11 MiB). */
const MAX_EARLY_FRAMES = 8192
/** Receive rate is measured over at least this window (ms). */
const RATE_WINDOW_MS = 25
/** While syncing, the full state is repeated this often (ms) until the first data arrives. */
export const SYNC_REPEAT_MS = 200

export class ReceiverSession extends SessionCore implements SinkListener {
  readonly transferRole = 'receiver'
  private readonly sink: BlockSink
  private readonly maxBytes: number
  readonly received = new RangeSet()
  layout: ManifestLayout | undefined
  private early: DataFrame[] = []
  private manifestChunks = new Map<number, Uint8Array>()
  /** The manifest region's length, once its first chunk (which announces it) arrived (SPEC.md §5.1). */
  private manifestRegionBytes: number | undefined
  private manifestBytes: Uint8Array | undefined
  private readonly digests = new Map<number, Uint8Array>()
  private readonly finishing = new Set<number>()
  readonly verified = new Set<number>()
  private resuming: boolean
  /** CRC-32 of each integrity block checked on disk, by file then block (SPEC.md §5.2): what a journal records. */
  private readonly blockCrc32 = new Map<number, Map<number, number>>()
  /** Complete blocks a resumed session holds that the sink has not read back yet: no sync, no file verdict before it is 0 (SPEC.md §9). */
  private uncheckedBlocks = new Map<number, Set<number>>()
  private uncheckedCount = 0
  /** Files to finish once the resume check is done. */
  private finishDeferred = false
  /** Bytes held that a sink found gone after the sync (the sender thinks them delivered): the session must end, a resume resends them. */
  private lostAfterSync: string | undefined

  private syncing = true
  private syncDueMs = -Infinity
  private syncFrames: AckFrame[] = []
  private ackPendingPackets = 0
  private firstUnackedMs = Infinity
  private largestPn = -1
  private largestPnAtMs = 0
  private owdBaseTicks: number | undefined
  private owdMinInterval = Infinity
  private owdLast = 0
  private nackCursor = 0
  private rateWindowStartMs: number
  private rateWindowBytes = 0
  /** Whether a data datagram has opened the current rate window. */
  private rateWindowHasData = false
  private receiveRateBitsPerSec = 0
  payloadBytesReceived = 0

  constructor (options: ReceiverSessionOptions) {
    super(options)
    this.sink = options.sink
    this.maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER
    this.rateWindowStartMs = options.nowMs
    this.resuming = options.resumeFrom !== undefined
    if (options.resumeFrom !== undefined) this.restore(options.resumeFrom, options.nowMs)
  }

  get bytesTotal (): number { return this.layout?.totalBytes ?? 0 }
  get bytesReceived (): number { return this.received.sizeBytes }
  get entries (): readonly ManifestEntry[] { return this.layout?.entries ?? [] }
  /** Files whose SHA-256 checked out. */
  get filesVerified (): number { return this.verified.size }

  protected override isResuming (): boolean { return this.resuming }

  private restore (journal: ResumeJournal, nowMs: number): void {
    const manifest = new Uint8Array(Buffer.from(journal.manifestBase64, 'base64'))
    const layout = this.decodeLayout(manifest, nowMs)
    if (layout === undefined) throw new FerryError('FERRY_PROTOCOL_JOURNAL', 'the resume journal holds an invalid manifest')
    for (const [s, e] of journal.receivedRanges) if (Math.min(e, layout.totalBytes) > s) this.received.add(s, Math.min(e, layout.totalBytes))
    for (const [index, hex] of Object.entries(journal.digestsHex)) this.digests.set(Number(index), Buffer.from(hex, 'hex'))
    const recorded = new Map<number, Map<number, number>>()
    for (const index of layout.files) {
      const [start] = layout.fileRegion(index)
      const size = layout.entries[index]!.sizeBytes
      const crcs = journal.blockCrc32[String(index)] ?? []
      const blocks = new Map<number, number>()
      const unchecked = new Set<number>()
      for (let b = 0; b < blockCount(size); b++) {
        const [s, e] = blockSpan(size, b)
        if (!this.received.covers(start + s, start + e)) continue
        unchecked.add(b)
        const crc = crcs[b]
        if (typeof crc === 'number') blocks.set(b, crc)
      }
      if (blocks.size > 0) recorded.set(index, blocks)
      if (unchecked.size > 0) { this.uncheckedBlocks.set(index, unchecked); this.uncheckedCount += unchecked.size }
    }
    // The sink reads back every complete block held and reports each (blockVerified / blockCorrupt) before the sync;
    // a file counts as verified again only after the sink re-checks it: onEstablished restarts verification.
    const resume: SinkResume = {
      held: index => {
        const [start] = layout.fileRegion(index)
        return [...this.received.rangesWithin(start, start + layout.entries[index]!.sizeBytes)].map(([a, b]) => [a - start, b - start] as const)
      },
      blockCrc32: index => recorded.get(index) ?? new Map()
    }
    this.openSink(manifest, layout, nowMs, resume)
    if (this.layout === undefined) throw new FerryError('FERRY_PROTOCOL_JOURNAL', 'the resume journal\'s destination cannot be prepared')
  }

  /** SinkListener: a block is on disk and checksummed. */
  blockVerified (fileIndex: number, blockIndex: number, crc32: number): void {
    let blocks = this.blockCrc32.get(fileIndex)
    if (blocks === undefined) { blocks = new Map(); this.blockCrc32.set(fileIndex, blocks) }
    blocks.set(blockIndex, crc32)
    this.blockChecked(fileIndex, blockIndex)
  }

  /** SinkListener: a block held is not on disk as recorded: forget its bytes so the sync asks for them again. */
  blockCorrupt (fileIndex: number, blockIndex: number): void {
    const layout = this.layout
    if (layout === undefined) return
    const [start] = layout.fileRegion(fileIndex)
    const [s, e] = blockSpan(layout.entries[fileIndex]!.sizeBytes, blockIndex)
    this.received.remove(start + s, start + e)
    this.blockCrc32.get(fileIndex)?.delete(blockIndex)
    this.corruptBlocks++
    if (!this.blockChecked(fileIndex, blockIndex) && !this.syncing) this.lostAfterSync ??= `block ${blockIndex} of ${layout.entries[fileIndex]!.relativePath} is gone from disk`
  }

  /** SinkListener: accepted bytes never reached the disk (full disk): they are not held, and the journal must not name them. */
  writeFailed (fileIndex: number, offsetBytes: number, lengthBytes: number): void {
    const global = this.layout?.globalOffset(fileIndex, offsetBytes)
    if (global !== undefined) this.received.remove(global, global + lengthBytes)
  }

  /** Blocks found corrupt on disk and asked for again (resume check). */
  corruptBlocks = 0

  /** Counts down the resume check; true if the block was awaiting it. */
  private blockChecked (fileIndex: number, blockIndex: number): boolean {
    const unchecked = this.uncheckedBlocks.get(fileIndex)
    if (unchecked === undefined || !unchecked.delete(blockIndex)) return false
    this.uncheckedCount--
    if (unchecked.size === 0) this.uncheckedBlocks.delete(fileIndex)
    return true
  }

  /** True while a resumed session still waits for the sink to read back what it holds (no sync meanwhile). */
  get checkingResume (): boolean { return this.uncheckedCount > 0 }

  /** What a restart needs: the manifest, the ranges held, the digests received (SPEC.md §9). Take it before the sink flushes. */
  journal (): ResumeJournal {
    if (this.manifestBytes === undefined) throw new FerryError('FERRY_PROTOCOL_STATE', 'no manifest yet: nothing to journal')
    const digestsHex: Record<string, string> = {}
    for (const [index, d] of this.digests) digestsHex[String(index)] = Buffer.from(d).toString('hex')
    const blockCrc32: Record<string, Array<number | null>> = {}
    for (const [index, blocks] of this.blockCrc32) {
      if (blocks.size === 0) continue
      let last = 0
      for (const b of blocks.keys()) if (b > last) last = b
      const list = new Array<number | null>(last + 1).fill(null)
      for (const [b, crc] of blocks) list[b] = crc
      blockCrc32[String(index)] = list
    }
    return { version: JOURNAL_VERSION, connectionId: this.connectionId, manifestBase64: Buffer.from(this.manifestBytes).toString('base64'), receivedRanges: this.received.toJSON(), digestsHex, blockCrc32 }
  }

  /** The sender's SHA-256 of file `index`, hex, once verified here. */
  verifiedSha256Hex (index: number): string | undefined {
    const d = this.digests.get(index)
    return this.verified.has(index) && d !== undefined ? Buffer.from(d).toString('hex') : undefined
  }

  get hasManifest (): boolean { return this.layout !== undefined }

  protected onEstablished (nowMs: number): void {
    this.syncDueMs = nowMs
    if (this.uncheckedCount > 0) { this.finishDeferred = true; return }
    this.finishAll(nowMs)
  }

  private finishAll (nowMs: number): void {
    if (this.layout !== undefined) for (const index of this.layout.files) this.maybeFinish(index, nowMs)
    this.checkComplete(nowMs)
  }
  protected onClosed (): void {}

  /**
   * A resumed receiver stops repeating its sync at the first data, which after a first flight need not mean the sender
   * has it: a sender still waiting pings, and the full state goes out again (SPEC.md §5.4).
   */
  protected override onPing (nowMs: number): void {
    if (!this.resuming || this.syncing) return
    this.syncing = true
    this.syncFrames = []
    this.syncDueMs = nowMs
  }

  protected onFrame (frame: Frame, ticks: number, pn: number, nowMs: number): void {
    if (frame.type !== PacketType.Data) return
    // Only a first flight reaches a resumed receiver before its sync (SPEC.md §4.2.1): while the sink still reads back
    // what is held there is no sync to end, and writes would race that check; the sync asks for these bytes again.
    if (this.syncing && this.uncheckedCount > 0) { this.dropped.beforeSync++; return }
    if (pn > this.largestPn) { this.largestPn = pn; this.largestPnAtMs = nowMs }
    this.syncing = false
    this.ackPendingPackets++
    if (this.firstUnackedMs === Infinity) this.firstUnackedMs = nowMs
    const localTicks = Math.round((nowMs - this.originMs) * 100)
    if (this.owdBaseTicks === undefined) this.owdBaseTicks = localTicks - ticks
    const owd = ((localTicks - ticks - this.owdBaseTicks) | 0) / 100
    this.owdLast = owd
    if (owd < this.owdMinInterval) this.owdMinInterval = owd
    // A window that has seen no data yet starts at this datagram: the idle time before the first data (the handshake,
    // a pause of the sender) is not the path's rate, and a first report read over it made the start leave too low.
    // The window's first datagram only marks its start: the bytes after it over the time since are the rate.
    if (!this.rateWindowHasData) {
      this.rateWindowHasData = true
      this.rateWindowStartMs = nowMs
    } else {
      this.rateWindowBytes += frame.payload.length
    }
    this.onData(frame, nowMs)
  }

  private onData (frame: DataFrame, nowMs: number): void {
    const layout = this.layout
    if (layout === undefined) { this.onDataBeforeManifest(frame, nowMs); return }
    const global = frame.globalOffset
    const len = frame.payload.length
    // The layout maps the global offset to its file (or digest) and checks it is a whole chunk (SPEC.md §5.1).
    const chunk = layout.chunkAt(global)
    if (chunk === undefined || chunk.globalOffset !== global || chunk.lengthBytes !== len) {
      this.closeLocally('FERRY_PROTOCOL_VIOLATION', `data frame does not match the manifest (offset ${global}, ${len} bytes)`, nowMs)
      return
    }
    if (chunk.fileIndex === MANIFEST_FILE_INDEX || this.received.covers(global, global + len)) { this.dropped.duplicate++; return }
    const fileIndex = chunk.fileIndex
    if (chunk.offsetBytes === layout.entries[fileIndex]!.sizeBytes) {
      this.digests.set(fileIndex, Buffer.from(frame.payload))
    } else if (!this.sink.write(fileIndex, chunk.offsetBytes, frame.payload)) {
      this.dropped.sinkFull++
      return
    }
    this.received.add(global, global + len)
    this.payloadBytesReceived += len
    this.maybeFinish(fileIndex, nowMs)
  }

  /**
   * Data before the manifest is complete. Offset 0 is always the manifest region's first chunk, which announces the
   * region's length; until it arrives nothing tells a manifest chunk from file data, so both are kept, bounded, and
   * sorted out then. Data that overtook a lost manifest chunk is kept so the repair costs no resend (SPEC.md §5.1).
   */
  private onDataBeforeManifest (frame: DataFrame, nowMs: number): void {
    const regionBytes = this.manifestRegionBytes
    if (frame.globalOffset === 0 || (regionBytes !== undefined && frame.globalOffset < regionBytes)) { this.onManifestChunk(frame, nowMs); return }
    if (this.early.length < MAX_EARLY_FRAMES) this.early.push({ ...frame, payload: Buffer.from(frame.payload) })
    else this.dropped.beforeManifest++
  }

  private maybeFinish (fileIndex: number, nowMs: number): void {
    if (this.finishing.has(fileIndex) || this.verified.has(fileIndex)) return
    const [start, end] = this.layout!.fileRegion(fileIndex)
    if (!this.received.covers(start, end)) return
    this.finishing.add(fileIndex)
    const verdict = this.sink.finish(fileIndex, this.digests.get(fileIndex)!)
    if (verdict !== undefined) this.fileVerified(fileIndex, verdict, nowMs)
  }

  /** The sink's verdict on a file's SHA-256. A mismatch closes the session: the journal drops that file so a resume resends it. */
  fileVerified (fileIndex: number, ok: boolean, nowMs: number): void {
    if (!this.finishing.delete(fileIndex)) return
    if (!ok) {
      const [start, end] = this.layout!.fileRegion(fileIndex)
      this.received.remove(start, end)
      this.digests.delete(fileIndex)
      this.blockCrc32.delete(fileIndex)
      this.closeLocally('FERRY_PROTOCOL_INTEGRITY', `SHA-256 mismatch for ${this.layout!.entries[fileIndex]!.relativePath}`, nowMs)
      return
    }
    this.verified.add(fileIndex)
    this.checkComplete(nowMs)
  }

  private checkComplete (nowMs: number): void {
    const layout = this.layout
    if (layout === undefined || this.state !== 'established') return
    if (this.verified.size === layout.files.length && this.received.covers(0, layout.totalBytes)) this.closeSuccessfully(nowMs)
  }

  /** Keeps a copy of a chunk of the manifest region; a misaligned one closes the session (SPEC.md §5.1). */
  private keepManifestChunk (offset: number, payload: Uint8Array, nowMs: number): 'kept' | 'duplicate' | 'misaligned' {
    if (offset % MAX_PAYLOAD_BYTES !== 0) {
      this.closeLocally('FERRY_PROTOCOL_VIOLATION', 'misaligned manifest chunk', nowMs)
      return 'misaligned'
    }
    if (this.manifestChunks.has(offset)) return 'duplicate'
    this.manifestChunks.set(offset, Buffer.from(payload))
    this.received.add(offset, offset + payload.length)
    return 'kept'
  }

  private onManifestChunk (frame: DataFrame, nowMs: number): void {
    const offset = frame.globalOffset
    const kept = this.keepManifestChunk(offset, frame.payload, nowMs)
    if (kept === 'duplicate') this.dropped.duplicate++
    if (kept !== 'kept') return
    if (offset === 0) {
      const announced = ManifestLayout.announcedManifestBytes(frame.payload)
      if (announced === undefined) { this.closeLocally('FERRY_PROTOCOL_VIOLATION', 'first manifest chunk too short', nowMs); return }
      if (announced > MAX_MANIFEST_BYTES) { this.closeLocally('FERRY_MANIFEST_TOO_LARGE', 'the manifest is larger than 32 MiB', nowMs); return }
      const regionBytes = 4 + announced
      this.manifestRegionBytes = regionBytes
      // What arrived before this chunk and lies in the region was manifest, not file data.
      const early = this.early
      this.early = []
      for (const f of early) {
        if (f.globalOffset >= regionBytes) { this.early.push(f); continue }
        if (this.keepManifestChunk(f.globalOffset, f.payload, nowMs) === 'misaligned') return
      }
    }
    const regionBytes = this.manifestRegionBytes
    if (regionBytes === undefined || !this.received.covers(0, regionBytes)) return
    const region = new Uint8Array(regionBytes)
    for (const [chunkOffset, bytes] of this.manifestChunks) {
      if (chunkOffset + bytes.length > regionBytes) { this.closeLocally('FERRY_PROTOCOL_VIOLATION', 'manifest chunk beyond its length', nowMs); return }
      region.set(bytes, chunkOffset)
    }
    this.manifestChunks = new Map()
    this.acceptManifest(region.subarray(4), nowMs)
  }

  private acceptManifest (bytes: Uint8Array, nowMs: number): void {
    const layout = this.decodeLayout(bytes, nowMs)
    if (layout === undefined) return
    this.openSink(bytes, layout, nowMs, undefined)
    if (this.layout === undefined) return
    const early = this.early
    this.early = []
    for (const frame of early) this.onData(frame, nowMs)
    this.checkComplete(nowMs)
  }

  /** Decodes and checks a manifest against this receiver's limits; closes the session and returns undefined if refused. */
  private decodeLayout (bytes: Uint8Array, nowMs: number): ManifestLayout | undefined {
    let entries: ManifestEntry[]
    try {
      entries = decodeManifest(bytes)
    } catch (err) {
      const code = (err as FerryError).code ?? 'FERRY_PROTOCOL_DECODE'
      this.closeLocally(code, (err as Error).message, nowMs)
      return undefined
    }
    const layout = new ManifestLayout(entries, bytes.length)
    const payloadBytes = entries.reduce((n, e) => n + e.sizeBytes, 0)
    if (payloadBytes > this.maxBytes) {
      this.closeLocally('FERRY_PROTOCOL_QUOTA', `the transfer holds ${payloadBytes} bytes, more than the ${this.maxBytes} allowed`, nowMs)
      return undefined
    }
    return layout
  }

  private openSink (bytes: Uint8Array, layout: ManifestLayout, nowMs: number, resume: SinkResume | undefined): void {
    // The layout is set first: a sink may report blocks from open() (a resume re-check of memory files).
    this.layout = layout
    this.manifestBytes = Buffer.from(bytes)
    const refusal = this.sink.open(layout.entries, this, resume)
    if (refusal !== undefined) {
      this.layout = undefined
      this.manifestBytes = undefined
      this.closeLocally(refusal.code, refusal.message, nowMs)
    }
  }

  protected onTimeout (_nowMs: number): void {}

  protected subclassDeadlineMs (): number {
    if (this.lostAfterSync !== undefined || (this.finishDeferred && this.uncheckedCount === 0)) return -Infinity
    // A resumed receiver syncs only after its sink has read back what it holds; the sink's reports wake the driver.
    if (this.syncing) return this.uncheckedCount > 0 ? Infinity : this.syncDueMs
    if (this.ackPendingPackets >= ACK_EVERY_PACKETS) return -Infinity
    return this.firstUnackedMs + MAX_ACK_DELAY_MS
  }

  protected pollFrame (nowMs: number): Buffer | undefined {
    if (this.lostAfterSync !== undefined) {
      this.closeLocally('FERRY_PROTOCOL_INTEGRITY', `${this.lostAfterSync}; a resume asks for it again`, nowMs)
      return undefined
    }
    if (this.finishDeferred && this.uncheckedCount === 0) {
      this.finishDeferred = false
      this.finishAll(nowMs)
    }
    if (this.syncing) {
      if (this.uncheckedCount > 0) return undefined
      if (this.syncFrames.length === 0) {
        if (nowMs < this.syncDueMs) return undefined
        this.syncFrames = this.buildSyncFrames()
        this.syncDueMs = nowMs + Math.max(SYNC_REPEAT_MS, this.srttMs)
      }
      return this.build(this.syncFrames.shift()!, nowMs)
    }
    if (this.ackPendingPackets === 0) return undefined
    if (this.ackPendingPackets < ACK_EVERY_PACKETS && nowMs < this.firstUnackedMs + MAX_ACK_DELAY_MS) return undefined
    return this.build(this.buildAck(nowMs), nowMs)
  }

  private measureRate (nowMs: number): void {
    const elapsed = nowMs - this.rateWindowStartMs
    if (elapsed >= RATE_WINDOW_MS) {
      this.receiveRateBitsPerSec = (this.rateWindowBytes * 8000) / elapsed
      this.rateWindowStartMs = nowMs
      this.rateWindowBytes = 0
      this.rateWindowHasData = false
    }
  }

  private buildAck (nowMs: number): AckFrame {
    this.measureRate(nowMs)
    const cumulative = this.received.contiguousEnd(0)
    const segments: AckSegment[] = []
    const count = this.received.count
    const maxEnd = this.received.maxEnd
    if (maxEnd > cumulative) {
      // Newest segment: the last ranges received, so fresh losses are reported at once (SPEC.md §4.4).
      const firstIndex = Math.max(this.received.indexOfFirstEndingAfter(cumulative), count - RANGES_PER_SEGMENT)
      const from = Math.max(cumulative, this.received.rangeAt(firstIndex)[0])
      const newest: AckSegment = { fromBytes: from, toBytes: maxEnd, received: [...this.received.rangesWithin(from, maxEnd)] }
      segments.push(newest)
      // Cycling segment: walks the older gaps so every loss is reported again until repaired.
      if (this.nackCursor < cumulative || this.nackCursor >= from) this.nackCursor = cumulative
      const received: Array<[number, number]> = []
      let to = from
      for (const range of this.received.rangesWithin(this.nackCursor, from)) {
        if (received.length === RANGES_PER_SEGMENT) { to = range[0]; break }
        received.push(range)
      }
      if (to > this.nackCursor) segments.push({ fromBytes: this.nackCursor, toBytes: to, received })
      this.nackCursor = to >= from ? cumulative : to
    }
    const samples = this.owdMinInterval === Infinity ? [] : [this.owdMinInterval, this.owdLast]
    this.owdMinInterval = Infinity
    this.ackPendingPackets = 0
    this.firstUnackedMs = Infinity
    return {
      type: PacketType.Ack, largestPacketNumber: Math.max(0, this.largestPn), ackDelayMs: Math.max(0, nowMs - this.largestPnAtMs),
      receiveRateBitsPerSec: this.receiveRateBitsPerSec, oneWayDelayMs: samples, sync: false, cumulativeBytes: cumulative, segments
    }
  }

  /** The full state, split across as many ack frames as needed; the unknown tail is described as missing (SPEC.md §5.4). */
  private buildSyncFrames (): AckFrame[] {
    const frames: AckFrame[] = []
    const all = [...this.received.ranges()]
    let from = 0
    for (let i = 0; i < all.length || frames.length === 0; i += RANGES_PER_SEGMENT) {
      const slice = all.slice(i, i + RANGES_PER_SEGMENT)
      const last = i + RANGES_PER_SEGMENT >= all.length
      const to = last ? MAX_OFFSET_BYTES : all[i + RANGES_PER_SEGMENT]![0]
      frames.push({
        type: PacketType.Ack, largestPacketNumber: 0, ackDelayMs: 0, receiveRateBitsPerSec: 0, oneWayDelayMs: [], sync: true,
        cumulativeBytes: this.received.contiguousEnd(0), segments: [{ fromBytes: from, toBytes: to, received: slice }]
      })
      from = to
      if (last) break
    }
    return frames
  }
}

export { DIGEST_BYTES }
