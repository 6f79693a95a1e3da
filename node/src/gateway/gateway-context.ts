// The resolved state the gateway's route groups share: collaborators with defaults filled, byte budgets, running digests.
import { randomBytes } from 'node:crypto'
import type { GatewayOptions } from './gateway-options.js'
import { DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_SUPERSEDE_AFTER_MS, DEFAULT_UPLOAD_TTL_MS } from './gateway-options.js'
import type { RunningDigest } from './running-digest.js'
import { TransferByteBudget } from './transfer-byte-budget.js'
import { UploadLock } from './upload-lock.js'
import { FinishedUploads } from './finished-uploads.js'
import { DownloadLedger } from './download-ledger.js'

export interface GatewayContext extends Required<Omit<GatewayOptions, 'onDownloaded' | 'supersedeAfterMs' | 'remote'>> {
  onDownloaded: GatewayOptions['onDownloaded']
  remote: GatewayOptions['remote']
  budget: TransferByteBudget
  /** Running SHA-256/CRC-32 per upload id, valid up to its offsetBytes; rebuilt from the partial file when missing. */
  digests: Map<string, RunningDigest>
  /** One writer per partial file. */
  locks: UploadLock
  /** Uploads finished recently, for clients that missed the final response. */
  finished: FinishedUploads
  /** Files served to the last byte, per download token. */
  downloads: DownloadLedger
}

export function gatewayContext (options: GatewayOptions): GatewayContext {
  return Object.freeze({
    store: options.store,
    verifyToken: options.verifyToken,
    signReceipt: options.signReceipt,
    now: options.now ?? Date.now,
    maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
    uploadTtlMs: options.uploadTtlMs ?? DEFAULT_UPLOAD_TTL_MS,
    randomId: options.randomId ?? (() => randomBytes(16).toString('hex')),
    onDownloaded: options.onDownloaded,
    remote: options.remote,
    budget: new TransferByteBudget(),
    digests: new Map<string, RunningDigest>(),
    finished: new FinishedUploads(),
    downloads: new DownloadLedger(),
    locks: new UploadLock(options.supersedeAfterMs ?? DEFAULT_SUPERSEDE_AFTER_MS)
  })
}
