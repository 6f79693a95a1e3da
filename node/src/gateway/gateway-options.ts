// What the gateway plugin is given: collaborators (storage, token check, receipt signer, clock) and tunables.
import type { TransferDirection, TransferTokenClaims } from '@ferry/protocol/token/transfer-token'
import type { TransferReceiptClaims } from '@ferry/protocol/token/transfer-receipt'
import type { GatewayStore, PackageEntry } from './gateway-store.js'
import type { RemotePackageSource } from './remote-package-source.js'

export interface GatewayOptions {
  store: GatewayStore
  /**
   * Verifies a transfer token for this node (signature, audience, expiry) and its scope; throws a coded FerryError.
   * The node wraps verifyTransferToken with its portal keys, its peer id and its clock.
   */
  verifyToken: (token: string, expect: { pkg?: string, dir: TransferDirection }) => Promise<TransferTokenClaims>
  /** Signs a receipt with the node's Ed25519 key; the node fills `iss` with its peer id (signTransferReceipt). */
  signReceipt: (claims: Omit<TransferReceiptClaims, 'iss'>) => Promise<string>
  /** Where to read packages this node lacks or holds only in part (the mesh); without it such downloads get 404/409. */
  remote?: RemotePackageSource
  /** Wall clock in ms since the epoch; injected so tests control expiry. Default Date.now. */
  now?: () => number
  /** Tus-Max-Size: the largest single file accepted, in bytes. Default 1 TiB. */
  maxUploadBytes?: number
  /** How long an idle partial upload is kept (tus expiration), in ms. Default 24 h. */
  uploadTtlMs?: number
  /**
   * How long a HEAD/PATCH/DELETE waits for an older PATCH of the same upload to drain before cutting it off, in ms.
   * Long enough to keep bytes already on their way, short enough that a resuming client does not notice. Default 2 s.
   */
  supersedeAfterMs?: number
  /** Source of upload ids (hex, ≥ 128 bits). Default crypto.randomBytes(16). */
  randomId?: () => string
  /** Called after a download served the last byte of a file or zip, with a signed download receipt for the portal. */
  onDownloaded?: (event: { claims: TransferTokenClaims, files: PackageEntry[], receipt: string }) => void
}

export const DEFAULT_MAX_UPLOAD_BYTES = 2 ** 40
export const DEFAULT_UPLOAD_TTL_MS = 24 * 60 * 60 * 1000
export const DEFAULT_SUPERSEDE_AFTER_MS = 2000
