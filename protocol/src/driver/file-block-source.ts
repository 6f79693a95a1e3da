// Reads files to send with positional reads into a bounded block cache, hashing each file in order as it goes (SPEC.md §6.1).
import { createHash, type Hash } from 'node:crypto'
import { close, open, read } from 'node:fs'
import type { BlockSource } from '../session/block-io.js'
import { SmallFileReader } from './small-file-reader.js'
import { Sha256Thread } from '../files/sha256-thread.js'
import { SpareBuffers } from '../files/spare-buffers.js'
import { INTEGRITY_BLOCK_BYTES } from '../files/block-ledger.js'

/** Block size: the integrity block's, a whole number of datagram payloads (~1 MiB), so no datagram straddles two blocks. */
export const SOURCE_BLOCK_BYTES = INTEGRITY_BLOCK_BYTES
/** Bytes read ahead of the session's new-data cursor (counted across files, so 16 KiB files are read ahead as far as 1 GiB ones). */
const READ_AHEAD_BYTES = 16 * SOURCE_BLOCK_BYTES
/** Cached bytes at most (~64 MiB): behind the cursor, the oldest blocks are dropped first and re-read if a resend needs them. */
const MAX_CACHED_BYTES = 64 * SOURCE_BLOCK_BYTES
/** Sequential reads in flight at once: small files cost an open, a read and a close each, so few at a time left the sender waiting. */
const MAX_PARALLEL_READS = 16
/** …as long as they add up to no more than this (bytes): four whole blocks, as many small files as fit. */
const MAX_PARALLEL_READ_BYTES = 4 * SOURCE_BLOCK_BYTES
/** Full-size block buffers kept for reuse once a block is evicted (fresh memory costs page faults: SpareBuffers). */
const SPARE_BLOCK_BUFFERS = 16

export interface SourceFile {
  /** null for folders (nothing to read). */
  absolutePath: string | null
  sizeBytes: number
}

interface Block { bytes: Buffer, releasedBytes: number }

/** One block the sequential reader asked for; results are hashed and cached in the order they were asked for. */
interface SequentialRead { fileIndex: number, block: number, bytes: Buffer | undefined }

/** A file's descriptor, shared by the reads that use it and closed when the last one is done and the reader has passed the file. */
interface OpenDescriptor { fd: Promise<number>, users: number }

const NO_BYTES = Buffer.alloc(0)

/**
 * One sequential reader walks every file from start to end (hashing as it goes, even through ranges the receiver
 * already holds, so the digest is always whole); blocks stay cached until acknowledged or evicted.
 * Resends of evicted blocks trigger a random-access read. `onReady` fires whenever new bytes are loaded.
 */
export class FileBlockSource implements BlockSource {
  private readonly cache = new Map<string, Block>()
  private cachedBytes = 0
  private readonly digests = new Map<number, Buffer>()
  private readonly descriptors = new Map<number, OpenDescriptor>()
  private readonly pendingReloads = new Set<string>()
  /** Evicted full-size block buffers, reused by the next reads (views the session took were used at once: it copies them into datagrams). */
  private readonly spareBlocks = new SpareBuffers(SOURCE_BLOCK_BYTES, SPARE_BLOCK_BUFFERS)
  /** Where each file starts if the files were laid end to end: read-ahead is measured in bytes across files. */
  private readonly fileStarts: number[] = []
  /** The next block the sequential reader asks for. */
  private readerFile = 0
  private readerOffset = 0
  /** Sequential reads asked for and not yet hashed, oldest first. */
  private readonly sequential: SequentialRead[] = []
  /** Bytes the reads in `sequential` cover. */
  private sequentialBytes = 0
  /** The file the reader is in, hashed here when it fits in one block, else by `hashThread` (stream `readerStream`). */
  private readerHash: Hash = createHash('sha256')
  private readonly hashThread = new Sha256Thread()
  private readerStream: number | undefined
  /** Blocks (keys) in the hash thread: cached when they come back, a few milliseconds later. */
  private readonly inHashThread = new Set<string>()
  /** The session's new-data cursor (file, offset), from `read` and `advise`. */
  private cursorFile = 0
  private cursorOffset = 0
  /** The block the last `read` found: consecutive datagrams mostly come from the same block (no key string per datagram). */
  private lastFile = -1
  private lastBlock = -1
  private lastBytes: Buffer | undefined
  private failed: Error | undefined
  private closed = false
  /** Files of one block are read whole in a thread, many per message (10,000 small files: no open/read/close each on the main thread). */
  private readonly smallFiles = new SmallFileReader()

  constructor (private readonly files: readonly SourceFile[], private readonly onReady: () => void, private readonly onError: (err: Error) => void) {
    let start = 0
    for (const f of files) { this.fileStarts.push(start); start += f.absolutePath === null ? 0 : f.sizeBytes }
    this.pump()
  }

