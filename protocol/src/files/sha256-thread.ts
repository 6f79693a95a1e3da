// Hashes large files incrementally in a worker thread: a sender's SHA-256 (about 1 µs of CPU per datagram) leaves the main thread, which builds, seals and sends the datagrams.
import { Worker } from 'node:worker_threads'

/**
 * The worker, as CommonJS source (no file to find next to the built or the TypeScript module): one incremental hash per
 * stream, fed views of shared memory in the order they were posted; each message is answered (the digest when a stream ends).
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const hashes = new Map()
parentPort.on('message', ({ seq, stream, buffer, offset, length, end }) => {
  let hash = hashes.get(stream)
  if (hash === undefined) { hash = createHash('sha256'); hashes.set(stream, hash) }
  if (length > 0) hash.update(new Uint8Array(buffer, offset, length))
  if (!end) { parentPort.postMessage({ seq }); return }
  hashes.delete(stream)
  parentPort.postMessage({ seq, digest: hash.digest() })
})
`

/** A buffer the worker can read without a copy: bytes to hash must live in one of these. */
export function sharedBuffer (length: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(length))
}

/**
 * Incremental SHA-256 digests computed in one worker thread. The caller must not change bytes it handed to `update`
 * until that update resolved (the worker reads them later, from shared memory).
 */
export class Sha256Thread {
  private worker: Worker | undefined
  private nextStream = 0
  private nextSeq = 0
  /** Messages posted and not answered yet, by sequence number. */
  private readonly waiting = new Map<number, { resolve: (digest: Buffer | undefined) => void, reject: (err: Error) => void }>()
  private failure: Error | undefined

  /** Starts a digest; its bytes go to `update` in order, then `end`. */
  begin (): number { return this.nextStream++ }

  /** Feeds `bytes` (a view of a `sharedBuffer`) to digest `stream`; resolves once the thread has hashed them (they may change then). */
  async update (stream: number, bytes: Buffer): Promise<void> {
    if (!(bytes.buffer instanceof SharedArrayBuffer)) throw new TypeError('Sha256Thread hashes shared memory only')
    await this.post({ stream, buffer: bytes.buffer, offset: bytes.byteOffset, length: bytes.length, end: false })
  }

  /** The digest of everything `update` fed to `stream`. */
  async end (stream: number): Promise<Buffer> {
    return (await this.post({ stream, buffer: null, offset: 0, length: 0, end: true }))!
  }

  private post (message: { stream: number, buffer: SharedArrayBuffer | null, offset: number, length: number, end: boolean }): Promise<Buffer | undefined> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    const seq = this.nextSeq++
    const answered = new Promise<Buffer | undefined>((resolve, reject) => this.waiting.set(seq, { resolve, reject }))
    const worker = this.workerOrNew()
    worker.postMessage({ seq, ...message })
    // Only work awaited keeps the process alive (an idle hasher must not).
    if (this.waiting.size === 1) worker.ref()
    return answered
  }

  private workerOrNew (): Worker {
    if (this.worker !== undefined) return this.worker
    // No inherited flags: --input-type=module would make the source a module (no require), a loader would only cost
    // memory. It allocates a few small objects per block: a 1 MB young generation saves ~3 MB of RSS on its default.
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: 1 } })
    worker.unref()
    worker.on('message', ({ seq, digest }: { seq: number, digest?: Uint8Array }) => {
      const w = this.waiting.get(seq)
      this.waiting.delete(seq)
      if (this.waiting.size === 0) worker.unref()
      w?.resolve(digest === undefined ? undefined : Buffer.from(digest.buffer, digest.byteOffset, digest.length))
    })
    worker.on('error', err => this.fail(err))
    worker.on('exit', code => { if (code !== 0) this.fail(new Error(`the SHA-256 thread exited with code ${code}`)) })
    this.worker = worker
    return worker
  }

  private fail (err: Error): void {
    this.failure ??= err
    for (const w of this.waiting.values()) w.reject(this.failure)
    this.waiting.clear()
  }

  /** Stops the thread; work still awaited is rejected. */
  async close (): Promise<void> {
    const worker = this.worker
    this.worker = undefined
    this.fail(new Error('the SHA-256 thread was closed'))
    if (worker !== undefined) await worker.terminate()
  }
}
