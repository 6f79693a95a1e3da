// Writes received bytes to partial files with positional writes and bounded memory, checking each integrity block and hashing each file from the bytes it writes (read back only when they are no longer in memory); a file takes its final name only after its SHA-256 checks out.
import { close, closeSync, existsSync, fdatasync, fsync, mkdirSync, open as openFile, read, rename, renameSync, write } from 'node:fs'
import { dirname, resolve, sep } from 'node:path'
import type { ManifestEntry } from '../manifest/manifest.js'
import { validateRelativePath } from '../manifest/validate-relative-path.js'
import { AssemblingBlock } from '../files/assembling-block.js'
import { Sha256Thread } from '../files/sha256-thread.js'
import { SpareBuffers } from '../files/spare-buffers.js'
import { BlockLedger, INTEGRITY_BLOCK_BYTES, blockSpan, type BlockVerdict } from '../files/block-ledger.js'
import type { BlockSink, SinkListener, SinkRefusal, SinkResume } from '../session/block-io.js'

/** Suffix of a file still being received. */
export const PARTIAL_SUFFIX = '.ferry-partial'
/** Bytes accepted but not yet on disk before `write` refuses (bytes): bounds memory whatever the file size. */
export const MAX_QUEUED_WRITE_BYTES = 48 << 20
/**
 * Blocks held in memory while they assemble and until they feed the file hash (bytes). Beyond it the oldest is let go:
 * its bytes are written as they are, and it is read back to be checked and hashed once complete (long, lossy paths only).
 */
export const MAX_ASSEMBLING_BYTES = 32 << 20
/** Full-size block buffers kept for reuse (fresh memory costs page faults: SpareBuffers). */
const SPARE_BLOCK_BUFFERS = 4
/**
 * Bytes written to a file between background data syncs. The fsync before a file takes its name then has at most this
 * much left to write: with only the journal's syncs (every second), 512 MiB received at loopback speed left ~0.45 s of
 * writeback here after the last byte arrived, all of it before the transfer could report success.
 */
const SYNC_EVERY_BYTES = 32 << 20

interface OpenFile {
  index: number
  /** Opened in the thread pool: creating a file can stall for milliseconds (a journal commit), never on the main thread. */
  fd: Promise<number>
  writesInFlight: number
  idle: Array<() => void>
  /** Set once the file is verified and its descriptor is about to close: a journal flush must leave it alone. */
  closed?: boolean
  /** verify()'s fsync and close of a verified file: a journal flush waits for it, close() leaves the descriptor to it. */
  finalizing?: Promise<void>
  /** The syncs (a journal flush's, background ones) in flight on this descriptor; closing waits for them (else EBADF, or a reused fd). */
  syncing?: Promise<void>
  /** Bytes written since the last background sync started. */
  unsyncedBytes: number
  /** A background sync is in flight (one at a time). */
  backgroundSyncing?: boolean
}

export interface FileBlockSinkOptions {
  destinationDir: string
  /** Keep existing partial files (a resume); otherwise they are truncated. */
  resuming: boolean
  /** A file's SHA-256 was checked: ok or not. The driver forwards it to the session. */
  onVerified: (fileIndex: number, ok: boolean, sha256Hex: string) => void
  /** A write, hash or rename failed (full disk, vanished folder): the driver closes the session with this. */
  onFatal: (code: `FERRY_${string}`, message: string) => void
  /** A block was checked or found corrupt: the driver polls the session again (a resumed session syncs after the check). */
  onBlockChecked?: () => void
}

/** Whether a failed write, sync or journal write ran out of space (or quota): its own, resumable condition. */
export function isDiskFull (err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'FERRY_PROTOCOL_DISK_FULL' || /ENOSPC|EDQUOT/.test(String((err as Error | undefined)?.message))
}

