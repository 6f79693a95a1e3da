// A BlockSink into memory that verifies each file's SHA-256 synchronously: for the simulator, tests and benchmarks.
import { createHash } from 'node:crypto'
import type { ManifestEntry } from '../manifest/manifest.js'
import type { BlockSink, SinkRefusal } from '../session/block-io.js'

export class MemoryBlockSink implements BlockSink {
  files: Uint8Array[] = []
  entries: readonly ManifestEntry[] = []
  /** When true, file bytes are not kept (only counted): lets benchmarks move more than fits in memory; verification then trusts the digest. */
  constructor (private readonly discard = false) {}
  bytesWritten = 0

  open (entries: readonly ManifestEntry[]): SinkRefusal | undefined {
    // Opening again with the same manifest (a resumed session) keeps what arrived before, like partial files on disk.
    const same = this.entries.length === entries.length && this.entries.every((e, i) => e.relativePath === entries[i]!.relativePath && e.sizeBytes === entries[i]!.sizeBytes)
    this.entries = entries
    if (!same) this.files = entries.map(e => this.discard ? new Uint8Array(0) : new Uint8Array(e.sizeBytes))
    return undefined
  }

  write (fileIndex: number, offsetBytes: number, bytes: Uint8Array): boolean {
    if (!this.discard) this.files[fileIndex]!.set(bytes, offsetBytes)
    this.bytesWritten += bytes.length
    return true
  }

  finish (fileIndex: number, expectedSha256: Uint8Array): boolean {
    if (this.discard) return true
    return createHash('sha256').update(this.files[fileIndex]!).digest().equals(expectedSha256)
  }
}
