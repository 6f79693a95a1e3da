// Kernel TCP at its best: iperf3 with a chosen congestion control (cubic or bbr) sending a fixed byte count memory to memory (no file, so no checksum).
import { NamespaceProcess } from '../namespace-process.js'
import { addressB } from '../wan-lab.js'
import { waitForPort } from '../wait-for-port.js'
import { missingCommands } from './command-available.js'
import { outcomeWithin } from './process-race.js'
import type { ToolMeasurement, ToolRun, WanTool } from './wan-tool.js'

const port = 5201

interface IperfServerReport { end?: { sum_received?: { seconds: number, bytes: number } }, error?: string }

export class Iperf3Tool implements WanTool {
  readonly name: string
  readonly #congestionControl: string

  constructor (congestionControl: 'cubic' | 'bbr') {
    this.#congestionControl = congestionControl
    this.name = `iperf3-${congestionControl}`
  }

  unavailableReason (): string | undefined { return missingCommands('iperf3') }

  async run (r: ToolRun): Promise<ToolMeasurement> {
    // iperf3 -F does not drain the socket into the file at the end, so no file is written: the bytes are the receiver's count
    const server = new NamespaceProcess(r.lab.namespaceB, ['iperf3', '-s', '-1', '-B', addressB, '-p', String(port), '-J'])
    try {
      await waitForPort(r.lab.namespaceB, 'tcp', port)
      const client = new NamespaceProcess(r.lab.namespaceA, ['iperf3', '-c', addressB, '-p', String(port), '-C', this.#congestionControl,
        '-n', String(r.sizeBytes), '-J'])
      // on SIGTERM the client tells the server, which still reports what it received
      const { outcome, timedOut } = await outcomeWithin(client, r.timeoutMs)
      const serverOutcome = await server.outcome
      const report = JSON.parse(serverOutcome.stdout) as IperfServerReport
      const received = report.end?.sum_received
      if (received === undefined) throw new Error(`iperf3 failed: ${report.error ?? serverOutcome.stderr}`)
      return {
        // the receiver's own count and clock, until the sender has handed its last byte to the socket (iperf3 -n ends there):
        // a steady-state rate, set-up and the final drain not counted
        seconds: received.seconds,
        wallSeconds: outcome.wallSeconds,
        cpuSeconds: outcome.cpuSeconds + serverOutcome.cpuSeconds,
        completed: !timedOut && outcome.code === 0,
        bytesReceived: received.bytes,
        fileless: true,
        ...(timedOut ? { notes: `stopped after ${r.timeoutMs / 1000} s` } : {})
      }
    } finally {
      if (!server.exited) await server.stop()
    }
  }
}
