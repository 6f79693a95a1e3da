// Uploads a package's files to a node gateway with tus: a few files at a time, per-file and total progress with rate and
// ETA, pause and resume, and resume after a reload (tus-js-client keeps each upload URL in localStorage by fingerprint).
import { Upload, type DetailedError } from 'tus-js-client'
import type { TransferGrant } from '../api/api-types.js'
import { uploadEndpoint } from '../api/gateway-client.js'
import type { PickedFile } from './picked-entry.js'
import type { PendingUploadStore } from './pending-upload-store.js'
import { TransferMeter, type TransferReading } from './transfer-meter.js'

/** Files in flight at once: small files cost a round trip each, so overlap them; more gains little on one link. */
export const DEFAULT_CONCURRENT_FILES = 3
/** Bytes per PATCH: a dropped connection costs at most this much, and proxies with body limits still pass. */
export const DEFAULT_CHUNK_SIZE_BYTES = 16 * 1024 * 1024
/** Back-off between retries of a failed request (ms); tus resumes from the server's offset each time. */
const retryDelaysMs = [0, 1000, 3000, 5000, 10000, 20000]

export type FileUploadStatus = 'waiting' | 'uploading' | 'paused' | 'done' | 'failed'

export interface FileUploadState extends TransferReading {
  path: string
  status: FileUploadStatus
  error?: string
}

export interface UploaderSnapshot {
  files: FileUploadState[]
  total: TransferReading
  paused: boolean
  done: boolean
  error?: string
}

export interface PackageUploaderOptions {
  packageId: string
  files: PickedFile[]
  grant: TransferGrant
  pending: PendingUploadStore
  /** Paths already stored on the node (from an earlier session); they are not sent again. */
  donePaths?: Iterable<string>
  /** Fetches a fresh grant when the node refuses the current one (tokens live ≤ 60 min; big uploads outlive them). */
  renewGrant: () => Promise<TransferGrant>
  now?: () => number
  concurrentFiles?: number
  chunkSizeBytes?: number
}

interface Job {
  picked: PickedFile
  meter: TransferMeter
  status: FileUploadStatus
  error?: string
  upload?: Upload
}

export class PackageUploader extends EventTarget {
  private readonly jobs: Job[]
  private readonly total: TransferMeter
  private grant: TransferGrant
  private renewing: Promise<void> | undefined
  private paused = false
  private failure: string | undefined
  private finished: { resolve: () => void, reject: (err: Error) => void } | undefined
  private readonly now: () => number

  constructor (private readonly options: PackageUploaderOptions) {
    super()
    this.now = options.now ?? (() => performance.now())
    this.grant = options.grant
    const done = new Set(options.donePaths ?? [])
    const nowMs = this.now()
    this.jobs = options.files.map(picked => {
      const meter = new TransferMeter(picked.file.size)
      const isDone = done.has(picked.path)
      meter.update(isDone ? picked.file.size : 0, nowMs)
      return { picked, meter, status: isDone ? 'done' : 'waiting' }
    })
    this.total = new TransferMeter(this.jobs.reduce((sum, j) => sum + j.picked.file.size, 0))
    this.total.update(this.bytesDone(), nowMs)
  }

  /** Runs until every file is stored; resolves then, rejects when a file fails for good. While paused it just waits. */
  run (): Promise<void> {
    return new Promise((resolve, reject) => {
      this.finished = { resolve, reject }
      this.pump()
    })
  }

  pause (): void {
    if (this.paused) return
    this.paused = true
    for (const job of this.jobs) {
      if (job.status === 'uploading') {
        job.status = 'paused'
        void job.upload?.abort(false)
      }
    }
    this.emit()
  }

  resume (): void {
    if (!this.paused) return
    this.paused = false
    this.total.restartWindow()
    for (const job of this.jobs) {
      if (job.status === 'paused') {
        job.status = 'waiting'
        job.meter.restartWindow()
      }
    }
    this.pump()
  }

  /** Stops every request without forgetting anything (the page is going away or the user cancelled). */
  stop (): void {
    this.paused = true
    for (const job of this.jobs) if (job.status === 'uploading') void job.upload?.abort(false)
  }

