// The node side of /ferry/transfer/1: admits a token, plans the transfer, hands the UDP session to the driver, stores verified files, signs the receipt.
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, rm, statfs, mkdir, access } from 'node:fs/promises'
import { join } from 'node:path'
import { FerryError, isFerryError, tokenCoversPath, type TransferReceiptClaims, type TransferTokenClaims } from '@ferry/protocol'
import { validateRelativePath } from '@ferry/protocol/manifest/validate-relative-path'
import type { RateSettings } from '@ferry/protocol/congestion/rate-controller'
import { decodeControlMessage, encodeControlMessage, type ManifestEntry, type OpenMessage } from '@ferry/protocol/control/control-message'
import type { MessageChannel } from '@ferry/protocol/control/message-channel'
import { isDiskFull } from '@ferry/protocol/driver/index'
import type { LevelPackageStore } from '../storage/level-package-store.js'
import type { TokenGate } from '../control/token-gate.js'
import type { DataEndpoint, DriverFile, DriverProgress, DriverResult, RateHandle } from './data-endpoint.js'
import type { TransferRegistry } from './transfer-registry.js'
import type { TransferHistory } from './transfer-history.js'
import type { PeerTable } from '../mesh/peer-table.js'

/** Rate used when the client asks for none: fair sharing up to 1 Gbit/s, never below 1 Mbit/s. */
export const DEFAULT_RATE: RateSettings = { policy: 'fair', targetBitsPerSec: 1e9, minBitsPerSec: 1e6 }
/** How long a client may take to send `open` after opening the stream (ms). */
const OPEN_TIMEOUT_MS = 10_000
/** Least time between two progress messages on one stream (ms): enough for a live display, little traffic. */
const PROGRESS_INTERVAL_MS = 250
/** Free space (bytes) below which the receiving disk counts as full when a transfer fails. */
const DISK_FULL_MARGIN_BYTES = 4 * 1024 * 1024
/** Largest memory-to-memory test transfer a peer may ask for (bytes). */
export const MAX_BENCH_BYTES = 1024 ** 3
/** Most files one transfer may carry: bounds the manifest a client can make the node hold. */
export const MAX_MANIFEST_FILES = 100_000

export interface TransferServiceInit {
  peerId: string
  /** UDP address clients are told to send to. */
  udpHost: string
  udpPort: number
}

export interface TransferServiceComponents {
  store: LevelPackageStore
  gate: TokenGate
  endpoint: DataEndpoint
  registry: TransferRegistry
  history: TransferHistory
  peerTable: PeerTable
  signReceipt: (claims: Omit<TransferReceiptClaims, 'iss'>) => Promise<string>
  nowMs: () => number
}

interface Plan {
  transferId: string
  claims: TransferTokenClaims
  open: OpenMessage
  /** Everything the receipt will list, in manifest order. */
  manifest: ManifestEntry[]
  completePaths: string[]
  /** Whether the receiving session will resume from a journal: the client's sender then sends no first flight (SPEC.md §4.2.1). */
  receiverResuming: boolean
  run: (session: { connectionId: string, secret: Uint8Array, signal: AbortSignal, onProgress: (p: DriverProgress) => void, onHandle: (h: RateHandle) => void }) => Promise<DriverResult>
  /** After the driver finished: returns the receipt's file list. */
  finish: (result: DriverResult) => Promise<ManifestEntry[]>
  /** After a failure the driver's journal cannot be trusted for (full disk): keep verified files, drop the rest. */
  salvage: () => Promise<void>
  /** Whether the receiving disk is (nearly) full now: then any failure of this transfer is reported as FERRY_NODE_DISK_FULL. */
  diskFull: () => Promise<boolean>
  cleanup: () => Promise<void>
}

function fail (code: `FERRY_${string}`, message: string, statusCode = 400, details?: Record<string, unknown>): FerryError {
  return new FerryError(code, message, { statusCode, details })
}

/** The node's own code for a full receiving disk: the client may resume once space is freed. */
function diskFullError (cause: unknown): FerryError {
  return new FerryError('FERRY_NODE_DISK_FULL', 'the node\'s disk is full; the transfer can resume once space is freed', { statusCode: 507, cause })
}

