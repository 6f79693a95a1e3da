// A BlockSource over in-memory files: for the simulator, tests and the memory-to-memory benchmark.
import { createHash } from 'node:crypto'
import type { BlockSource } from '../session/block-io.js'

export class MemoryBlockSource implements BlockSource {
  private readonly digests = new Map<number, Uint8Array>()
  /** `contents[i]` holds manifest entry i's bytes (folders: an empty array). */
  constructor (private readonly contents: readonly Uint8Array[]) {}

  read (fileIndex: number, offsetBytes: number, lengthBytes: number): Uint8Array | undefined {
    return this.contents[fileIndex]?.subarray(offsetBytes, offsetBytes + lengthBytes)
  }

  digest (fileIndex: number): Uint8Array | undefined {
    let d = this.digests.get(fileIndex)
    if (d === undefined) {
      const bytes = this.contents[fileIndex]
      if (bytes === undefined) return undefined
      d = createHash('sha256').update(bytes).digest()
      this.digests.set(fileIndex, d)
    }
    return d
  }
}
