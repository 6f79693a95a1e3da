// Waits until a server inside a namespace listens on a port (read with ss), so a client never races its server's start.
import { execFileSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'

export async function waitForPort (namespace: string, protocol: 'tcp' | 'udp', port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const flag = protocol === 'tcp' ? '-Hltn' : '-Hlun'
  while (Date.now() < deadline) {
    const out = execFileSync('ip', ['netns', 'exec', namespace, 'ss', flag, `sport = :${port}`], { encoding: 'utf8' })
    if (out.trim() !== '') return
    await sleep(50)
  }
  throw new Error(`nothing listens on ${protocol} port ${port} in ${namespace} after ${timeoutMs} ms`)
}