/** Maps anything thrown during a transfer to the coded error the client sees. */
export function toFerryError (err: unknown): FerryError {
  // The driver's own test (FERRY_PROTOCOL_DISK_FULL, or an errno or failed partial-file or journal write naming ENOSPC/EDQUOT).
  if (isDiskFull(err)) return diskFullError(err)
  if (isFerryError(err)) return err
  if ((err as Error | undefined)?.name === 'AbortError') return new FerryError('FERRY_NODE_TRANSFER_CANCELLED', 'the transfer was cancelled', { statusCode: 499, cause: err })
  return new FerryError('FERRY_NODE_INTERNAL', 'the node failed during the transfer', { statusCode: 500, cause: err })
}

export class TransferService {
  private readonly init: TransferServiceInit
  private readonly c: TransferServiceComponents

  constructor (init: TransferServiceInit, components: TransferServiceComponents) {
    this.init = init
    this.c = components
  }

  /** Runs one control conversation to its end; never throws (failures go to the client as `error`). */
  async handle (channel: MessageChannel, remotePeer: string): Promise<void> {
    let plan: Plan | undefined
    try {
      const first = await channel.read({ signal: AbortSignal.timeout(OPEN_TIMEOUT_MS) })
      if (first === null) return
      const open = decodeControlMessage(first)
      if (open.type !== 'open') throw fail('FERRY_CONTROL_UNEXPECTED', `expected open, got ${open.type}`)
      if (open.benchBytes !== undefined) {
        await this.run(this.planBench(open, remotePeer), channel, remotePeer)
        return
      }
      const claims = await this.c.gate.admit(open.token, { dir: open.direction })
      plan = open.direction === 'upload' ? await this.planUpload(claims, open) : await this.planDownload(claims, open)
      await this.run(plan, channel, remotePeer)
    } catch (err) {
      const e = toFerryError(err)
      await channel.write(encodeControlMessage({ type: 'error', code: e.code, message: e.message })).catch(() => {})
      await channel.close().catch(() => {})
    }
  }

