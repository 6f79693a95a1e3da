// The shapes the UDP driver's callers use: transfer options, progress and result (see driver/index.ts for the API).
import type { RateController, RateSettings } from '../congestion/rate-controller.js'
import type { RateControlSnapshot } from '../congestion/delay-based-rate-controller.js'
import type { CipherSuiteName, EndpointRole } from '../crypto/packet-protection.js'
import type { BlockSource } from '../session/block-io.js'

export interface RemoteAddress { host: string, port: number }

export interface TransferProgress {
  bytesDone: number
  bytesTotal: number
  rateBitsPerSec: number
  etaSeconds: number
  currentFile?: string
  filesDone: number
  filesTotal: number
  /** Sending with the adaptive controller: its state (phase, pacing rate, queueing delay, random-loss floor). */
  rateControl?: RateControlSnapshot
}

export interface TransferResult {
  files: Array<{ relativePath: string, sizeBytes: number, sha256: string }>
  /** Payload bytes of the files (folders count 0). */
  bytes: number
  seconds: number
  /** Datagrams the session dropped, by reason (SPEC.md §8). */
  dropped: Record<string, number>
  /** Payload bytes put on the wire, first sends and resends (sender only). */
  payloadBytesSent?: number
  /** Payload bytes sent again (sender only). */
  retransmittedBytes?: number
}

interface CommonOptions {
  /** 16 hex characters agreed on the control plane. */
  connectionId: string
  /** 32 random bytes agreed on the control plane. */
  secret: Uint8Array
  /** The initiator knows the peer's address (`remote`) and speaks first; the responder learns it from the first authentic datagram. */
  role: EndpointRole
  remote?: RemoteAddress
  cipherSuites?: CipherSuiteName[]
  idleTimeoutMs?: number
  signal?: AbortSignal
  onProgress?: (p: TransferProgress) => void
  /** Progress callback period (ms). */
  progressIntervalMs?: number
}

export interface SendFile {
  /** Path in the manifest, validated by validateRelativePath. */
  relativePath: string
  sizeBytes: number
  /** Where to read it; absent with `bytes`, or for folders. */
  absolutePath?: string
  /** In-memory contents instead of a file (tests, benchmarks). */
  bytes?: Uint8Array
  kind?: 'file' | 'directory'
}

export interface SendOptions extends CommonOptions {
  files: SendFile[]
  rate: RateSettings
  /** Overrides the default DelayBasedRateController (tests, benchmarks). */
  rateController?: RateController
  /** Overrides the file/memory source built from `files` (benchmarks that synthesize data). */
  source?: BlockSource
  /**
   * The receiver resumes from a journal (the control plane said so): an initiating sender sends no first flight, which
   * would mostly repeat bytes the receiver holds (SPEC.md §4.2.1). Default false.
   */
  receiverResuming?: boolean
}

export interface ReceiveOptions extends CommonOptions {
  /** Where files land. Required unless `memory` is set. */
  destinationDir?: string
  /** The fsync'd resume journal; a journal found there resumes the transfer. */
  journalPath?: string
  /** Refuse a manifest larger than this (bytes). */
  maxBytes?: number
  /** Keep files in memory (`keep`) or only count them (`discard`) instead of writing them: benchmarks and tests. */
  memory?: 'keep' | 'discard'
}