/** The code for a failed write: a full disk is never an integrity failure. */
function writeFailureCode (err: unknown): `FERRY_${string}` {
  return isDiskFull(err) ? 'FERRY_PROTOCOL_DISK_FULL' : 'FERRY_PROTOCOL_SINK_WRITE'
}

export class FileBlockSink implements BlockSink {
  private entries: readonly ManifestEntry[] = []
  private readonly openFiles = new Map<number, OpenFile>()
  private queuedBytes = 0
  private failed = false
  /** Failed writes so far: a journal flush that saw one must not name what it covers. */
  private writeFailures = 0
  private closing = false
  private readonly root: string
  /** Each entry's final path, checked once when the manifest arrives. */
  private finalPaths: string[] = []
  readonly sha256Hex = new Map<number, string>()
  /** Per file: bytes on disk, integrity blocks, the in-order whole-file hash (SPEC.md §5.2). */
  private readonly ledgers = new Map<number, BlockLedger>()
  /** Blocks assembling in memory, by file then block index; `assemblingOrder` holds them oldest first (which to let go). */
  private readonly assembling = new Map<number, Map<number, AssemblingBlock>>()
  private readonly assemblingOrder = new Set<AssemblingBlock>()
  private assemblingBytes = 0
  /** Per file, blocks some of whose bytes reached the disk without passing through memory: checked by reading back. */
  private readonly unassembled = new Map<number, Set<number>>()
  private readonly spareBlocks = new SpareBuffers(INTEGRITY_BLOCK_BYTES, SPARE_BLOCK_BUFFERS)
  /**
   * The whole-file SHA-256 of files of several blocks, computed in a thread: the main thread opens datagrams and takes
   * writes, and a SHA-256 there (~0.7 ms per block) slowed it enough to drop datagrams at loopback rates. Blocks move to
   * the thread and back (no copy) and then serve new blocks.
   */
  private readonly hashThread = new Sha256Thread()
  /** The thread's digest stream of each file being hashed there. */
  private readonly hashStreams = new Map<number, number>()
  /** Files with a block read-back in flight (one at a time per file). */
  private readonly hashing = new Map<number, Promise<void>>()
  /** Per file, the buffer its read-backs reuse (one read at a time): no ~1 MiB of garbage per block. */
  private readonly readBuffers = new Map<number, Buffer>()
  /** finish() was called: the sender's digest, until the whole-file hash is compared. */
  private readonly expected = new Map<number, Buffer>()
  private listener: SinkListener | undefined
  private readonly writeListeners: Array<() => void> = []
  /** Bytes read back to check and hash (ops and tests: a resume re-reads what it keeps). */
  bytesHashed = 0
  /** Bytes checked from memory as they were written (ops and tests). */
  bytesHashedInMemory = 0

  constructor (private readonly options: FileBlockSinkOptions) {
    this.root = resolve(options.destinationDir)
  }

  /** Final path of entry `index`, inside the destination folder whatever the manifest says. */
  finalPath (index: number): string { return this.finalPaths[index]! }

  private pathFor (relativePath: string): string {
    // A checked path has no '.', '..' or empty segment and no backslash: on POSIX it joins as it is. path.resolve per
    // entry was a quarter of a 750 ms receiver stall when a 10,000-entry manifest arrived (WAN small-files profile).
    const checked = validateRelativePath(relativePath)
    const full = sep === '/' ? (this.root.endsWith('/') ? this.root : this.root + '/') + checked : resolve(this.root, checked)
    if (!full.startsWith(this.root + sep)) throw new Error('path escapes destination')
    return full
  }

