// An HTTP download with curl from a plain HTTP server (python3 http.server) in namespace B: what a browser-style fetch gets from kernel TCP.
import { copyFileSync, mkdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import { NamespaceProcess } from '../namespace-process.js'
import { addressA } from '../wan-lab.js'
import { waitForPort } from '../wait-for-port.js'
import { missingCommands } from './command-available.js'
import { outcomeWithin } from './process-race.js'
import type { ToolMeasurement, ToolRun, WanTool } from './wan-tool.js'

const port = 8077

export class CurlHttpTool implements WanTool {
  readonly name = 'curl-http'

  unavailableReason (): string | undefined { return missingCommands('curl', '/usr/bin/python3') }

  async run (r: ToolRun): Promise<ToolMeasurement> {
    // Every tool moves bytes A → B; a download flows server → client, so the server runs in A and curl in B.
    const served = join(r.scratchDir, 'www')
    mkdirSync(served, { recursive: true })
    copyFileSync(r.sourcePath, join(served, basename(r.sourcePath)))
    const server = new NamespaceProcess(r.lab.namespaceA, ['/usr/bin/python3', '-m', 'http.server', String(port), '--bind', addressA, '--directory', served])
    try {
      await waitForPort(r.lab.namespaceA, 'tcp', port)
      const destination = join(r.receiveDir, basename(r.sourcePath))
      const client = new NamespaceProcess(r.lab.namespaceB, ['curl', '-sS', '-o', destination, '-w', '%{time_total} %{size_download}',
        `http://${addressA}:${port}/${basename(r.sourcePath)}`])
      const { outcome, timedOut } = await outcomeWithin(client, r.timeoutMs)
      const serverOutcome = await server.stop()
      const seconds = timedOut ? outcome.wallSeconds : Number(outcome.stdout.trim().split(' ')[0])
      return {
        // curl's time_total: TCP connect, request and the whole body
        seconds,
        wallSeconds: outcome.wallSeconds,
        cpuSeconds: outcome.cpuSeconds + serverOutcome.cpuSeconds,
        completed: !timedOut && outcome.code === 0,
        ...(timedOut ? { notes: `stopped after ${r.timeoutMs / 1000} s` } : {})
      }
    } finally {
      if (!server.exited) await server.stop()
    }
  }
}