  private async planUpload (claims: TransferTokenClaims, open: OpenMessage): Promise<Plan> {
    const manifest = open.manifest
    if (manifest === undefined || manifest.length === 0) throw fail('FERRY_NODE_MANIFEST_INVALID', 'an upload needs a manifest')
    if (manifest.length > MAX_MANIFEST_FILES) throw fail('FERRY_NODE_MANIFEST_INVALID', `a transfer carries at most ${MAX_MANIFEST_FILES} files`)
    const seen = new Set<string>()
    let totalBytes = 0
    for (const entry of manifest) {
      validateRelativePath(entry.path)
      if (seen.has(entry.path)) throw fail('FERRY_NODE_MANIFEST_INVALID', 'a path appears twice in the manifest', 400, { path: entry.path })
      seen.add(entry.path)
      if (!tokenCoversPath(claims, entry.path)) throw fail('FERRY_NODE_PATH_NOT_COVERED', 'the token does not cover this path', 403, { path: entry.path })
      totalBytes += entry.sizeBytes
    }
    if (totalBytes > claims.maxBytes) throw fail('FERRY_NODE_TOKEN_BYTES', `the manifest holds ${totalBytes} bytes, the token allows ${claims.maxBytes}`, 413)
    const completePaths: string[] = []
    for (const entry of manifest) {
      const stored = await this.c.store.getEntry(claims.pkg, entry.path)
      if (stored?.complete !== true) continue
      if (stored.kind !== 'file' || stored.sizeBytes !== entry.sizeBytes || (entry.sha256 !== undefined && entry.sha256 !== stored.sha256)) {
        throw fail('FERRY_NODE_FILE_EXISTS', 'the package already holds a different file at this path', 409, { path: entry.path })
      }
      completePaths.push(entry.path)
    }
    // The same manifest for the same package is the same transfer: a client that reconnects resumes its staging area.
    const canonical = JSON.stringify(manifest.map(e => [e.path, e.sizeBytes]).sort())
    const transferId = createHash('sha256').update(`upload\0${claims.pkg}\0${canonical}`).digest('hex').slice(0, 32)
    if (this.c.registry.has(transferId)) throw fail('FERRY_NODE_TRANSFER_BUSY', 'this upload is already running', 409)
    const stagingDir = this.c.store.stagingDir(transferId)
    const journalPath = stagingDir + '.journal'
    const pending = manifest.filter(e => !completePaths.includes(e.path))
    await mkdir(stagingDir, { recursive: true })
    const resuming = await access(journalPath).then(() => true, () => false)
    const pendingBytes = pending.reduce((n, e) => n + e.sizeBytes, 0)
    if (!resuming) {
      // Refuse at once what cannot fit, rather than after moving most of it; a resumed transfer needs less, so it is let through.
      const fs = await statfs(stagingDir)
      if (fs.bavail * fs.bsize < pendingBytes) throw new FerryError('FERRY_NODE_DISK_FULL', `the node has ${fs.bavail * fs.bsize} bytes free, the upload needs ${pendingBytes}`, { statusCode: 507 })
    }
    const expected = new Map(pending.map(e => [e.path, e.sizeBytes]))
    return {
      transferId, claims, open, manifest, completePaths, receiverResuming: resuming && pending.length > 0,
      run: async (s) => {
        if (pending.length === 0) return { files: [], bytes: 0, seconds: 0 }
        return await this.c.endpoint.receive({
          connectionId: s.connectionId, secret: s.secret, role: 'responder', destinationDir: stagingDir, journalPath,
          maxBytes: pendingBytes, signal: s.signal, onProgress: s.onProgress
        }, s.onHandle)
      },
      finish: async (result) => {
        for (const file of result.files) {
          if (expected.get(file.relativePath) !== file.sizeBytes) {
            throw fail('FERRY_NODE_MANIFEST_MISMATCH', 'the client sent a file its manifest did not declare', 400, { path: file.relativePath })
          }
          const source = join(stagingDir, ...validateRelativePath(file.relativePath).split('/'))
          const st = await lstat(source)
          if (!st.isFile()) throw fail('FERRY_NODE_PATH_SYMLINK', 'a received path is not a regular file', 400, { path: file.relativePath })
          await this.c.store.adoptVerifiedFile(claims.pkg, file.relativePath, source, { sizeBytes: file.sizeBytes, sha256: file.sha256, completedAtMs: this.c.nowMs() })
        }
        const files: ManifestEntry[] = []
        for (const entry of manifest) {
          const stored = await this.c.store.getEntry(claims.pkg, entry.path)
          if (stored?.complete !== true || stored.sha256 === undefined) throw fail('FERRY_NODE_TRANSFER_INCOMPLETE', 'the transfer ended before every file arrived', 409, { path: entry.path })
          files.push({ path: entry.path, sizeBytes: stored.sizeBytes, sha256: stored.sha256 })
        }
        return files
      },
      diskFull: async () => {
        const fs = await statfs(stagingDir).catch(() => undefined)
        return fs !== undefined && fs.bavail * fs.bsize < DISK_FULL_MARGIN_BYTES
      },
      salvage: async () => {
        // The driver renames a file to its final name only once its SHA-256 matched, so those are whole and verified:
        // adopt them into the package (the next attempt skips them) and start the rest afresh.
        for (const entry of pending) {
          const source = join(stagingDir, ...entry.path.split('/'))
          const st = await lstat(source).catch(() => undefined)
          if (st?.isFile() !== true || st.size !== entry.sizeBytes) continue
          const sha256 = createHash('sha256')
          for await (const chunk of createReadStream(source)) sha256.update(chunk as Buffer)
          await this.c.store.adoptVerifiedFile(claims.pkg, entry.path, source, { sizeBytes: entry.sizeBytes, sha256: sha256.digest('hex'), completedAtMs: this.c.nowMs() })
        }
        await rm(stagingDir, { recursive: true, force: true })
        await rm(journalPath, { force: true })
        // A journal write cut short by the full disk leaves the driver's temporary file behind.
        await rm(journalPath + '.tmp', { force: true })
      },
      cleanup: async () => {
        await rm(stagingDir, { recursive: true, force: true })
        await rm(journalPath, { force: true })
      }
    }
  }