  snapshot (): UploaderSnapshot {
    const nowMs = this.now()
    return {
      files: this.jobs.map(job => ({
        path: job.picked.path, status: job.status, ...job.meter.read(nowMs), ...(job.error === undefined ? {} : { error: job.error })
      })),
      total: this.total.read(nowMs),
      paused: this.paused,
      done: this.jobs.every(j => j.status === 'done'),
      ...(this.failure === undefined ? {} : { error: this.failure })
    }
  }

  private pump (): void {
    if (this.failure !== undefined) return
    if (this.jobs.every(j => j.status === 'done')) {
      this.emit()
      this.finished?.resolve()
      return
    }
    if (this.paused) return
    const limit = this.options.concurrentFiles ?? DEFAULT_CONCURRENT_FILES
    let active = this.jobs.filter(j => j.status === 'uploading').length
    for (const job of this.jobs) {
      if (active >= limit) break
      if (job.status !== 'waiting') continue
      active++
      void this.startJob(job)
    }
    this.emit()
  }

  private async startJob (job: Job): Promise<void> {
    job.status = 'uploading'
    const { picked } = job
    const upload = new Upload(picked.file, {
      endpoint: uploadEndpoint(this.grant),
      chunkSize: this.options.chunkSizeBytes ?? DEFAULT_CHUNK_SIZE_BYTES,
      retryDelays: retryDelaysMs,
      metadata: { pkg: this.options.packageId, path: picked.path, filename: picked.file.name, filetype: picked.file.type },
      // The package and the path name the upload: two files of one size and date in different folders stay apart.
      fingerprint: async () => `ferry::${this.options.packageId}::${picked.path}::${picked.file.size}::${picked.file.lastModified}`,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onBeforeRequest: async (req) => {
        await this.renewing
        req.setHeader('Authorization', `Bearer ${this.grant.token}`)
      },
      onShouldRetry: (err: DetailedError, _attempt: number) => {
        const status = err.originalResponse?.getStatus() ?? 0
        if (alreadyStored(err)) return false
        if (status === 401 || status === 403) {
          this.renewing ??= this.options.renewGrant().then(grant => { this.grant = grant }).finally(() => { this.renewing = undefined })
          return true
        }
        return status === 0 || status >= 500 || status === 409 || status === 423
      },
      onProgress: (bytesSent) => {
        const nowMs = this.now()
        job.meter.update(bytesSent, nowMs)
        this.total.update(this.bytesDone(), nowMs)
        this.emit()
      },
      onSuccess: () => { this.jobDone(job) },
      onError: (err) => {
        job.upload = undefined
        if (job.status === 'paused') return
        // The page went away after the node stored the file but before we heard so: it is done, not failed.
        if (alreadyStored(err)) {
          this.jobDone(job)
          return
        }
        job.status = 'failed'
        job.error = err.message
        this.failure = `${picked.path}: ${err.message}`
        this.emit()
        this.finished?.reject(new Error(this.failure))
      }
    })
    job.upload = upload
    try {
      const previous = await upload.findPreviousUploads()
      if (previous.length > 0) upload.resumeFromPreviousUpload(previous[0])
    } catch {
      // No storage or a corrupt entry: start afresh; the node keeps nothing half-finished under the final name.
    }
    if (job.status !== 'uploading') return // paused while looking for a previous upload
    upload.start()
  }

  private jobDone (job: Job): void {
    job.status = 'done'
    job.upload = undefined
    job.meter.update(job.picked.file.size, this.now())
    this.total.update(this.bytesDone(), this.now())
    this.options.pending.markDone(this.options.packageId, job.picked.path)
    this.pump()
  }

  private bytesDone (): number {
    const nowMs = this.now()
    return this.jobs.reduce((sum, j) => sum + j.meter.read(nowMs).bytesDone, 0)
  }

  private emit (): void {
    this.dispatchEvent(new Event('progress'))
  }
}

/** The gateway's answer when a complete, verified file already sits at this path (FERRY_NODE_FILE_EXISTS, 409). */
function alreadyStored (err: Error): boolean {
  const response = (err as Partial<DetailedError>).originalResponse
  if (response == null || response.getStatus() !== 409) return false
  try {
    return (JSON.parse(response.getBody()) as { code?: string }).code === 'FERRY_NODE_FILE_EXISTS'
  } catch {
    return false
  }
}
