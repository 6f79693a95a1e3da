// Reads whole small files in one worker thread, many per message: through the thread pool a 16 KiB file costs an open, a read and a close, three round trips each dispatched and completed on the main thread (10,000 files: seconds of a sender's main thread, most of it while the pacer should be sending).
import { Worker } from 'node:worker_threads'

/**
 * The worker, as CommonJS source (no file to find next to the built or the TypeScript module): each message is a batch
 * of reads, answered by one message with each file's bytes (transferred, not copied) or its error.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { openSync, readSync, closeSync } = require('node:fs')
parentPort.on('message', batch => {
  const replies = []
  const transfer = []
  for (const { id, path, length } of batch) {
    let fd
    try {
      fd = openSync(path, 'r')
      const bytes = new Uint8Array(length)
      let got = 0
      while (got < length) {
        const n = readSync(fd, bytes, got, length - got, got)
        if (n === 0) break
        got += n
      }
      replies.push({ id, bytes, got })
      transfer.push(bytes.buffer)
    } catch (err) {
      replies.push({ id, error: String(err && err.message), code: err && err.code })
    } finally {
      if (fd !== undefined) try { closeSync(fd) } catch (_) {}
    }
  }
  parentPort.postMessage(replies, transfer)
})
`

interface Reply { id: number, bytes?: Uint8Array, got?: number, error?: string, code?: string }

/** Whole-file reads in a worker thread; reads asked for in the same turn go as one message. Call `close` when done. */
export class SmallFileReader {
  private worker: Worker | undefined
  private nextId = 0
  private batch: Array<{ id: number, path: string, length: number }> = []
  private readonly waiting = new Map<number, { path: string, length: number, resolve: (bytes: Buffer) => void, reject: (err: Error) => void }>()
  private failure: Error | undefined

  /** The first `length` bytes of the file at `path`; rejects when it cannot be read or is shorter. */
  read (path: string, length: number): Promise<Buffer> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    const id = this.nextId++
    const answered = new Promise<Buffer>((resolve, reject) => this.waiting.set(id, { path, length, resolve, reject }))
    this.batch.push({ id, path, length })
    if (this.batch.length === 1) queueMicrotask(() => this.post())
    return answered
  }

  private post (): void {
    const batch = this.batch
    this.batch = []
    if (batch.length === 0) return
    const worker = this.workerOrNew()
    worker.postMessage(batch)
    worker.ref() // reads awaited keep the process alive; an idle reader must not
  }

  private workerOrNew (): Worker {
    if (this.worker !== undefined) return this.worker
    const worker = new Worker(WORKER_SOURCE, { eval: true })
    worker.on('message', (replies: Reply[]) => {
      for (const r of replies) {
        const w = this.waiting.get(r.id)
        if (w === undefined) continue
        this.waiting.delete(r.id)
        if (r.error !== undefined) w.reject(Object.assign(new Error(r.error), { code: r.code }))
        else if (r.got! < w.length) w.reject(new Error(`${w.path} is shorter than announced (it changed while being sent)`))
        else w.resolve(Buffer.from(r.bytes!.buffer, r.bytes!.byteOffset, r.bytes!.length))
      }
      if (this.waiting.size === 0) worker.unref()
    })
    worker.on('error', err => this.failAll(err))
    worker.on('exit', () => { if (this.worker === worker) { this.worker = undefined; this.failAll(new Error('the file reader thread exited')) } })
    worker.unref()
    this.worker = worker
    return worker
  }

  private failAll (err: Error): void {
    this.failure ??= err
    for (const w of this.waiting.values()) w.reject(err)
    this.waiting.clear()
  }

  /** Stops the thread. Reads still waiting never settle (their owner is closing); later reads are refused. */
  async close (): Promise<void> {
    const worker = this.worker
    this.failure ??= new Error('the file reader is closed')
    this.worker = undefined
    this.waiting.clear()
    if (worker !== undefined) await worker.terminate()
  }
}