  open (entries: readonly ManifestEntry[], listener: SinkListener, resume?: SinkResume): SinkRefusal | undefined {
    try {
      this.finalPaths = entries.map(e => this.pathFor(e.relativePath))
      // Each folder once: 10,000 files in 100 folders are 100 mkdir calls, not 10,000.
      const folders = new Set([this.root, ...entries.map((e, i) => e.kind === 'directory' ? this.finalPaths[i]! : dirname(this.finalPaths[i]!))])
      for (const folder of folders) mkdirSync(folder, { recursive: true })
    } catch (err) {
      return { code: 'FERRY_PROTOCOL_DESTINATION', message: `cannot prepare the destination folder: ${(err as Error).message}` }
    }
    this.entries = entries
    this.listener = listener
    if (resume !== undefined) {
      try {
        entries.forEach((e, index) => {
          if (e.kind !== 'file') return
          const held = resume.held(index)
          if (held.length === 0) return
          // A file an earlier run verified and renamed goes back to its partial name until it is checked again.
          const finalPath = this.finalPath(index)
          if (!existsSync(finalPath + PARTIAL_SUFFIX) && existsSync(finalPath)) renameSync(finalPath, finalPath + PARTIAL_SUFFIX)
          const ledger = this.ledgerFor(index, resume.blockCrc32(index))
          for (const [s, end] of held) ledger.markWritten(s, end)
        })
      } catch (err) {
        return { code: 'FERRY_PROTOCOL_DESTINATION', message: `cannot reopen the partial files: ${(err as Error).message}` }
      }
      for (const index of this.ledgers.keys()) this.pump(index)
    }
    return undefined
  }

  private ledgerFor (index: number, recorded?: ReadonlyMap<number, number>): BlockLedger {
    let ledger = this.ledgers.get(index)
    if (ledger === undefined) {
      ledger = new BlockLedger(this.entries[index]!.sizeBytes, recorded, bytes => this.feedFileHash(index, bytes))
      this.ledgers.set(index, ledger)
    }
    return ledger
  }

  private fileFor (index: number): OpenFile {
    let f = this.openFiles.get(index)
    if (f === undefined) {
      f = { index, fd: openPartial(this.finalPath(index) + PARTIAL_SUFFIX, this.options.resuming), writesInFlight: 0, idle: [], unsyncedBytes: 0 }
      this.openFiles.set(index, f)
    }
    return f
  }

  write (fileIndex: number, offsetBytes: number, bytes: Uint8Array): boolean {
    if (this.failed) return false
    if (this.queuedBytes + bytes.length > MAX_QUEUED_WRITE_BYTES) return false
    try {
      // Datagrams never straddle two blocks (SPEC.md §5.2); other callers' writes are cut at block edges.
      for (let at = 0; at < bytes.length;) {
        const offset = offsetBytes + at
        const block = Math.floor(offset / INTEGRITY_BLOCK_BYTES)
        const piece = bytes.subarray(at, Math.min(bytes.length, (block + 1) * INTEGRITY_BLOCK_BYTES - offsetBytes))
        this.place(fileIndex, block, offset, piece)
        at += piece.length
      }
    } catch (err) {
      this.fail(writeFailureCode(err), `cannot take bytes for a partial file: ${(err as Error).message}`)
      return false
    }
    return true
  }

  /** Puts `piece` (inside one block) into its assembling block, or writes it at once when the block is not assembled in memory. */
  private place (fileIndex: number, block: number, offsetBytes: number, piece: Uint8Array): void {
    const held = this.assemblingBlock(fileIndex, block)
    this.queuedBytes += piece.length
    if (held === undefined) {
      this.writeOut(this.fileFor(fileIndex), Buffer.from(piece), offsetBytes)
      return
    }
    held.place(offsetBytes, piece)
    // A complete block goes to the disk at once (a small file in one write); a partial one when the driver's timer,
    // a journal flush or finish() asks.
    if (held.complete) this.writeUnwritten(held)
  }

