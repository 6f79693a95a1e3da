// A throwaway sshd inside namespace B (host key and authorized key in a scratch directory) and the ssh command line that reaches it, for rsync and tar over ssh.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { NamespaceProcess, type ProcessOutcome } from '../namespace-process.js'
import { addressB, type WanLab } from '../wan-lab.js'
import { waitForPort } from '../wait-for-port.js'

const port = 2222

export class SshServer {
  readonly #process: NamespaceProcess
  /** The ssh client command (for rsync -e, or to run directly) that logs in to this server with the throwaway key. */
  readonly sshCommand: string[]

  private constructor (process: NamespaceProcess, sshCommand: string[]) {
    this.#process = process
    this.sshCommand = sshCommand
  }

  static async start (lab: WanLab, scratchDir: string): Promise<SshServer> {
    const dir = join(scratchDir, 'ssh')
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    for (const key of ['host_key', 'client_key']) {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ferry-wan-lab', '-f', join(dir, key)])
    }
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')), { mode: 0o600 })
    mkdirSync('/run/sshd', { recursive: true }) // sshd's privilege-separation directory
    const process = new NamespaceProcess(lab.namespaceB, ['/usr/sbin/sshd', '-D', '-e', '-f', '/dev/null',
      '-o', `ListenAddress=${addressB}:${port}`, '-o', `HostKey=${join(dir, 'host_key')}`,
      '-o', `AuthorizedKeysFile=${join(dir, 'authorized_keys')}`, '-o', 'PermitRootLogin=prohibit-password',
      '-o', 'StrictModes=no', '-o', 'UsePAM=no', '-o', 'PidFile=none', '-o', 'PasswordAuthentication=no'])
    try {
      await waitForPort(lab.namespaceB, 'tcp', port)
    } catch (err) {
      const outcome = await process.stop()
      throw new Error(`sshd did not start: ${outcome.stderr}`, { cause: err })
    }
    const sshCommand = ['ssh', '-F', '/dev/null', '-p', String(port), '-i', join(dir, 'client_key'), '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR']
    return new SshServer(process, sshCommand)
  }

  get target (): string { return `root@${addressB}` }

  /** Stops sshd; its CPU includes the per-connection children it reaped. */
  async stop (): Promise<ProcessOutcome> { return await this.#process.stop() }
}
