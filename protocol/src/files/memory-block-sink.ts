// A BlockSink into memory that checks blocks and verifies each file's SHA-256 synchronously: for the simulator, tests and benchmarks.
import type { ManifestEntry } from '../manifest/manifest.js'
import type { BlockSink, SinkListener, SinkRefusal, SinkResume } from '../session/block-io.js'
import { BlockLedger } from './block-ledger.js'

export class MemoryBlockSink implements BlockSink {
  files: Uint8Array[] = []
  entries: readonly ManifestEntry[] = []
  private ledgers: Array<BlockLedger | undefined> = []
  private listener: SinkListener | undefined
  /** Bytes read back to check blocks (tests check that a resume re-reads what it keeps). */
  bytesHashed = 0
  /** When true, file bytes are not kept (only counted): lets benchmarks move more than fits in memory; verification then trusts the digest. */
  constructor (private readonly discard = false) {}
  bytesWritten = 0

  open (entries: readonly ManifestEntry[], listener: SinkListener, resume?: SinkResume): SinkRefusal | undefined {
    // Opening again with the same manifest (a resumed session) keeps what arrived before, like partial files on disk.
    const same = this.entries.length === entries.length && this.entries.every((e, i) => e.relativePath === entries[i]!.relativePath && e.sizeBytes === entries[i]!.sizeBytes)
    this.entries = entries
    this.listener = listener
    if (!same) this.files = entries.map(e => this.discard ? new Uint8Array(0) : new Uint8Array(e.sizeBytes))
    this.ledgers = entries.map((e, i) => this.discard || e.kind !== 'file' ? undefined : new BlockLedger(e.sizeBytes, resume?.blockCrc32(i)))
    if (resume !== undefined) {
      this.ledgers.forEach((ledger, i) => {
        if (ledger === undefined) return
        for (const [s, e] of resume.held(i)) ledger.markWritten(s, e)
        this.hashDue(i)
      })
    }
    return undefined
  }

  write (fileIndex: number, offsetBytes: number, bytes: Uint8Array): boolean {
    if (!this.discard) this.files[fileIndex]!.set(bytes, offsetBytes)
    this.bytesWritten += bytes.length
    this.ledgers[fileIndex]?.markWritten(offsetBytes, offsetBytes + bytes.length)
    this.hashDue(fileIndex)
    return true
  }

  /** Checks every block of the file that is complete, reporting first checks and mismatches to the session. */
  private hashDue (fileIndex: number): void {
    const ledger = this.ledgers[fileIndex]
    if (ledger === undefined) return
    for (let next = ledger.next(); next !== undefined; next = ledger.next()) {
      const bytes = this.files[fileIndex]!.subarray(next.start, next.start + next.length)
      this.bytesHashed += bytes.length
      const verdict = ledger.consume(next.block, bytes)
      if (verdict.kind === 'checked') this.listener?.blockVerified(fileIndex, next.block, verdict.crc32)
      else if (verdict.kind === 'corrupt') this.listener?.blockCorrupt(fileIndex, next.block)
    }
  }

  finish (fileIndex: number, expectedSha256: Uint8Array): boolean {
    const ledger = this.ledgers[fileIndex]
    if (ledger === undefined) return true
    this.hashDue(fileIndex)
    if (!ledger.complete) return false
    const ok = ledger.digest().equals(expectedSha256)
    // A file that failed starts over: its blocks are checked again when its bytes arrive again.
    if (!ok) this.ledgers[fileIndex] = new BlockLedger(ledger.sizeBytes)
    return ok
  }
}