  /** The block's assembling buffer; a new one if none of the block's bytes went to disk another way. */
  private assemblingBlock (fileIndex: number, block: number): AssemblingBlock | undefined {
    let blocks = this.assembling.get(fileIndex)
    const held = blocks?.get(block)
    if (held !== undefined) return held
    const ledger = this.ledgerFor(fileIndex)
    const [start, end] = blockSpan(ledger.sizeBytes, block)
    if (this.unassembled.get(fileIndex)?.has(block) === true || ledger.onDisk.intersects(start, end)) return undefined
    const length = end - start
    while (this.assemblingBytes + length > MAX_ASSEMBLING_BYTES && this.assemblingOrder.size > 0) this.letGo(this.assemblingOrder.values().next().value!)
    const bytes = length === INTEGRITY_BLOCK_BYTES ? this.spareBlocks.take() : Buffer.allocUnsafe(length)
    const created = new AssemblingBlock(fileIndex, block, start, bytes)
    if (blocks === undefined) { blocks = new Map(); this.assembling.set(fileIndex, blocks) }
    blocks.set(block, created)
    this.assemblingOrder.add(created)
    this.assemblingBytes += length
    return created
  }

  /** Hands the block's unwritten bytes to positional writes (views of its buffer: no copy). */
  private writeUnwritten (held: AssemblingBlock): void {
    // Written even after a failure, as every accepted byte is: each write lands or is reported lost (writeFailed), so a
    // final journal names only bytes on disk.
    if (held.unwrittenBytes === 0) return
    const f = this.fileFor(held.fileIndex) // opening fails through the descriptor's promise, reported by each write
    for (const [position, bytes] of held.takeUnwritten()) this.writeOut(f, bytes, position)
  }

  /** Stops holding a block in memory: over the memory bound (its bytes are written, it will be read back), or checked and fed to the file hash. */
  private letGo (held: AssemblingBlock, reuse = false): void {
    if (!this.assemblingOrder.delete(held)) return
    const blocks = this.assembling.get(held.fileIndex)
    blocks?.delete(held.block)
    if (blocks?.size === 0) this.assembling.delete(held.fileIndex)
    this.assemblingBytes -= held.length
    if (reuse) {
      // All its writes completed (it was checked once on disk): its buffer may serve another block — unless it went to
      // the hash thread (then empty here), which hands it back itself.
      this.spareBlocks.give(held.bytes)
      return
    }
    // Over the memory bound: what it holds goes to disk (its buffer stays with those writes); the rest of the block
    // will be written as it comes and the block read back to be checked.
    this.writeUnwritten(held)
    let unassembled = this.unassembled.get(held.fileIndex)
    if (unassembled === undefined) { unassembled = new Set(); this.unassembled.set(held.fileIndex, unassembled) }
    unassembled.add(held.block)
  }

  /** Writes out the unwritten bytes of every block of file `index` held in memory. */
  private flushFile (index: number): void {
    const blocks = this.assembling.get(index)
    if (blocks !== undefined) for (const held of blocks.values()) this.writeUnwritten(held)
  }

  /** One positional write of `buffer` at `position`, retried until complete; accounts memory and on-disk ranges. */
  private writeOut (f: OpenFile, buffer: Buffer, position: number): void {
    const length = buffer.length
    f.writesInFlight++
    const done = (err: Error | null): void => {
      this.queuedBytes -= length
      f.writesInFlight--
      if (err === null) {
        f.unsyncedBytes += length
        if (f.unsyncedBytes >= SYNC_EVERY_BYTES) this.syncInBackground(f)
        this.markOnDisk(f.index, position, position + length)
        for (const listener of this.writeListeners) listener()
      } else {
        this.writeFailures++
        this.listener?.writeFailed(f.index, position, length)
        this.fail(writeFailureCode(err), `writing a partial file failed: ${err.message}`)
      }
      if (f.writesInFlight === 0) for (const cb of f.idle.splice(0)) cb()
    }
    const writeFrom = (fd: number, offset: number): void => {
      write(fd, buffer, offset, length - offset, position + offset, (err, written) => {
        if (err !== null) { done(err); return }
        if (offset + written < length) writeFrom(fd, offset + written)
        else done(null)
      })
    }
    f.fd.then(fd => { writeFrom(fd, 0) }, (err: Error) => { done(err) })
  }

