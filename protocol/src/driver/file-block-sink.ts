// Writes received bytes to partial files with positional writes and bounded memory, hashes each integrity block as it reaches disk; a file takes its final name only after its SHA-256 checks out.
import { webcrypto } from 'node:crypto'
import { close, closeSync, existsSync, fsync, mkdirSync, openSync, read, rename, renameSync, write } from 'node:fs'
import { dirname, resolve, sep } from 'node:path'
import type { ManifestEntry } from '../manifest/manifest.js'
import { validateRelativePath } from '../manifest/validate-relative-path.js'
import { BlockLedger, INTEGRITY_BLOCK_BYTES } from '../files/block-ledger.js'
import type { BlockSink, SinkListener, SinkRefusal, SinkResume } from '../session/block-io.js'

/** Suffix of a file still being received. */
export const PARTIAL_SUFFIX = '.ferry-partial'
/** Contiguous bytes gathered before one positional write (bytes). */
const WRITE_BUFFER_BYTES = 1 << 20
/** Bytes accepted but not yet on disk before `write` refuses (bytes): bounds memory whatever the file size. */
export const MAX_QUEUED_WRITE_BYTES = 48 << 20

interface OpenFile {
  index: number
  fd: number
  /** The bytes gathered for the next write: buffer[0, fill) belongs at file offset `start`. */
  buffer: Buffer | undefined
  start: number
  fill: number
  writesInFlight: number
  idle: Array<() => void>
  /** Set once the file is verified and its descriptor is about to close: a journal flush must leave it alone. */
  closed?: boolean
  /** verify()'s fsync and close of a verified file: a journal flush waits for it, close() leaves the descriptor to it. */
  finalizing?: Promise<void>
  /** The fsync a journal flush has in flight on this descriptor; closing waits for it (else EBADF, or a reused fd). */
  syncing?: Promise<void>
}

export interface FileBlockSinkOptions {
  destinationDir: string
  /** Keep existing partial files (a resume); otherwise they are truncated. */
  resuming: boolean
  /** A file's SHA-256 was checked: ok or not. The driver forwards it to the session. */
  onVerified: (fileIndex: number, ok: boolean, sha256Hex: string) => void
  /** A write, hash or rename failed (full disk, vanished folder): the driver closes the session with this. */
  onFatal: (code: `FERRY_${string}`, message: string) => void
  /** A block was hashed or found corrupt: the driver polls the session again (a resumed session syncs after the check). */
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
  readonly sha256Hex = new Map<number, string>()
  /** Per file: bytes on disk, integrity blocks, the in-order whole-file hash (SPEC.md §5.2). */
  private readonly ledgers = new Map<number, BlockLedger>()
  /** Files with a block read-back in flight (one at a time per file). */
  private readonly hashing = new Map<number, Promise<void>>()
  /** Per file, the buffer its read-backs reuse (one read at a time): no ~1 MiB of garbage per block. */
  private readonly readBuffers = new Map<number, Buffer>()
  /** finish() was called: the sender's digest, until the whole-file hash is compared. */
  private readonly expected = new Map<number, Buffer>()
  private listener: SinkListener | undefined
  private readonly writeListeners: Array<() => void> = []
  /** Bytes read back for hashing (ops and tests: a resume re-reads what it keeps). */
  bytesHashed = 0

  constructor (private readonly options: FileBlockSinkOptions) {
    this.root = resolve(options.destinationDir)
  }

  /** Final path of entry `index`, inside the destination folder whatever the manifest says. */
  finalPath (index: number): string { return this.pathFor(this.entries[index]!.relativePath) }

  private pathFor (relativePath: string): string {
    const full = resolve(this.root, validateRelativePath(relativePath))
    if (!full.startsWith(this.root + sep)) throw new Error('path escapes destination')
    return full
  }