  /**
   * A memory-to-memory test transfer: bytes counted and verified, never written. Only mesh peers may ask (a relay
   * counts, as it is one), and only up to MAX_BENCH_BYTES, so it cannot be used to fill anything.
   */
  private planBench (open: OpenMessage, remotePeer: string): Plan {
    const sizeBytes = open.benchBytes as number
    if (this.c.peerTable.get(remotePeer)?.connected !== true) throw fail('FERRY_NODE_BENCH_REFUSED', 'test transfers are for mesh peers only', 403)
    if (sizeBytes > MAX_BENCH_BYTES || sizeBytes === 0) throw fail('FERRY_NODE_BENCH_REFUSED', `a test transfer moves 1 to ${MAX_BENCH_BYTES} bytes`, 400)
    const transferId = randomBytes(16).toString('hex')
    const nowSec = Math.floor(this.c.nowMs() / 1000)
    const claims: TransferTokenClaims = { iss: this.init.peerId, aud: this.init.peerId, sub: `node:${remotePeer}`, pkg: 'bench', dir: 'upload', paths: ['*'], maxBytes: sizeBytes, jti: transferId, iat: nowSec, exp: nowSec }
    const manifest: ManifestEntry[] = [{ path: 'bench.bin', sizeBytes }]
    return {
      transferId, claims, open, manifest, completePaths: [], receiverResuming: false,
      run: async (s) => await this.c.endpoint.receive({
        connectionId: s.connectionId, secret: s.secret, role: 'responder', memory: 'discard', maxBytes: sizeBytes, signal: s.signal, onProgress: s.onProgress
      }, s.onHandle),
      finish: async (result) => result.files.map(f => ({ path: f.relativePath, sizeBytes: f.sizeBytes, sha256: f.sha256 })),
      diskFull: async () => false,
      salvage: async () => {},
      cleanup: async () => {}
    }
  }

  private async planDownload (claims: TransferTokenClaims, open: OpenMessage): Promise<Plan> {
    const entries = await this.c.store.listEntries(claims.pkg)
    if (entries === undefined) throw fail('FERRY_NODE_PACKAGE_UNKNOWN', 'this node holds no such package', 404)
    const wanted = open.paths ?? ['*']
    for (const p of wanted) if (p !== '*') validateRelativePath(p.replace(/\/$/, ''))
    const covered = entries.filter(e => e.kind === 'file' && e.complete && tokenCoversPath(claims, e.path) &&
      wanted.some(p => p === '*' || p === e.path || e.path.startsWith(p.endsWith('/') ? p : p + '/')))
    for (const p of wanted) {
      if (p !== '*' && !covered.some(e => e.path === p || e.path.startsWith(p.endsWith('/') ? p : p + '/'))) throw fail('FERRY_NODE_FILE_UNKNOWN', 'no complete file at this path', 404, { path: p })
    }
    const totalBytes = covered.reduce((n, e) => n + e.sizeBytes, 0)
    if (totalBytes > claims.maxBytes) throw fail('FERRY_NODE_TOKEN_BYTES', `the files hold ${totalBytes} bytes, the token allows ${claims.maxBytes}`, 413)
    const files: DriverFile[] = []
    for (const e of covered) files.push({ relativePath: e.path, absolutePath: await this.c.store.completeFilePath(claims.pkg, e.path), sizeBytes: e.sizeBytes })
    const manifest = covered.map(e => ({ path: e.path, sizeBytes: e.sizeBytes, sha256: e.sha256 as string }))
    return {
      transferId: randomBytes(16).toString('hex'), claims, open, manifest, completePaths: [], receiverResuming: false,
      run: async (s) => await this.c.endpoint.send({
        connectionId: s.connectionId, secret: s.secret, role: 'responder', files, rate: open.rate ?? DEFAULT_RATE, signal: s.signal, onProgress: s.onProgress
      }, s.onHandle),
      finish: async () => manifest,
      diskFull: async () => false,
      salvage: async () => {},
      cleanup: async () => {}
    }
  }

