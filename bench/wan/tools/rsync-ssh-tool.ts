// rsync over ssh to a throwaway sshd in namespace B: the everyday way to copy a file between sites (--partial, so a stopped run still shows what arrived).
import { NamespaceProcess } from '../namespace-process.js'
import { missingCommands } from './command-available.js'
import { outcomeWithin } from './process-race.js'
import { SshServer } from './ssh-server.js'
import type { ToolMeasurement, ToolRun, WanTool } from './wan-tool.js'

export class RsyncSshTool implements WanTool {
  readonly name = 'rsync-ssh'

  unavailableReason (): string | undefined { return missingCommands('rsync', 'ssh', 'ssh-keygen', '/usr/sbin/sshd') }

  async run (r: ToolRun): Promise<ToolMeasurement> {
    const server = await SshServer.start(r.lab, r.scratchDir)
    try {
      const client = new NamespaceProcess(r.lab.namespaceA, ['rsync', '-a', '--whole-file', '--partial', '-e', server.sshCommand.join(' '),
        r.sourcePath, `${server.target}:${r.receiveDir}/`])
      const { outcome, timedOut } = await outcomeWithin(client, r.timeoutMs)
      const serverOutcome = await server.stop()
      if (!timedOut && outcome.code !== 0) throw new Error(`rsync failed: ${outcome.stderr}`)
      return {
        // rsync reports no transfer time of its own: the client's wall clock, ssh handshake included
        seconds: outcome.wallSeconds,
        wallSeconds: outcome.wallSeconds,
        cpuSeconds: outcome.cpuSeconds + serverOutcome.cpuSeconds,
        completed: !timedOut,
        ...(timedOut ? { notes: `stopped after ${r.timeoutMs / 1000} s` } : {})
      }
    } finally {
      await server.stop()
    }
  }
}
