// One received file's integrity blocks (SPEC.md §5.2): which are on disk, which to check next, the whole-file SHA-256 fed in order, and the check of blocks a journal recorded.
import { createHash, type Hash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { MAX_PAYLOAD_BYTES } from '../wire/datagram-codec.js'
import { RangeSet } from '../wire/range-set.js'

/** Full datagram payloads per integrity block: ~1 MiB (735 × 1437 = 1,056,195 bytes). */
export const DATAGRAMS_PER_BLOCK = 735
/** Integrity block size (bytes): a whole number of full datagrams, so a datagram never straddles two blocks (SPEC.md §5.2). */
export const INTEGRITY_BLOCK_BYTES = DATAGRAMS_PER_BLOCK * MAX_PAYLOAD_BYTES

/** Number of integrity blocks of a file of `sizeBytes` (an empty file has none). */
export function blockCount (sizeBytes: number): number { return Math.ceil(sizeBytes / INTEGRITY_BLOCK_BYTES) }

/** Byte span [start, end) of block `index` of a file of `sizeBytes`. */
export function blockSpan (sizeBytes: number, index: number): [number, number] {
  const start = index * INTEGRITY_BLOCK_BYTES
  return [start, Math.min(sizeBytes, start + INTEGRITY_BLOCK_BYTES)]
}

/** A block the sink should hand to `consume` (from memory, or read back from its file). */
export interface BlockToHash { block: number, start: number, length: number }

/** What reading a block back showed. */
export type BlockVerdict =
  /** Checked for the first time in this run: its CRC-32, for the journal (report it to the session). */
  | { kind: 'checked', crc32: number }
  /** Read again only to feed the whole-file hash, or a block already reported. */
  | { kind: 'known' }
  /** The bytes on disk differ from the CRC-32 a journal recorded, or are missing: the block must be received again. */
  | { kind: 'corrupt' }

/**
 * Blocks are checked (CRC-32) as soon as all their bytes are on disk, in any order; the whole-file SHA-256 takes them
 * strictly in order (a block checked out of order is read once more when the in-order frontier reaches it unless the
 * sink still holds it). Memory: a few bits per block, nothing per datagram.
 */
export class BlockLedger {
  readonly blocks: number
  /** Bytes of the file written to disk (file offsets). */
  readonly onDisk = new RangeSet()
  /** Blocks below this fed the whole-file hash. */
  private frontier = 0
  /** Created when the first block of a file of several is fed (10,000 small files need none). */
  private fileHash: Hash | undefined
  /** A file of one block: its SHA-256 is the block's, so its bytes are hashed once, not twice. */
  private singleBlockDigest: Buffer | undefined
  /** Complete blocks beyond the frontier not checked yet, in completion order. */
  private readonly waiting = new Set<number>()
  /** Blocks checked (and reported) in this run. */
  private readonly checked = new Set<number>()
  /** CRC-32s a resume journal recorded, not yet checked against the disk. */
  private readonly recorded: Map<number, number>

  /**
   * `feedFile`: where the bytes of a file of several blocks go, in order, for its SHA-256 (a thread, say; `digest()` is
   * then the caller's to take). Without it the ledger hashes them itself.
   */
  constructor (readonly sizeBytes: number, recorded: ReadonlyMap<number, number> = new Map(), private readonly feedFile?: (bytes: Uint8Array) => void) {
    this.blocks = blockCount(sizeBytes)
    this.recorded = new Map(recorded)
  }

  /** True once every block fed the whole-file hash. */
  get complete (): boolean { return this.frontier >= this.blocks }

  /** Blocks below this fed the whole-file hash: a sink may let go of their bytes. */
  get fedThrough (): number { return this.frontier }

  /** [start, end) of the file reached the disk: blocks it completes become due for checking. */
  markWritten (start: number, end: number): void {
    if (end <= start) return
    this.onDisk.add(start, end)
    const last = Math.min(this.blocks - 1, Math.floor((end - 1) / INTEGRITY_BLOCK_BYTES))
    for (let b = Math.floor(start / INTEGRITY_BLOCK_BYTES); b <= last; b++) {
      if (b < this.frontier || this.checked.has(b) || this.waiting.has(b)) continue
      const [s, e] = blockSpan(this.sizeBytes, b)
      if (this.onDisk.covers(s, e)) this.waiting.add(b)
    }
  }

  /** The next block to consume: the frontier when it is on disk (it feeds the file hash), else a block waiting to be checked. */
  next (): BlockToHash | undefined {
    if (this.frontier < this.blocks) {
      const [s, e] = blockSpan(this.sizeBytes, this.frontier)
      if (this.onDisk.covers(s, e)) return { block: this.frontier, start: s, length: e - s }
    }
    for (const b of this.waiting) {
      const [s, e] = blockSpan(this.sizeBytes, b)
      return { block: b, start: s, length: e - s }
    }
    return undefined
  }

  /**
   * The bytes of `block` (from memory, or read back: shorter when the file is). Its CRC-32 is checked against a
   * recorded one (a mismatch, or a short read, forgets the block's bytes) and reported the first time; the frontier
   * block feeds the whole-file SHA-256. A block is checksummed here once per run and hashed once, so each byte costs
   * one SHA-256 and one CRC-32 (a fifth of a SHA-256's CPU). `bytes` may be lent to `feedFile`: the caller must not
   * use them afterwards.
   */
  consume (block: number, bytes: Uint8Array): BlockVerdict {
    const [s, e] = blockSpan(this.sizeBytes, block)
    this.waiting.delete(block)
    const recorded = this.recorded.get(block)
    const firstCheck = !this.checked.has(block)
    const crc = firstCheck && bytes.length === e - s ? crc32(bytes) : undefined
    if (bytes.length !== e - s || (recorded !== undefined && recorded !== crc)) {
      this.recorded.delete(block)
      this.checked.delete(block)
      this.onDisk.remove(s, e)
      return { kind: 'corrupt' }
    }
    this.recorded.delete(block)
    if (block === this.frontier) {
      if (this.blocks === 1) this.singleBlockDigest = createHash('sha256').update(bytes).digest()
      else if (this.feedFile !== undefined) this.feedFile(bytes)
      else (this.fileHash ??= createHash('sha256')).update(bytes)
      this.frontier++
    }
    if (crc === undefined) return { kind: 'known' }
    this.checked.add(block)
    return { kind: 'checked', crc32: crc }
  }

  /** The whole file's SHA-256; only once `complete`, and only when its bytes were not fed to `feedFile`. */
  digest (): Buffer { return this.singleBlockDigest ?? (this.fileHash ?? createHash('sha256')).digest() }
}