  private whenIdle (f: OpenFile): Promise<void> {
    this.flushFile(f.index)
    if (f.writesInFlight === 0) return Promise.resolve()
    return new Promise(resolve => f.idle.push(resolve))
  }

  /** Writes out everything accepted so far and fsyncs it: after this resolves, a journal may name those bytes (SPEC.md §9). */
  async flush (): Promise<void> {
    const failuresBefore = this.writeFailures
    this.flushBuffers()
    await Promise.all([...this.openFiles.values()].map(async f => {
      await this.whenIdle(f)
      const fd = await f.fd
      if (f.closed === true) { await f.finalizing; return } // verified meanwhile: fsynced (wait for it) and renamed by verify()
      const sync = new Promise<void>((resolve, reject) => fsync(fd, err => err === null ? resolve() : reject(err)))
      this.addSync(f, sync)
      await sync
    }))
    // A write that failed meanwhile may lie within a snapshot taken before this flush: that journal must not be written.
    if (this.writeFailures !== failuresBefore) throw new Error('a write failed during the flush (full disk?)')
  }

  /**
   * Starts an fdatasync of what the file has written so far, in the thread pool, so dirty pages never pile up: the final
   * fsync (verify) and the journal's are then short. A failure fails the sink: Linux may report a writeback error to
   * one fsync only, so it cannot be left for a later one to find.
   */
  private syncInBackground (f: OpenFile): void {
    if (f.backgroundSyncing === true || f.closed === true || this.closing) return
    f.backgroundSyncing = true
    f.unsyncedBytes = 0
    const sync = f.fd.then(fd => new Promise<void>((resolve, reject) => fdatasync(fd, err => err === null ? resolve() : reject(err))))
    this.addSync(f, sync.then(() => { f.backgroundSyncing = false }, (err: Error) => {
      f.backgroundSyncing = false
      this.writeFailures++
      this.fail(writeFailureCode(err), `syncing a partial file failed: ${err.message}`)
    }))
  }

  /** Adds a sync to those closing the descriptor must wait for. */
  private addSync (f: OpenFile, sync: Promise<void>): void {
    const caught = sync.catch(() => {})
    const before = f.syncing
    f.syncing = before === undefined ? caught : Promise.all([before, caught]).then(() => {})
  }

  /** Waits until every accepted byte is written or has failed (reported to the session): then a journal snapshot is exact. */
  async settle (): Promise<void> {
    this.flushBuffers()
    await Promise.all([...this.openFiles.values()].map(async f => { if (f.closed !== true) await this.whenIdle(f) }))
    await Promise.all(this.hashing.values())
  }

  /** Records bytes known to be on disk (written now, or by an earlier run named in the journal). */
  markOnDisk (index: number, start: number, end: number): void {
    this.ledgerFor(index).markWritten(start, end)
    this.pump(index)
  }

  /** True when [offset, offset + length) of file `index` is written to its partial (or final) file. */
  hasOnDisk (index: number, offsetBytes: number, lengthBytes: number): boolean {
    return this.ledgers.get(index)?.onDisk.covers(offsetBytes, offsetBytes + lengthBytes) ?? false
  }

  /**
   * Checks each block whose bytes are all on disk (CRC-32): from memory when it was assembled there (the usual case),
   * else by reading it back, one read at a time per file. The verdicts go to the session's journal (checked against a
   * recorded CRC-32 on a resume); the in-order frontier feeds the whole-file SHA-256, so a finished file needs no second
   * pass over the disk.
   */
  private pump (index: number): void {
    if (this.hashing.has(index) || this.failed || this.closing) return
    const ledger = this.ledgers.get(index)
    if (ledger === undefined) return
    for (let next = ledger.next(); next !== undefined; next = ledger.next()) {
      const held = this.assembling.get(index)?.get(next.block)
      if (held === undefined || !held.complete) { this.readBack(index, ledger, next.block, next.start, next.length); return }
      const verdict = ledger.consume(next.block, held.bytes)
      if (verdict.kind === 'checked') this.bytesHashedInMemory += held.length
      this.reportVerdict(index, next.block, verdict)
      if (ledger.fedThrough > next.block) this.letGo(held, true)
    }
    if (ledger.complete) this.readBuffers.delete(index)
    if (ledger.complete && this.expected.has(index)) void this.verify(index)
  }

