// A BlockSource of any size backed by one small pattern buffer: lets the simulator move GiBs without holding them.
import { createHash } from 'node:crypto'
import type { BlockSource } from '../session/block-io.js'

/** Pattern length (bytes); a prime, so datagrams see shifting contents. */
const PATTERN_BYTES = 65_537

/** Every file reads as the same repeating pattern; the digest is the SHA-256 of the file index (the discard sink trusts it). */
export class SyntheticBlockSource implements BlockSource {
  private readonly pattern: Buffer
  constructor () {
    this.pattern = Buffer.alloc(PATTERN_BYTES * 2)
    for (let i = 0; i < this.pattern.length; i++) this.pattern[i] = (i * 2654435761) >>> 24
  }

  read (_fileIndex: number, offsetBytes: number, lengthBytes: number): Uint8Array {
    const at = offsetBytes % PATTERN_BYTES
    return this.pattern.subarray(at, at + lengthBytes)
  }

  digest (fileIndex: number): Uint8Array { return createHash('sha256').update(String(fileIndex)).digest() }
}
