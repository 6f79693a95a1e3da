// Runs the built `ferry` as a black box (node cli/bin/ferry.js) with its own HOME and XDG_CONFIG_HOME, and collects exit code, stdout, stderr.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const FERRY_BIN = join(import.meta.dirname, '..', 'cli', 'bin', 'ferry.js')

export interface FerryResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface FerryRunOptions {
  env?: NodeJS.ProcessEnv
  input?: string
  cwd?: string
  timeoutMs?: number
}

/** A fresh home for one test: HOME and XDG_CONFIG_HOME inside a new temporary folder. */
export function freshHome (): { dir: string, env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-cli-test-'))
  return { dir, env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data') } }
}

export function spawnFerry (args: string[], options: FerryRunOptions = {}): ChildProcess {
  const child = spawn(process.execPath, [FERRY_BIN, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] })
  child.stdin!.end(options.input ?? '')
  return child
}

export async function runFerry (args: string[], options: FerryRunOptions = {}): Promise<FerryResult> {
  const child = spawnFerry(args, options)
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(resolve => child.once('close', (c, s) => resolve([c, s])))
  clearTimeout(timer)
  return { code, signal, stdout, stderr }
}

export interface LocalDefault {
  portalUrl: string
  nodes: Array<{ name: string, peerId: string, httpUrl: string, udpPort: number, multiaddrs: string[] }>
  users: Array<{ name: string, password: string, role: string }>
  nodeAdminToken: string
  dataDir: string
  /** Stops `ferry up` (SIGINT), which stops the portal and nodes; resolves with its exit code. */
  stop: () => Promise<number | null>
}

/** Starts `ferry up --json` on free ports in a new folder and waits for its ready line. */
export async function startLocalDefault (timeoutMs = 240_000): Promise<LocalDefault> {
  const { dir, env } = freshHome()
  const child = spawnFerry(['up', '--json', '--port', '0', '--data-dir', join(dir, 'up')], { env })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  const ready = await new Promise<Omit<LocalDefault, 'stop'>>((resolve, reject) => {
    let buffer = ''
    // SIGINT, not SIGKILL: `ferry up` then stops the portal and nodes it started instead of orphaning them.
    const timer = setTimeout(() => { child.kill('SIGINT'); reject(new Error(`ferry up not ready in ${timeoutMs} ms: ${stderr}`)) }, timeoutMs)
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buffer += d
      const newline = buffer.indexOf('\n')
      if (newline >= 0) { clearTimeout(timer); resolve(JSON.parse(buffer.slice(0, newline))) }
    })
    void exited.then(code => { clearTimeout(timer); reject(new Error(`ferry up exited with ${code}: ${stderr}`)) })
  })
  return {
    ...ready,
    stop: async () => {
      child.kill('SIGINT')
      // Generous: a busy machine stops four processes slowly, and a SIGKILL here would orphan them.
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
      const code = await exited
      clearTimeout(timer)
      return code
    }
  }
}

/** Logs `user` in with a fresh home; returns the env to run further commands as that user. */
export async function loginAs (local: LocalDefault, user: string): Promise<NodeJS.ProcessEnv> {
  const { env } = freshHome()
  const account = local.users.find(u => u.name === user)
  if (account === undefined) throw new Error(`no demo user ${user}`)
  const r = await runFerry(['login', local.portalUrl, '--user', user, '--password-stdin'], { env, input: account.password + '\n' })
  if (r.code !== 0) throw new Error(`login as ${user} failed: ${r.stderr}`)
  return env
}