  /** The next bytes of file `index`, in order, to its SHA-256 in the thread; the buffer moves there now and comes back to spareBlocks. */
  private feedFileHash (index: number, bytes: Uint8Array): void {
    let stream = this.hashStreams.get(index)
    if (stream === undefined) { stream = this.hashThread.begin(); this.hashStreams.set(index, stream) }
    // early = false: the buffer moves even before the thread is up, so it is never in two places.
    this.hashThread.update(stream, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), false).then(back => this.spareBlocks.give(back), (err: Error) => {
      if (!this.closing) this.fail('FERRY_PROTOCOL_SINK_WRITE', `hashing ${this.entries[index]!.relativePath} failed: ${err.message}`)
    })
  }

  /** The whole-file SHA-256 of a complete file: from the thread its bytes were fed to, else (one block) from its ledger. */
  private async fileDigest (index: number, ledger: BlockLedger): Promise<Buffer> {
    const stream = this.hashStreams.get(index)
    if (stream === undefined) return ledger.digest()
    this.hashStreams.delete(index)
    return await this.hashThread.end(stream)
  }

  private reportVerdict (index: number, block: number, verdict: BlockVerdict): void {
    if (verdict.kind === 'checked') this.listener?.blockVerified(index, block, verdict.crc32)
    else if (verdict.kind === 'corrupt') this.listener?.blockCorrupt(index, block)
    if (verdict.kind !== 'known') this.options.onBlockChecked?.()
  }

  /** Reads a block back from the partial file and checks it (blocks not assembled in memory: a resume's, or let go). */
  private readBack (index: number, ledger: BlockLedger, block: number, start: number, length: number): void {
    const work = (async () => {
      const f = this.fileFor(index)
      let buffer = this.readBuffers.get(index)
      if (buffer === undefined || buffer.length < length) {
        buffer = Buffer.allocUnsafe(Math.min(INTEGRITY_BLOCK_BYTES, this.entries[index]!.sizeBytes))
        this.readBuffers.set(index, buffer)
      }
      const bytes = await readFully(await f.fd, buffer, start, length)
      this.bytesHashed += bytes.length
      this.reportVerdict(index, block, ledger.consume(block, bytes))
    })()
    this.hashing.set(index, work.then(() => {}, err => {
      this.fail(writeFailureCode(err), `reading back ${this.entries[index]!.relativePath} failed: ${(err as Error).message}`)
    }).finally(() => {
      this.hashing.delete(index)
      this.pump(index)
    }))
  }

  /** Calls `listener` after each completed write (relays poll their sending session again). */
  onWritten (listener: () => void): void { this.writeListeners.push(listener) }

  /** Hands partially gathered bytes to the OS (called by the driver's timer so nothing lingers in memory). */
  flushBuffers (): void { for (const index of this.assembling.keys()) this.flushFile(index) }

  finish (fileIndex: number, expectedSha256: Uint8Array): undefined {
    this.expected.set(fileIndex, Buffer.from(expectedSha256))
    this.flushFile(fileIndex) // the last gathered bytes: their write completes the last blocks
    this.ledgerFor(fileIndex)
    this.pump(fileIndex)
    return undefined
  }

  /** Every block fed the whole-file hash: compare, and on a match fsync, close and rename the partial file. */
  private async verify (fileIndex: number): Promise<void> {
    const expected = this.expected.get(fileIndex)
    const ledger = this.ledgers.get(fileIndex)
    if (expected === undefined || ledger === undefined) return
    this.expected.delete(fileIndex)
    const finalPath = this.finalPath(fileIndex)
    const partial = finalPath + PARTIAL_SUFFIX
    try {
      const f = this.fileFor(fileIndex) // an empty file is created here
      await this.whenIdle(f)
      const digest = await this.fileDigest(fileIndex, ledger)
      if (digest.equals(expected)) {
        f.closed = true
        // fsync and close in the thread pool: a synchronous fsync per file stalls receiving for milliseconds each
        // (10,000 small files spent most of their time there). A journal flush meanwhile waits for this fsync.
        const fd = await f.fd
        f.finalizing = (async () => {
          await f.syncing
          await new Promise<void>((resolve, reject) => fsync(fd, err => err === null ? resolve() : reject(err)))
          await new Promise<void>((resolve, reject) => close(fd, err => err === null ? resolve() : reject(err)))
        })()
        try { await f.finalizing } finally { this.openFiles.delete(fileIndex) }
        await new Promise<void>((resolve, reject) => rename(partial, finalPath, err => err === null ? resolve() : reject(err)))
      } else {
        // The file starts over if a resume asks for it again: its blocks are checked afresh as they are rewritten.
        this.ledgers.delete(fileIndex)
        this.unassembled.delete(fileIndex)
      }
      this.report(fileIndex, digest, expected)
    } catch (err) {
      this.fail(writeFailureCode(err), `finishing ${this.entries[fileIndex]!.relativePath} failed: ${(err as Error).message}`)
    }
  }

  private report (fileIndex: number, digest: Buffer, expected: Buffer): void {
    const ok = digest.equals(expected)
    if (ok) this.sha256Hex.set(fileIndex, digest.toString('hex'))
    this.options.onVerified(fileIndex, ok, digest.toString('hex'))
  }

  private fail (code: `FERRY_${string}`, message: string): void {
    if (this.failed) return
    this.failed = true
    this.options.onFatal(code, message)
  }

  /** Closes every open partial file (they stay for a resume). Call it before reporting a failed receive: no descriptor outlives it. */
  async close (): Promise<void> {
    this.closing = true
    await Promise.all(this.hashing.values())
    this.readBuffers.clear()
    this.flushBuffers()
    for (const f of this.openFiles.values()) {
      if (f.closed === true) { await f.finalizing?.catch(() => {}); continue } // verify() closes it
      await this.whenIdle(f).catch(() => {})
      await f.syncing
      try { closeSync(await f.fd) } catch (_) { /* already closed, or never opened */ }
    }
    this.openFiles.clear()
    await this.hashThread.close()
    this.assembling.clear()
    this.assemblingOrder.clear()
    this.assemblingBytes = 0
  }
}

/** Opens (creating it if need be) a partial file in the thread pool; a resume keeps what an earlier run wrote. */
function openPartial (path: string, resuming: boolean): Promise<number> {
  const opening = new Promise<number>((resolve, reject) => {
    const create = (): void => openFile(path, 'w+', 0o644, (err, fd) => err === null ? resolve(fd) : reject(err))
    if (!resuming) { create(); return }
    openFile(path, 'r+', (err, fd) => {
      if (err === null) resolve(fd)
      else if (err.code === 'ENOENT') create()
      else reject(err)
    })
  })
  opening.catch(() => {}) // a failure is reported by the write or flush that awaits it
  return opening
}

/** Reads [position, position + length) of `fd` into the start of `buf`; shorter only where the file ends. */
async function readFully (fd: number, buf: Buffer, position: number, length: number): Promise<Buffer> {
  let got = 0
  while (got < length) {
    const n = await new Promise<number>((resolve, reject) => read(fd, buf, got, length - got, position + got, (err, bytes) => err === null ? resolve(bytes) : reject(err)))
    if (n === 0) break
    got += n
  }
  return buf.subarray(0, got)
}
