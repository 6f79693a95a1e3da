// What the send and download commands hand a transport (UDP or the HTTP gateway), and what they get back.
import type { RateSettings } from '@ferry/protocol/congestion/rate-controller'
import type { ProgressReporter } from '../progress/progress-reporter.js'
import type { LocalFile } from './local-file-set.js'

/** A node as the portal describes it: where its control plane, UDP socket and HTTP gateway are. */
export interface NodeEndpoint {
  /** libp2p peer id. */
  id: string
  name: string
  multiaddrs: string[]
  udpHost: string
  udpPort: number
  /** Base URL of the ops API and gateway, e.g. http://127.0.0.1:8443. */
  httpUrl: string
}

export interface UploadJob {
  pkg: string
  token: string
  node: NodeEndpoint
  files: LocalFile[]
  emptyFolders: string[]
  rate: RateSettings
  reporter: ProgressReporter
  /** Folder for resume state (upload URLs of the gateway, journals). */
  stateDir: string
  signal: AbortSignal
}

export interface DownloadJob {
  pkg: string
  token: string
  node: NodeEndpoint
  /** What the portal says the package holds; the gateway path needs it, the UDP path gets it from the node. */
  files: Array<{ path: string, sizeBytes: number, sha256?: string }>
  destinationDir: string
  /** Only these package paths (the rest are already here and verified); undefined: everything. */
  paths?: string[]
  rate: RateSettings
  reporter: ProgressReporter
  stateDir: string
  signal: AbortSignal
}

export interface TransferOutcome {
  /** The node's signed receipt, to hand to the portal; absent where the path gives none (gateway downloads). */
  receipt?: string
  files: Array<{ path: string, sizeBytes: number, sha256: string }>
  bytes: number
  seconds: number
  via: 'udp' | 'gateway'
}
