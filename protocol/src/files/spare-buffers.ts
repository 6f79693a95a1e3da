// Block buffers kept for reuse: a first touch of fresh memory costs a page fault per 4 KiB (~17 µs each on a VM measured here), more than hashing the block, so senders and sinks recycle theirs.

/** A bounded stack of whole buffers of one size, handed out before new ones are allocated. */
export class SpareBuffers {
  private readonly spare: Buffer[] = []

  /** Buffers of `bytes` (≥ 4 KiB, so each owns its ArrayBuffer), at most `most` kept. */
  constructor (readonly bytes: number, private readonly most: number) {}

  /** A kept buffer, or a new one. */
  take (): Buffer { return this.spare.pop() ?? Buffer.allocUnsafe(this.bytes) }

  /**
   * Keeps `buffer` for a later `take` when nothing else uses it any more: only a whole buffer of this size (a view, or
   * one moved to a worker and so empty, is left alone), and only while fewer than `most` are kept.
   */
  give (buffer: Buffer): void {
    if (buffer.length === this.bytes && buffer.byteOffset === 0 && buffer.buffer.byteLength === this.bytes && this.spare.length < this.most) this.spare.push(buffer)
  }
}
