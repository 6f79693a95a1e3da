// What the agent knows of one transfer a portal page handed it: the spec, the person's answer, and live progress.
import type { RateSettings } from '@ferry/protocol/congestion/rate-controller'
import type { NodeEndpoint } from '../transfer/transfer-types.js'

/** A transfer spec as the web UI sends it: the portal's grant (node + token) plus what to move. */
export interface AgentTransferSpec {
  direction: 'download' | 'upload'
  packageId: string
  title?: string
  token: string
  node: NodeEndpoint
  /** Downloads: the package's files as the portal lists them. */
  files?: Array<{ path: string, sizeBytes: number, sha256?: string }>
  /** Uploads: local files or folders the person named; read only after they approve. */
  localPaths?: string[]
  rate?: Partial<RateSettings>
}

export type AgentTransferState = 'awaiting-approval' | 'denied' | 'running' | 'complete' | 'failed'

export interface AgentTransferRecord {
  id: string
  /** Short code the person types to approve (`ferry agent approve CODE`). */
  approvalCode: string
  spec: AgentTransferSpec
  state: AgentTransferState
  /** Downloads: the folder the files go into (decided by the agent, never by the page). */
  destination?: string
  bytesDone: number
  bytesTotal: number
  rateBitsPerSec: number
  etaSeconds: number | null
  filesDone: number
  filesTotal: number
  currentFile?: string
  via?: 'udp' | 'gateway'
  /** The node's signed receipt, for the page to hand to the portal. */
  receipt?: string
  error?: { code: string, message: string }
}

/** The view a paired page gets: everything but the token. */
export function publicView (record: AgentTransferRecord): Omit<AgentTransferRecord, 'spec'> & { direction: string, packageId: string, title?: string } {
  const { spec, ...rest } = record
  return { ...rest, direction: spec.direction, packageId: spec.packageId, ...(spec.title === undefined ? {} : { title: spec.title }) }
}