  private key (fileIndex: number, block: number): string { return `${fileIndex}:${block}` }

  private acquire (fileIndex: number): Promise<number> {
    let d = this.descriptors.get(fileIndex)
    if (d === undefined) {
      d = { fd: new Promise((resolve, reject) => open(this.files[fileIndex]!.absolutePath!, 'r', (err, fd) => err === null ? resolve(fd) : reject(err))), users: 0 }
      this.descriptors.set(fileIndex, d)
    }
    d.users++
    return d.fd
  }

  /** A read of the file is done: close it once nothing uses it and the sequential reader will not come back to it. */
  private releaseDescriptor (fileIndex: number): void {
    const d = this.descriptors.get(fileIndex)
    if (d === undefined) return
    d.users--
    if (d.users > 0 || fileIndex >= this.readerFile) return
    this.descriptors.delete(fileIndex)
    d.fd.then(fd => close(fd, () => {}), () => {})
  }

  private async readBlock (fileIndex: number, block: number): Promise<Buffer> {
    const file = this.files[fileIndex]!
    if (file.sizeBytes <= SOURCE_BLOCK_BYTES) return await this.smallFiles.read(file.absolutePath!, file.sizeBytes)
    const opened = this.acquire(fileIndex)
    try {
      const fd = await opened
      const start = block * SOURCE_BLOCK_BYTES
      const length = Math.min(SOURCE_BLOCK_BYTES, this.files[fileIndex]!.sizeBytes - start)
      const buf = length === SOURCE_BLOCK_BYTES ? this.spareBlocks.take() : Buffer.allocUnsafe(length)
      for (let got = 0; got < length;) {
        const n = await new Promise<number>((resolve, reject) => read(fd, buf, got, length - got, start + got, (err, bytes) => err === null ? resolve(bytes) : reject(err)))
        if (n === 0) throw new Error(`${this.files[fileIndex]!.absolutePath} is shorter than announced (it changed while being sent)`)
        got += n
      }
      return buf
    } finally {
      this.releaseDescriptor(fileIndex)
    }
  }

  /** Files larger than a block are hashed by the thread (the main thread builds and seals datagrams); small ones here, at once. */
  private hashedInThread (fileIndex: number): boolean { return this.files[fileIndex]!.sizeBytes > SOURCE_BLOCK_BYTES }

  /** Bytes the sequential reader has asked for beyond the session's cursor. */
  private bytesAhead (): number {
    return (this.fileStarts[this.readerFile] ?? Infinity) + this.readerOffset - this.fileStarts[this.cursorFile]! - this.cursorOffset
  }

  /** Asks for the next blocks while the read-ahead allows, in file order. */
  private pump (): void {
    if (this.closed || this.failed !== undefined) return
    while (this.readerFile < this.files.length && this.sequential.length < MAX_PARALLEL_READS && this.sequentialBytes < MAX_PARALLEL_READ_BYTES && this.bytesAhead() < READ_AHEAD_BYTES) {
      const fileIndex = this.readerFile
      const f = this.files[fileIndex]!
      if (f.absolutePath === null || f.sizeBytes === 0) {
        // Folders and empty files: nothing to read, only a digest to give in turn.
        this.sequential.push({ fileIndex, block: 0, bytes: NO_BYTES })
        this.readerFile++
        this.readerOffset = 0
        continue
      }
      const block = Math.floor(this.readerOffset / SOURCE_BLOCK_BYTES)
      const entry: SequentialRead = { fileIndex, block, bytes: undefined }
      this.sequential.push(entry)
      this.sequentialBytes += Math.min(SOURCE_BLOCK_BYTES, f.sizeBytes - block * SOURCE_BLOCK_BYTES)
      this.readerOffset = Math.min(f.sizeBytes, (block + 1) * SOURCE_BLOCK_BYTES)
      if (this.readerOffset >= f.sizeBytes) { this.readerFile++; this.readerOffset = 0 }
      this.readBlock(fileIndex, block).then(bytes => {
        entry.bytes = bytes
        this.drain()
      }, (err: Error) => this.fail(err))
    }
    this.drain()
  }

