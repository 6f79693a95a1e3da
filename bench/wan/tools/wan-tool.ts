// What every tool in the WAN lab implements: move one file from namespace A to namespace B over the emulated link and say what it measured.
import type { LinkProfile } from '../link-profile.js'
import type { WanLab } from '../wan-lab.js'

export interface ToolRun {
  lab: WanLab
  profile: LinkProfile
  /** The file to move, in namespace A's view (the namespaces share the filesystem). */
  sourcePath: string
  sizeBytes: number
  /** An empty directory the receiving side writes into; the tool leaves the received file at `join(receiveDir, basename(sourcePath))`. */
  receiveDir: string
  /** A scratch directory for keys, configs and logs. */
  scratchDir: string
  /** The transfer is stopped after this long and reported incomplete with what had arrived. */
  timeoutMs: number
}

export interface ToolMeasurement {
  /** Transfer time as the tool measures it (see each tool), the goodput's denominator. */
  seconds: number
  /** Wall clock of the whole client process, start-up and handshakes included. */
  wallSeconds: number
  /** User + system CPU of the processes on both sides (the emulator excluded). */
  cpuSeconds: number
  completed: boolean
  /** Bytes the receiver counted, for tools that write no file (iperf3); otherwise the lab measures the received file. */
  bytesReceived?: number
  /** Memory to memory: there is no file to checksum. */
  fileless?: boolean
  notes?: string
}

export interface WanTool {
  readonly name: string
  /** Why this tool cannot run here (a missing binary, no driver yet), or undefined. */
  unavailableReason (): string | undefined
  run (run: ToolRun): Promise<ToolMeasurement>
}
