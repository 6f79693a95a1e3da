// uftp (Debian) in unicast mode at a fixed rate equal to the link rate: a UDP file-transfer baseline with NAK-based repair.
import { NamespaceProcess } from '../namespace-process.js'
import { addressB } from '../wan-lab.js'
import { missingCommands } from './command-available.js'
import { outcomeWithin } from './process-race.js'
import type { ToolMeasurement, ToolRun, WanTool } from './wan-tool.js'
import { setTimeout as sleep } from 'node:timers/promises'

/** Socket buffers for both ends, in bytes (uftp accepts 64 KB–100 MB). */
const bufferBytes = 16 * 1024 * 1024

export class UftpTool implements WanTool {
  readonly name = 'uftp'

  unavailableReason (): string | undefined { return missingCommands('uftp', 'uftpd') }

  async run (r: ToolRun): Promise<ToolMeasurement> {
    const server = new NamespaceProcess(r.lab.namespaceB, ['uftpd', '-d', '-D', r.receiveDir, '-B', String(bufferBytes), '-x', '1'])
    try {
      await sleep(300) // uftpd binds its UDP port at once; give it the moment
      // uftpd's id is its address in hex; naming it makes a closed group, so uftp starts as soon as it registers (an open group announces for seconds)
      const clientId = '0x' + addressB.split('.').map(n => Number(n).toString(16).padStart(2, '0')).join('').toUpperCase()
      const client = new NamespaceProcess(r.lab.namespaceA, ['uftp', '-M', addressB, '-H', clientId, '-Y', 'none', '-C', 'none',
        '-R', String(Math.round(r.profile.capacityMbps * 1000)), '-B', String(bufferBytes),
        // block size 100 bytes under the 1500-byte MTU, as uftp's manual advises
        '-b', '1400', '-x', '2', r.sourcePath])
      const { outcome, timedOut } = await outcomeWithin(client, r.timeoutMs)
      const serverOutcome = await server.stop()
      if (!timedOut && outcome.code !== 0) throw new Error(`uftp failed (${outcome.code}): ${outcome.stderr.slice(-2000)}`)
      // uftp's own "Total elapsed time": the file's first block to the receiver's COMPLETE, NAK rounds included (registration and
      // the group's closing handshake are not counted; the wall clock has them)
      const elapsed = /Total elapsed time: ([\d.]+) seconds/.exec(outcome.stdout + outcome.stderr)
      return {
        seconds: elapsed === null ? outcome.wallSeconds : Number(elapsed[1]),
        wallSeconds: outcome.wallSeconds,
        cpuSeconds: outcome.cpuSeconds + serverOutcome.cpuSeconds,
        completed: !timedOut,
        ...(timedOut ? { notes: `stopped after ${r.timeoutMs / 1000} s` } : {})
      }
    } finally {
      if (!server.exited) await server.stop()
    }
  }
}
