// Reads files to send with positional reads into a bounded block cache, hashing each file in order as it goes (SPEC.md §6.1).
import { createHash, type Hash } from 'node:crypto'
import { close, open, read } from 'node:fs'
import { MAX_PAYLOAD_BYTES } from '../wire/datagram-codec.js'
import type { BlockSource } from '../session/block-io.js'

/** Block size: a whole number of datagram payloads (735 × 1427 ≈ 1 MiB), so no datagram straddles two blocks. */
export const SOURCE_BLOCK_BYTES = 735 * MAX_PAYLOAD_BYTES
/** Blocks read ahead of the session's new-data cursor. */
const READ_AHEAD_BLOCKS = 16
/** Cached blocks at most (~64 MiB): behind the cursor, the oldest are dropped first and re-read if a resend needs them. */
const MAX_CACHED_BLOCKS = 64

export interface SourceFile {
  /** null for folders (nothing to read). */
  absolutePath: string | null
  sizeBytes: number
}

interface Block { bytes: Buffer, releasedBytes: number }

/**
 * One sequential reader walks every file from start to end (hashing as it goes, even through ranges the receiver
 * already holds, so the digest is always whole); blocks stay cached until acknowledged or evicted.
 * Resends of evicted blocks trigger a random-access read. `onReady` fires whenever new bytes are loaded.
 */
export class FileBlockSource implements BlockSource {
  private readonly cache = new Map<string, Block>()
  private readonly digests = new Map<number, Buffer>()
  private readonly fds = new Map<number, Promise<number>>()
  private readonly pendingReloads = new Set<string>()
  /** Sequential reader position. */
  private readerFile = 0
  private readerOffset = 0
  private readerHash: Hash = createHash('sha256')
  private reading = false
  /** The session's new-data cursor (file, offset), from `advise`. */
  private cursorFile = 0
  private cursorOffset = 0
  private failed: Error | undefined
  private closed = false

  constructor (private readonly files: readonly SourceFile[], private readonly onReady: () => void, private readonly onError: (err: Error) => void) {
    this.pump()
  }

  private key (fileIndex: number, block: number): string { return `${fileIndex}:${block}` }

  private fd (fileIndex: number): Promise<number> {
    let p = this.fds.get(fileIndex)
    if (p === undefined) {
      p = new Promise((resolve, reject) => open(this.files[fileIndex]!.absolutePath!, 'r', (err, fd) => err === null ? resolve(fd) : reject(err)))
      this.fds.set(fileIndex, p)
    }
    return p
  }

  private async readBlock (fileIndex: number, block: number): Promise<Buffer> {
    const fd = await this.fd(fileIndex)
    const start = block * SOURCE_BLOCK_BYTES
    const length = Math.min(SOURCE_BLOCK_BYTES, this.files[fileIndex]!.sizeBytes - start)
    const buf = Buffer.allocUnsafe(length)
    for (let got = 0; got < length;) {
      const n = await new Promise<number>((resolve, reject) => read(fd, buf, got, length - got, start + got, (err, bytes) => err === null ? resolve(bytes) : reject(err)))
      if (n === 0) throw new Error(`${this.files[fileIndex]!.absolutePath} is shorter than announced (it changed while being sent)`)
      got += n
    }
    return buf
  }

  /** Blocks the reader may be ahead of the cursor. */
  private readerAhead (): boolean {
    if (this.readerFile > this.cursorFile) return true
    if (this.readerFile < this.cursorFile) return false
    return this.readerOffset >= this.cursorOffset + READ_AHEAD_BLOCKS * SOURCE_BLOCK_BYTES
  }

