// One integrity block held in memory while its datagrams arrive (SPEC.md §5.2): once complete it is checked and hashed from these bytes, so the receiver never reads back what it has just written.
import { RangeSet } from '../wire/range-set.js'

/**
 * The bytes of block `block` of file `fileIndex`, placed at their offsets in any order. What is placed but not yet
 * handed to a write is tracked, so the sink writes each byte once, in as few positional writes as the arrival
 * order allows (a small file that arrives whole is one write).
 */
export class AssemblingBlock {
  /** Block-relative ranges placed. */
  private readonly placed = new RangeSet()
  /** Block-relative ranges placed and not yet taken for writing. */
  private unwritten = new RangeSet()

  /** The block's size (bytes): `bytes` is empty once lent to the file hash's thread. */
  readonly length: number

  /** `bytes` is the whole block's room; `fileOffset` is where the block starts in its file. */
  constructor (readonly fileIndex: number, readonly block: number, readonly fileOffset: number, readonly bytes: Buffer) {
    this.length = bytes.length
  }

  /** Every byte of the block is placed. */
  get complete (): boolean { return this.placed.covers(0, this.length) }

  /** Bytes placed and not yet taken for writing. */
  get unwrittenBytes (): number { return this.unwritten.sizeBytes }

  /** Copies `data`, which belongs at file offset `offsetBytes` (inside this block). */
  place (offsetBytes: number, data: Uint8Array): void {
    const at = offsetBytes - this.fileOffset
    if (at < 0 || at + data.length > this.bytes.length) throw new RangeError('bytes outside the block')
    this.bytes.set(data, at)
    this.placed.add(at, at + data.length)
    this.unwritten.add(at, at + data.length)
  }

  /** The placed bytes not written yet, as [file offset, bytes] pieces (views of the block): from now on they count as written. */
  takeUnwritten (): Array<[number, Buffer]> {
    const pieces: Array<[number, Buffer]> = []
    for (const [s, e] of this.unwritten.ranges()) pieces.push([this.fileOffset + s, this.bytes.subarray(s, e)])
    this.unwritten = new RangeSet()
    return pieces
  }
}
