// Hashes large files incrementally in a worker thread: a sender's SHA-256 (about 1 µs of CPU per datagram) leaves the main thread, which builds, seals and sends the datagrams.
import { Worker } from 'node:worker_threads'

/**
 * The worker, as CommonJS source (no file to find next to the built or the TypeScript module): one incremental hash per
 * stream, fed buffers in the order they were posted; each buffer is handed back (transferred, not copied), the digest
 * when a stream ends.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const hashes = new Map()
parentPort.on('message', ({ seq, stream, buffer, end }) => {
  let hash = hashes.get(stream)
  if (hash === undefined) { hash = createHash('sha256'); hashes.set(stream, hash) }
  if (!end) { hash.update(new Uint8Array(buffer)); parentPort.postMessage({ seq, buffer }, [buffer]); return }
  hashes.delete(stream)
  parentPort.postMessage({ seq, digest: hash.digest() })
})
`

/**
 * Incremental SHA-256 digests computed in one worker thread. Bytes to hash are moved to the thread and back, never
 * copied: shared memory would do without the trip, but V8 copies into and out of it with relaxed atomic accesses
 * (building datagrams from shared blocks, or copying blocks into shared memory, cost the sender's main thread more than
 * hashing them there).
 */
export class Sha256Thread {
  private worker: Worker | undefined
  private nextStream = 0
  private nextSeq = 0
  /** Messages posted and not answered yet, by sequence number: a buffer back, or a digest. */
  private readonly waiting = new Map<number, { resolve: (answer: Buffer) => void, reject: (err: Error) => void }>()
  private failure: Error | undefined
  /** Whether the thread has started and runs what it is sent. */
  private started = false

  /** Whether the thread is up: until then `update` sends a copy and hands the caller's bytes straight back. */
  get online (): boolean { return this.started }

  /** Starts a digest; its bytes go to `update` in order, then `end`. */
  begin (): number { return this.nextStream++ }

  /**
   * Feeds `bytes` to digest `stream` and resolves with them once hashed. `bytes` must be a whole ArrayBuffer (as
   * Buffer.allocUnsafe gives from 4 KiB up): it moves to the thread, and `bytes` is empty until then. Smaller views
   * are copied first (moving them would take the pool they share with other buffers). `early`: until the thread is up,
   * send it a copy and hand `bytes` back at once (a sender's first blocks need not wait for the thread to start).
   */
  async update (stream: number, bytes: Buffer, early = true): Promise<Buffer> {
    if (!this.started && early) {
      // Until the thread is up (50-150 ms here), it gets a copy and the caller keeps its bytes: the first blocks of a
      // transfer go out at once instead of waiting for the thread to start. A failure still reaches `end`.
      const copy = new Uint8Array(bytes).buffer
      this.post({ stream, buffer: copy, end: false }, [copy]).catch(() => {})
      return bytes
    }
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    const buffer = whole ? bytes.buffer as ArrayBuffer : new Uint8Array(bytes).buffer
    return await this.post({ stream, buffer, end: false }, [buffer])
  }

  /** The digest of everything `update` fed to `stream`. */
  async end (stream: number): Promise<Buffer> {
    return await this.post({ stream, buffer: null, end: true }, [])
  }

  private post (message: { stream: number, buffer: ArrayBuffer | null, end: boolean }, transfer: ArrayBuffer[]): Promise<Buffer> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    const seq = this.nextSeq++
    const answered = new Promise<Buffer>((resolve, reject) => this.waiting.set(seq, { resolve, reject }))
    const worker = this.workerOrNew()
    worker.postMessage({ seq, ...message }, transfer)
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
    worker.on('message', ({ seq, buffer, digest }: { seq: number, buffer?: ArrayBuffer, digest?: Uint8Array }) => {
      const w = this.waiting.get(seq)
      this.waiting.delete(seq)
      if (this.waiting.size === 0) worker.unref()
      w?.resolve(digest === undefined ? Buffer.from(buffer!) : Buffer.from(digest.buffer, digest.byteOffset, digest.length))
    })
    worker.once('online', () => { this.started = true })
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
