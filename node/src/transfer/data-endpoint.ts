// The slice of the UDP driver (protocol/src/driver) the node uses, so the node's control logic states exactly what it relies on.
import type { RateSettings } from '@ferry/protocol/congestion/rate-controller'

export interface DriverFile {
  relativePath: string
  sizeBytes: number
  /** Where the bytes are read from (package files: an id-built path). */
  absolutePath?: string
  /** In-memory contents instead of a file (memory-to-memory benchmarks). */
  bytes?: Uint8Array
}

export interface DriverProgress {
  bytesDone: number
  bytesTotal: number
  rateBitsPerSec: number
  etaSeconds: number
  filesDone: number
  filesTotal: number
}

export interface DriverResult {
  files: Array<{ relativePath: string, sizeBytes: number, sha256: string }>
  bytes: number
  seconds: number
}

interface SessionOptions {
  connectionId: string
  secret: Uint8Array
  role: 'initiator' | 'responder'
  remote?: { host: string, port: number }
  signal?: AbortSignal
  onProgress?: (p: DriverProgress) => void
}

export interface SendOptions extends SessionOptions {
  files: DriverFile[]
  rate: RateSettings
  /** The receiving node resumes from its journal (its `accept` said so): no first flight of bytes it may hold. */
  receiverResuming?: boolean
}

export interface ReceiveOptions extends SessionOptions {
  /** Where files land (required unless `memory` is set). */
  destinationDir?: string
  journalPath?: string
  maxBytes?: number
  /** Count bytes without writing them (memory-to-memory benchmarks). */
  memory?: 'discard'
}

/** A running session's handle for rate changes while it runs. */
export interface RateHandle {
  setRate (settings: RateSettings): void
}

/** One UDP socket carrying many sessions. */
export interface DataEndpoint {
  readonly port: number
  send (options: SendOptions, onHandle?: (h: RateHandle) => void): Promise<DriverResult>
  receive (options: ReceiveOptions, onHandle?: (h: RateHandle) => void): Promise<DriverResult>
  close (): Promise<void>
}
