// Cut-through relaying: a BlockSource that sends onward the bytes a receive in progress has already written, so a relay forwards a file while it still arrives (DESIGN.md "Relay").
import { open, read, close } from 'node:fs'
import type { BlockSource } from '../session/block-io.js'
import type { ReceiverSession } from '../session/receiver-session.js'
import type { FileBlockSink } from './file-block-sink.js'
import { PARTIAL_SUFFIX } from './file-block-sink.js'
import { SOURCE_BLOCK_BYTES } from './file-block-source.js'

/** Blocks cached at most (~64 MiB); the oldest go first and are read again if a resend needs them. */
const MAX_CACHED_BLOCKS = 64

/**
 * Reads file `relativePath` of an inbound transfer as its blocks reach the disk: a block is sent onward once all of
 * it is written (whatever order it arrived in), and a file's digest once the inbound side verified it — so the next
 * hop checks the original sender's SHA-256 end to end. Outbound files are matched to inbound ones by relative path.
 */
export class RelayBlockSource implements BlockSource {
  private readonly cache = new Map<string, Buffer>()
  private readonly loading = new Set<string>()
  private readonly fds = new Map<number, Promise<number>>()
  private readonly listeners: Array<() => void> = []
  private inboundIndex: number[] | undefined
  private closed = false

  /** `outbound[i]` is the relative path of outbound file i; `inbound()` gives the receiving session once it exists. */
  constructor (private readonly outbound: readonly string[], private readonly inbound: () => { session: ReceiverSession, sink: FileBlockSink } | undefined) {}

  subscribe (listener: () => void): void {
    this.listeners.push(listener)
  }

  /** Called by the inbound side after each write and verification. */
  notify (): void { for (const l of this.listeners) l() }

  private map (outIndex: number): number | undefined {
    const inbound = this.inbound()
    if (inbound === undefined || !inbound.session.hasManifest) return undefined
    if (this.inboundIndex === undefined) {
      const byPath = new Map(inbound.session.entries.map((e, i) => [e.relativePath, i]))
      this.inboundIndex = this.outbound.map(p => byPath.get(p) ?? -1)
    }
    const i = this.inboundIndex[outIndex]!
    return i < 0 ? undefined : i
  }

  private fd (inIndex: number, sink: FileBlockSink): Promise<number> {
    let p = this.fds.get(inIndex)
    if (p === undefined) {
      const finalPath = sink.finalPath(inIndex)
      // The partial file, or the final one if it was verified and renamed already (an open fd survives the rename).
      p = new Promise((resolve, reject) => open(finalPath + PARTIAL_SUFFIX, 'r', (err, fd) => {
        if (err === null) { resolve(fd); return }
        open(finalPath, 'r', (err2, fd2) => err2 === null ? resolve(fd2) : reject(err2))
      }))
      this.fds.set(inIndex, p)
      p.catch(() => this.fds.delete(inIndex))
    }
    return p
  }

  read (fileIndex: number, offsetBytes: number, lengthBytes: number): Uint8Array | undefined {
    const inIndex = this.map(fileIndex)
    if (inIndex === undefined) return undefined
    const { session, sink } = this.inbound()!
    const block = Math.floor(offsetBytes / SOURCE_BLOCK_BYTES)
    const key = `${inIndex}:${block}`
    const cached = this.cache.get(key)
    if (cached !== undefined) {
      const at = offsetBytes - block * SOURCE_BLOCK_BYTES
      return cached.subarray(at, at + lengthBytes)
    }
    const size = session.entries[inIndex]!.sizeBytes
    const start = block * SOURCE_BLOCK_BYTES
    const length = Math.min(SOURCE_BLOCK_BYTES, size - start)
    const verified = session.verifiedSha256Hex(inIndex) !== undefined
    if (!verified && !sink.hasOnDisk(inIndex, start, length)) return undefined
    if (!this.loading.has(key)) {
      this.loading.add(key)
      this.fd(inIndex, sink).then(fd => new Promise<Buffer>((resolve, reject) => {
        const buf = Buffer.allocUnsafe(length)
        const step = (got: number): void => read(fd, buf, got, length - got, start + got, (err, n) => {
          if (err !== null) reject(err)
          else if (n === 0) reject(new Error('relay file shorter than its manifest'))
          else if (got + n < length) step(got + n)
          else resolve(buf)
        })
        step(0)
      })).then(buf => {
        this.loading.delete(key)
        if (this.closed) return
        this.cache.set(key, buf)
        while (this.cache.size > MAX_CACHED_BLOCKS) this.cache.delete(this.cache.keys().next().value!)
        this.notify()
      }, () => { this.loading.delete(key) })
    }
    return undefined
  }

  digest (fileIndex: number): Uint8Array | undefined {
    const inIndex = this.map(fileIndex)
    if (inIndex === undefined) return undefined
    const hex = this.inbound()!.session.verifiedSha256Hex(inIndex)
    return hex === undefined ? undefined : Buffer.from(hex, 'hex')
  }

  release (fileIndex: number, offsetBytes: number): void {
    const inIndex = this.map(fileIndex)
    if (inIndex === undefined) return
    // Drop a block once the session moved past it; resends read it again.
    const block = Math.floor(offsetBytes / SOURCE_BLOCK_BYTES)
    if (block > 0) this.cache.delete(`${inIndex}:${block - 1}`)
  }

  async close (): Promise<void> {
    this.closed = true
    for (const p of this.fds.values()) {
      const fd = await p.catch(() => undefined)
      if (fd !== undefined) await new Promise<void>(resolve => close(fd, () => resolve()))
    }
  }
}