  /** Hashes and caches the sequential reads that completed, in the order they were asked for. */
  private drain (): void {
    if (this.closed) return
    let loaded = false
    while (this.sequential.length > 0 && this.sequential[0]!.bytes !== undefined) {
      const { fileIndex, block, bytes } = this.sequential.shift()!
      const f = this.files[fileIndex]!
      this.sequentialBytes -= bytes!.length
      loaded = true
      if (f.absolutePath === null) { this.digests.set(fileIndex, createHash('sha256').digest()); continue }
      // Blocks behind the cursor (already acknowledged on a resume) are only hashed, not cached.
      const behind = fileIndex < this.cursorFile || (fileIndex === this.cursorFile && (block + 1) * SOURCE_BLOCK_BYTES <= this.cursorOffset)
      const keep = !behind && bytes!.length > 0
      const lastOfFile = block * SOURCE_BLOCK_BYTES + bytes!.length >= f.sizeBytes
      if (this.hashedInThread(fileIndex)) this.hashInThread(this.key(fileIndex, block), bytes!, keep)
      else {
        this.readerHash.update(bytes!)
        if (keep) this.store(this.key(fileIndex, block), bytes!)
      }
      if (lastOfFile) { // (`bytes` may be in the hash thread now: empty here)
        if (this.readerStream === undefined) {
          this.digests.set(fileIndex, this.readerHash.digest())
          this.readerHash = createHash('sha256')
        } else {
          this.hashThread.end(this.readerStream).then(digest => {
            if (this.closed) return
            this.digests.set(fileIndex, digest)
            this.onReady()
          }, (err: Error) => { if (!this.closed) this.fail(err) })
          this.readerStream = undefined
        }
      }
    }
    if (loaded) { this.onReady(); this.pump() }
  }

  /** Moves a block to the thread hashing the reader's file; it is cached (when `keep`) once it comes back. */
  private hashInThread (key: string, bytes: Buffer, keep: boolean): void {
    if (keep) this.inHashThread.add(key)
    this.hashThread.update(this.readerStream ??= this.hashThread.begin(), bytes).then(back => {
      this.inHashThread.delete(key)
      if (!keep) this.spareBlocks.give(back)
      if (this.closed || !keep) return
      this.store(key, back)
      this.onReady()
    }, (err: Error) => { if (!this.closed) this.fail(err) })
  }

  private store (key: string, bytes: Buffer): void {
    const old = this.cache.get(key)
    if (old !== undefined) this.cachedBytes -= old.bytes.length
    this.cache.set(key, { bytes, releasedBytes: 0 })
    this.cachedBytes += bytes.length
    while (this.cachedBytes > MAX_CACHED_BYTES) this.evict(this.cache.keys().next().value!)
  }

  private evict (key: string): void {
    const b = this.cache.get(key)
    if (b === undefined) return
    this.cache.delete(key)
    this.cachedBytes -= b.bytes.length
    if (b.bytes === this.lastBytes) { this.lastBytes = undefined; this.lastFile = -1 }
    this.spareBlocks.give(b.bytes)
  }

  private fail (err: Error): void {
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
    if (fileIndex === this.lastFile && block === this.lastBlock && this.lastBytes !== undefined) {
      const at = offsetBytes - block * SOURCE_BLOCK_BYTES
      return this.lastBytes.subarray(at, at + lengthBytes)
    }
    const key = this.key(fileIndex, block)
    const cached = this.cache.get(key)
    if (cached !== undefined) {
      this.lastFile = fileIndex
      this.lastBlock = block
      this.lastBytes = cached.bytes
      const at = offsetBytes - block * SOURCE_BLOCK_BYTES
      return cached.bytes.subarray(at, at + lengthBytes)
    }
    // Not read yet by the sequential reader (or being read, or hashed): it calls onReady when it is.
    if (this.notYetRead(fileIndex, block)) { this.pump(); return undefined }
    if (this.inHashThread.has(key)) return undefined
    // Evicted (or skipped) earlier: read it again for the resend.
    if (!this.pendingReloads.has(key) && this.failed === undefined && !this.closed) {
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

  /** True when the sequential reader has not hashed this block yet (asked for or not). */
  private notYetRead (fileIndex: number, block: number): boolean {
    const head = this.sequential[0]
    const hashedFile = head?.fileIndex ?? this.readerFile
    const hashedBlock = head?.block ?? Math.floor(this.readerOffset / SOURCE_BLOCK_BYTES)
    return fileIndex > hashedFile || (fileIndex === hashedFile && block >= hashedBlock)
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
      this.evict(key)
      this.pump()
    }
  }

  /** SHA-256 of file `fileIndex`, hex, once hashed. */
  sha256Hex (fileIndex: number): string | undefined { return this.digests.get(fileIndex)?.toString('hex') }

  /** Files held open now (tests: descriptors are closed as the reader passes each file). */
  get openDescriptors (): number { return this.descriptors.size }

  async close (): Promise<void> {
    this.closed = true
    await this.smallFiles.close()
    await this.hashThread.close()
    for (const d of this.descriptors.values()) {
      const fd = await d.fd.catch(() => undefined)
      if (fd !== undefined) await new Promise<void>(resolve => close(fd, () => resolve()))
    }
    this.descriptors.clear()
  }
}