  private async run (plan: Plan, channel: MessageChannel, remotePeer: string): Promise<void> {
    const { claims } = plan
    const startedAtMs = this.c.nowMs()
    const connectionId = randomBytes(8).toString('hex')
    const secret = randomBytes(32)
    const abort = new AbortController()
    let handle: RateHandle | undefined
    let rate = plan.open.rate ?? DEFAULT_RATE
    const bytesTotal = plan.manifest.filter(e => !plan.completePaths.includes(e.path)).reduce((n, e) => n + e.sizeBytes, 0)
    this.c.registry.add({
      id: plan.transferId, direction: plan.open.benchBytes === undefined ? plan.open.direction : 'bench', pkg: claims.pkg, peer: remotePeer, rate, bytesDone: 0, bytesTotal, rateBitsPerSec: 0, etaSeconds: 0, startedAtMs
    }, {
      setRate: (settings) => { rate = settings; handle?.setRate(settings) },
      cancel: () => { abort.abort() }
    })
    let outcome: 'complete' | 'error' | 'cancelled' = 'error'
    let errorCode: string | undefined
    let bytes = 0
    try {
      let lastProgressMs = 0
      const onProgress = (p: DriverProgress): void => {
        this.c.registry.update(plan.transferId, p)
        const now = this.c.nowMs()
        if (now - lastProgressMs < PROGRESS_INTERVAL_MS) return
        lastProgressMs = now
        void channel.write(encodeControlMessage({ type: 'progress', bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, rateBitsPerSec: p.rateBitsPerSec, etaSeconds: Number.isFinite(p.etaSeconds) ? p.etaSeconds : -1 })).catch(() => {})
      }
      // The UDP session is registered before the client hears `accept`, so the client's first datagram finds it.
      const session = plan.run({ connectionId, secret, signal: abort.signal, onProgress, onHandle: h => { handle = h; h.setRate(rate) } })
      session.catch(() => {})
      await channel.write(encodeControlMessage({
        type: 'accept', transferId: plan.transferId, connectionId, secret: secret.toString('base64'),
        udpHost: this.init.udpHost, udpPort: this.init.udpPort, manifest: plan.manifest,
        resume: { completePaths: plan.completePaths, ...(plan.receiverResuming ? { receiverResuming: true } : {}) }
      }))
      // While the session runs, the client may change the rate or cancel; a closed stream cancels too (the transfer stays resumable).
      void this.listen(channel, abort, settings => { rate = settings; this.c.registry.update(plan.transferId, { rate: settings }); handle?.setRate(settings) })
      const result = await session
      bytes = result.bytes
      const files = await plan.finish(result)
      const receipt = await this.c.signReceipt({
        sub: claims.sub, pkg: claims.pkg, dir: plan.open.direction, jti: claims.jti,
        files: files.map(f => ({ path: f.path, sizeBytes: f.sizeBytes, sha256: f.sha256 as string })), iat: Math.floor(this.c.nowMs() / 1000)
      })
      await channel.write(encodeControlMessage({ type: 'complete', receipt, files }))
      outcome = 'complete'
      await plan.cleanup()
      if (remotePeer !== 'client') this.c.peerTable.transferred(remotePeer, result.bytes, result.seconds)
    } catch (err) {
      let e = toFerryError(abort.signal.aborted ? Object.assign(new Error('cancelled'), { name: 'AbortError' }) : err)
      // A write that fails on a full disk can surface from the driver as an integrity or journal error; the cause is the disk.
      if (e.code !== 'FERRY_NODE_DISK_FULL' && e.code !== 'FERRY_NODE_TRANSFER_CANCELLED' && await plan.diskFull()) {
        e = diskFullError(e)
      }
      outcome = e.code === 'FERRY_NODE_TRANSFER_CANCELLED' ? 'cancelled' : 'error'
      errorCode = e.code
      if (e.code === 'FERRY_NODE_DISK_FULL') await plan.salvage().catch(() => {})
      throw e
    } finally {
      abort.abort()
      this.c.registry.remove(plan.transferId)
      await this.c.history.add({
        id: plan.transferId, direction: plan.open.benchBytes === undefined ? plan.open.direction : 'bench', pkg: claims.pkg, peer: remotePeer, jti: claims.jti, bytes,
        seconds: (this.c.nowMs() - startedAtMs) / 1000, files: plan.manifest.length, outcome, errorCode, endedAtMs: this.c.nowMs()
      }).catch(() => {})
      if (outcome === 'complete') await channel.close()
    }
  }

  private async listen (channel: MessageChannel, abort: AbortController, onRate: (s: RateSettings) => void): Promise<void> {
    try {
      while (!abort.signal.aborted) {
        const bytes = await channel.read({ signal: abort.signal })
        if (bytes === null) { abort.abort(); return }
        const m = decodeControlMessage(bytes)
        if (m.type === 'rate') onRate({ policy: m.policy, targetBitsPerSec: m.targetBitsPerSec, minBitsPerSec: m.minBitsPerSec })
        else if (m.type === 'cancel') { abort.abort(); return }
      }
    } catch {
      if (!abort.signal.aborted) abort.abort()
    }
  }
}