  open (entries: readonly ManifestEntry[], listener: SinkListener, resume?: SinkResume): SinkRefusal | undefined {
    try {
      for (const e of entries) this.pathFor(e.relativePath)
      mkdirSync(this.root, { recursive: true })
      for (const e of entries) {
        if (e.kind === 'directory') mkdirSync(this.pathFor(e.relativePath), { recursive: true })
        else mkdirSync(dirname(this.pathFor(e.relativePath)), { recursive: true })
      }
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
          const ledger = this.ledgerFor(index, resume.blockSha256(index))
          for (const [s, end] of held) ledger.markWritten(s, end)
        })
      } catch (err) {
        return { code: 'FERRY_PROTOCOL_DESTINATION', message: `cannot reopen the partial files: ${(err as Error).message}` }
      }
      for (const index of this.ledgers.keys()) this.pump(index)
    }
    return undefined
  }

  private ledgerFor (index: number, recorded?: ReadonlyMap<number, Uint8Array>): BlockLedger {
    let ledger = this.ledgers.get(index)
    if (ledger === undefined) {
      ledger = new BlockLedger(this.entries[index]!.sizeBytes, recorded)
      this.ledgers.set(index, ledger)
    }
    return ledger
  }

  private fileFor (index: number): OpenFile {
    let f = this.openFiles.get(index)
    if (f === undefined) {
      const partial = this.finalPath(index) + PARTIAL_SUFFIX
      const fd = openSync(partial, this.options.resuming && existsSync(partial) ? 'r+' : 'w+', 0o644)
      f = { index, fd, buffer: undefined, start: 0, fill: 0, writesInFlight: 0, idle: [] }
      this.openFiles.set(index, f)
    }
    return f
  }

  write (fileIndex: number, offsetBytes: number, bytes: Uint8Array): boolean {
    if (this.failed) return false
    if (this.queuedBytes + bytes.length > MAX_QUEUED_WRITE_BYTES) return false
    let f: OpenFile
    try {
      f = this.fileFor(fileIndex)
    } catch (err) {
      this.fail(writeFailureCode(err), `cannot open a partial file: ${(err as Error).message}`)
      return false
    }
    // Coalesce in-order arrivals into one large write; a resend that fills an older gap is written on its own so the
    // in-order stream keeps gathering.
    if (f.buffer !== undefined && f.fill > 0 && offsetBytes !== f.start + f.fill) {
      this.writeOut(f, Buffer.from(bytes), offsetBytes)
      this.queuedBytes += bytes.length
      return true
    }
    if (f.buffer !== undefined && f.fill + bytes.length > f.buffer.length) this.flushFile(f)
    if (f.buffer === undefined) {
      // No bigger than what is left of the file: a 16 KiB file must not cost a 1 MiB buffer (garbage collection).
      const leftBytes = this.entries[fileIndex]!.sizeBytes - offsetBytes
      f.buffer = Buffer.allocUnsafe(Math.max(Math.min(WRITE_BUFFER_BYTES, leftBytes), bytes.length))
      f.start = offsetBytes
      f.fill = 0
    }
    f.buffer.set(bytes, f.fill)
    f.fill += bytes.length
    this.queuedBytes += bytes.length
    return true
  }

  private flushFile (f: OpenFile): void {
    const buffer = f.buffer
    f.buffer = undefined
    if (buffer === undefined || f.fill === 0) return
    this.writeOut(f, buffer.subarray(0, f.fill), f.start)
  }

  /** One positional write of `buffer` at `position`, retried until complete; accounts memory and on-disk ranges. */
  private writeOut (f: OpenFile, buffer: Buffer, position: number): void {
    const length = buffer.length
    f.writesInFlight++
    const done = (err: Error | null): void => {
      this.queuedBytes -= length
      f.writesInFlight--
      if (err === null) {
        this.markOnDisk(f.index, position, position + length)
        for (const listener of this.writeListeners) listener()
      } else {
        this.writeFailures++
        this.listener?.writeFailed(f.index, position, length)
        this.fail(writeFailureCode(err), `writing a partial file failed: ${err.message}`)
      }
      if (f.writesInFlight === 0) for (const cb of f.idle.splice(0)) cb()
    }
    const writeFrom = (offset: number): void => {
      write(f.fd, buffer, offset, length - offset, position + offset, (err, written) => {
        if (err !== null) { done(err); return }
        if (offset + written < length) writeFrom(offset + written)
        else done(null)
      })
    }
    writeFrom(0)
  }

  private whenIdle (f: OpenFile): Promise<void> {
    this.flushFile(f)
    if (f.writesInFlight === 0) return Promise.resolve()
    return new Promise(resolve => f.idle.push(resolve))
  }

  /** Writes out everything accepted so far and fsyncs it: after this resolves, a journal may name those bytes (SPEC.md §9). */
  async flush (): Promise<void> {
    const failuresBefore = this.writeFailures
    await Promise.all([...this.openFiles.values()].map(async f => {
      await this.whenIdle(f)
      if (f.closed === true) { await f.finalizing; return } // verified meanwhile: fsynced (wait for it) and renamed by verify()
      const sync = new Promise<void>((resolve, reject) => fsync(f.fd, err => err === null ? resolve() : reject(err)))
      f.syncing = sync.catch(() => {})
      await sync
    }))
    // A write that failed meanwhile may lie within a snapshot taken before this flush: that journal must not be written.
    if (this.writeFailures !== failuresBefore) throw new Error('a write failed during the flush (full disk?)')
  }

  /** Waits until every accepted byte is written or has failed (reported to the session): then a journal snapshot is exact. */
  async settle (): Promise<void> {
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
   * Reads back, one at a time per file, each block whose bytes are all on disk: its SHA-256 (computed in the thread
   * pool) goes to the session's journal and is checked against a recorded one; the in-order frontier feeds the
   * whole-file hash, so a finished file needs no second pass over the disk.
   */
  private pump (index: number): void {
    if (this.hashing.has(index) || this.failed || this.closing) return
    const ledger = this.ledgers.get(index)
    if (ledger === undefined) return
    const next = ledger.next()
    if (next === undefined) {
      if (ledger.complete) this.readBuffers.delete(index)
      if (ledger.complete && this.expected.has(index)) void this.verify(index)
      return
    }
    const work = (async () => {
      const f = this.fileFor(index)
      let buffer = this.readBuffers.get(index)
      if (buffer === undefined || buffer.length < next.length) {
        buffer = Buffer.allocUnsafe(Math.min(INTEGRITY_BLOCK_BYTES, this.entries[index]!.sizeBytes))
        this.readBuffers.set(index, buffer)
      }
      const bytes = await readFully(f.fd, buffer, next.start, next.length)
      this.bytesHashed += bytes.length
      const sha256 = new Uint8Array(await webcrypto.subtle.digest('SHA-256', bytes))
      const verdict = ledger.consume(next.block, bytes, sha256)
      if (verdict.kind === 'hashed') this.listener?.blockVerified(index, next.block, verdict.sha256)
      else if (verdict.kind === 'corrupt') this.listener?.blockCorrupt(index, next.block)
      if (verdict.kind !== 'known') this.options.onBlockChecked?.()
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
  flushBuffers (): void { for (const f of this.openFiles.values()) this.flushFile(f) }

  finish (fileIndex: number, expectedSha256: Uint8Array): undefined {
    this.expected.set(fileIndex, Buffer.from(expectedSha256))
    const f = this.openFiles.get(fileIndex)
    if (f !== undefined) this.flushFile(f) // the last gathered bytes: their write completes the last blocks
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
      const digest = ledger.digest()
      if (digest.equals(expected)) {
        f.closed = true
        // fsync and close in the thread pool: a synchronous fsync per file stalls receiving for milliseconds each
        // (10,000 small files spent most of their time there). A journal flush meanwhile waits for this fsync.
        const fd = f.fd
        f.finalizing = (async () => {
          await f.syncing
          await new Promise<void>((resolve, reject) => fsync(fd, err => err === null ? resolve() : reject(err)))
          await new Promise<void>((resolve, reject) => close(fd, err => err === null ? resolve() : reject(err)))
        })()
        try { await f.finalizing } finally { this.openFiles.delete(fileIndex) }
        await new Promise<void>((resolve, reject) => rename(partial, finalPath, err => err === null ? resolve() : reject(err)))
      } else {
        // The file starts over if a resume asks for it again: its blocks are hashed afresh as they are rewritten.
        this.ledgers.delete(fileIndex)
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
    for (const f of this.openFiles.values()) {
      if (f.closed === true) { await f.finalizing?.catch(() => {}); continue } // verify() closes it
      await this.whenIdle(f).catch(() => {})
      try { closeSync(f.fd) } catch (_) { /* already closed */ }
    }
    this.openFiles.clear()
  }
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