  private pump (): void {
    if (this.reading || this.closed || this.failed !== undefined) return
    // Skip folders and finished files; empty files get their digest straight away.
    while (this.readerFile < this.files.length) {
      const f = this.files[this.readerFile]!
      if (f.absolutePath === null || this.readerOffset >= f.sizeBytes) {
        if (f.absolutePath !== null) this.digests.set(this.readerFile, this.readerHash.digest())
        else this.digests.set(this.readerFile, createHash('sha256').digest())
        this.readerFile++
        this.readerOffset = 0
        this.readerHash = createHash('sha256')
        continue
      }
      break
    }
    if (this.readerFile >= this.files.length) { this.onReady(); return }
    if (this.readerAhead() && this.cache.size >= READ_AHEAD_BLOCKS) return
    this.reading = true
    const fileIndex = this.readerFile
    const block = Math.floor(this.readerOffset / SOURCE_BLOCK_BYTES)
    this.readBlock(fileIndex, block).then(bytes => {
      this.reading = false
      if (this.closed) return
      this.readerHash.update(bytes)
      this.readerOffset += bytes.length
      // Blocks far behind the cursor (already acknowledged on a resume) are only hashed, not cached.
      const behind = fileIndex < this.cursorFile || (fileIndex === this.cursorFile && (block + 1) * SOURCE_BLOCK_BYTES <= this.cursorOffset)
      if (!behind) this.store(this.key(fileIndex, block), bytes)
      this.onReady()
      this.pump()
    }, (err: Error) => this.fail(err))
  }

  private store (key: string, bytes: Buffer): void {
    this.cache.set(key, { bytes, releasedBytes: 0 })
    while (this.cache.size > MAX_CACHED_BLOCKS) this.cache.delete(this.cache.keys().next().value!)
  }

  private fail (err: Error): void {
    this.reading = false
    if (this.failed !== undefined) return
    this.failed = err
    this.onError(err)
  }

  read (fileIndex: number, offsetBytes: number, lengthBytes: number): Uint8Array | undefined {
    if (fileIndex > this.cursorFile || (fileIndex === this.cursorFile && offsetBytes > this.cursorOffset)) {
      // New data moves the cursor: keep the reader its read-ahead in front of it.
      const crossedBlock = fileIndex !== this.cursorFile || Math.floor(offsetBytes / SOURCE_BLOCK_BYTES) !== Math.floor(this.cursorOffset / SOURCE_BLOCK_BYTES)
      this.cursorFile = fileIndex
      this.cursorOffset = offsetBytes
      if (crossedBlock) this.pump()
    }
    const block = Math.floor(offsetBytes / SOURCE_BLOCK_BYTES)
    const key = this.key(fileIndex, block)
    const cached = this.cache.get(key)
    if (cached !== undefined) {
      const at = offsetBytes - block * SOURCE_BLOCK_BYTES
      return cached.bytes.subarray(at, at + lengthBytes)
    }
    const readerBlock = fileIndex === this.readerFile ? Math.floor(this.readerOffset / SOURCE_BLOCK_BYTES) : (fileIndex < this.readerFile ? Infinity : -1)
    if (block >= readerBlock && readerBlock !== Infinity) { this.pump(); return undefined }
    // Evicted (or skipped) earlier: read it again for the resend.
    if (!this.pendingReloads.has(key) && this.failed === undefined) {
      this.pendingReloads.add(key)
      this.readBlock(fileIndex, block).then(bytes => {
        this.pendingReloads.delete(key)
        if (this.closed) return
        this.store(key, bytes)
        this.onReady()
      }, (err: Error) => this.fail(err))
    }
    return undefined
  }

  digest (fileIndex: number): Uint8Array | undefined {
    const d = this.digests.get(fileIndex)
    if (d === undefined) this.pump()
    return d
  }

  advise (fileIndex: number, offsetBytes: number): void {
    this.cursorFile = fileIndex
    this.cursorOffset = offsetBytes
    this.pump()
  }

  release (fileIndex: number, offsetBytes: number, lengthBytes: number): void {
    const block = Math.floor(offsetBytes / SOURCE_BLOCK_BYTES)
    const key = this.key(fileIndex, block)
    const cached = this.cache.get(key)
    if (cached === undefined) return
    cached.releasedBytes += lengthBytes
    if (cached.releasedBytes >= cached.bytes.length) {
      this.cache.delete(key)
      this.pump()
    }
  }

  /** SHA-256 of file `fileIndex`, hex, once hashed. */
  sha256Hex (fileIndex: number): string | undefined { return this.digests.get(fileIndex)?.toString('hex') }

  async close (): Promise<void> {
    this.closed = true
    for (const p of this.fds.values()) {
      const fd = await p.catch(() => undefined)
      if (fd !== undefined) await new Promise<void>(resolve => close(fd, () => resolve()))
    }
  }
}
