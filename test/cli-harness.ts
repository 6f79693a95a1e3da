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
