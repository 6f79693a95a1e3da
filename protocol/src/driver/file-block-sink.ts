// Writes received bytes to partial files with positional writes and bounded memory; a file takes its final name only after its SHA-256 checks out.
import { createHash } from 'node:crypto'
import { close, closeSync, existsSync, fsync, mkdirSync, openSync, read, rename, write } from 'node:fs'
import { dirname, resolve, sep } from 'node:path'
import type { ManifestEntry } from '../manifest/manifest.js'
import { RangeSet } from '../wire/range-set.js'
import { validateRelativePath } from '../manifest/validate-relative-path.js'
import type { BlockSink, SinkRefusal } from '../session/block-io.js'

/** Suffix of a file still being received. */
export const PARTIAL_SUFFIX = '.ferry-partial'
/** Contiguous bytes gathered before one positional write (bytes). */
const WRITE_BUFFER_BYTES = 1 << 20
/** Bytes accepted but not yet on disk before `write` refuses (bytes): bounds memory whatever the file size. */
export const MAX_QUEUED_WRITE_BYTES = 48 << 20
/** Read size when hashing a finished file (bytes). */
const HASH_READ_BYTES = 1 << 20

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
}

export class FileBlockSink implements BlockSink {
  private entries: readonly ManifestEntry[] = []
  private readonly openFiles = new Map<number, OpenFile>()
  private queuedBytes = 0
  private failed = false
  private readonly root: string
  readonly sha256Hex = new Map<number, string>()
  /** Bytes of each file known to be written to its partial file (for relays reading while receiving). */
  private readonly onDisk = new Map<number, RangeSet>()
  private readonly writeListeners: Array<() => void> = []

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

  open (entries: readonly ManifestEntry[]): SinkRefusal | undefined {
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
    return undefined
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
      this.fail('FERRY_PROTOCOL_SINK_WRITE', `cannot open a partial file: ${(err as Error).message}`)
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
        this.fail('FERRY_PROTOCOL_SINK_WRITE', `writing a partial file failed: ${err.message}`)
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
    await Promise.all([...this.openFiles.values()].map(async f => {
      await this.whenIdle(f)
      if (f.closed === true) { await f.finalizing; return } // verified meanwhile: fsynced (wait for it) and renamed by verify()
      const sync = new Promise<void>((resolve, reject) => fsync(f.fd, err => err === null ? resolve() : reject(err)))
      f.syncing = sync.catch(() => {})
      await sync
    }))
  }

  /** Records bytes known to be on disk (written now, or by an earlier run named in the journal). */
  markOnDisk (index: number, start: number, end: number): void {
    let ranges = this.onDisk.get(index)
    if (ranges === undefined) { ranges = new RangeSet(); this.onDisk.set(index, ranges) }
    ranges.add(start, end)
  }

  /** True when [offset, offset + length) of file `index` is written to its partial (or final) file. */
  hasOnDisk (index: number, offsetBytes: number, lengthBytes: number): boolean {
    return this.onDisk.get(index)?.covers(offsetBytes, offsetBytes + lengthBytes) ?? false
  }

  /** Calls `listener` after each completed write (relays poll their sending session again). */
  onWritten (listener: () => void): void { this.writeListeners.push(listener) }

  /** Hands partially gathered bytes to the OS (called by the driver's timer so nothing lingers in memory). */
  flushBuffers (): void { for (const f of this.openFiles.values()) this.flushFile(f) }

  finish (fileIndex: number, expectedSha256: Uint8Array): undefined {
    void this.verify(fileIndex, Buffer.from(expectedSha256))
    return undefined
  }

  private async verify (fileIndex: number, expected: Buffer): Promise<void> {
    const finalPath = this.finalPath(fileIndex)
    const partial = finalPath + PARTIAL_SUFFIX
    try {
      let f = this.openFiles.get(fileIndex)
      if (f === undefined && !existsSync(partial) && existsSync(finalPath)) {
        // Renamed by an earlier run that died before its journal said so: check the file in place.
        const fd = openSync(finalPath, 'r')
        const digest = await hashFd(fd, this.entries[fileIndex]!.sizeBytes)
        closeSync(fd)
        this.report(fileIndex, digest, expected)
        return
      }
      f ??= this.fileFor(fileIndex)
      await this.whenIdle(f)
      const digest = await hashFd(f.fd, this.entries[fileIndex]!.sizeBytes)
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
      }
      this.report(fileIndex, digest, expected)
    } catch (err) {
      this.fail('FERRY_PROTOCOL_SINK_WRITE', `finishing ${this.entries[fileIndex]!.relativePath} failed: ${(err as Error).message}`)
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

  /** Closes every open partial file (they stay for a resume). */
  async close (): Promise<void> {
    for (const f of this.openFiles.values()) {
      if (f.closed === true) { await f.finalizing?.catch(() => {}); continue } // verify() closes it
      await this.whenIdle(f).catch(() => {})
      try { closeSync(f.fd) } catch (_) { /* already closed */ }
    }
    this.openFiles.clear()
  }
}

async function hashFd (fd: number, sizeBytes: number): Promise<Buffer> {
  const hash = createHash('sha256')
  const buf = Buffer.allocUnsafe(HASH_READ_BYTES)
  for (let pos = 0; pos < sizeBytes;) {
    const n = await new Promise<number>((resolve, reject) => read(fd, buf, 0, Math.min(buf.length, sizeBytes - pos), pos, (err, bytes) => err === null ? resolve(bytes) : reject(err)))
    if (n === 0) throw new Error('file shorter than announced')
    hash.update(buf.subarray(0, n))
    pos += n
  }
  return hash.digest()
}

