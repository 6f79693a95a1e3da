// Starts real node processes (node/dist/main.js) for end-to-end tests, with a start-up timeout and a kill that always runs.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

export const MAIN_JS = join(import.meta.dirname, '..', 'node', 'dist', 'main.js')

export interface ReadyLine {
  peerId: string
  multiaddrs: string[]
  udpPort: number
  httpUrl: string
  name: string
}

export interface NodeProcess {
  ready: ReadyLine
  child: ChildProcess
  /** Everything the process wrote to stderr so far (for failure messages). */
  stderr: () => string
  kill: (signal?: NodeJS.Signals) => Promise<void>
}

/** Spawns `node main.js <args> --json` and resolves with its ready line; kills it if that takes longer than timeoutMs. */
export async function spawnNode (args: string[], options: { timeoutMs?: number, cwd?: string, env?: NodeJS.ProcessEnv, command?: string[] } = {}): Promise<NodeProcess> {
  const command = options.command ?? [process.execPath, MAIN_JS]
  const child = spawn(command[0], [...command.slice(1), ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env })
  let err = ''
  child.stderr!.on('data', d => { err += String(d) })
  const exited = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
  }
  const lines = createInterface({ input: child.stdout! })
  const ready = await new Promise<ReadyLine>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`node did not start within ${options.timeoutMs ?? 45_000} ms: ${err}`)) }, options.timeoutMs ?? 45_000)
    lines.once('line', line => { clearTimeout(timer); try { resolve(JSON.parse(line) as ReadyLine) } catch (e) { reject(e as Error) } })
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`node exited with ${code}: ${err}`)) })
  }).catch(async (e: unknown) => { await kill(); throw e })
  return { ready, child, stderr: () => err, kill }
}

/** Polls `check` every intervalMs until it returns true or timeoutMs passes (e2e only: real processes need real time). */
export async function waitFor (check: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}
