// Says whether a command is on PATH, so a tool can skip with a reason instead of failing mid-run.
import { execFileSync } from 'node:child_process'

export function missingCommands (...commands: string[]): string | undefined {
  const missing = commands.filter(c => {
    try { execFileSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' }); return false } catch { return true }
  })
  return missing.length === 0 ? undefined : `missing ${missing.join(', ')} (apt-get install -y iperf3 uftp rsync openssh-server openssh-client curl)`
}
