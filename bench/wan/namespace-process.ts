// A real process started inside a network namespace under /usr/bin/time, so the bench can report the CPU it used (its children included).
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Scheduling priority of every tool process, both sides (nice value): the 2-core machine is shared, and a tool starved by an
 * unrelated build measures the scheduler, not the tool. Every tool gets the same, so the comparison stays fair.
 */
const toolNiceness = -10

export interface ProcessOutcome {
  code: number | null
  /** Set when the measured command died of a signal (time(1) says so). */
  signalled: boolean
  cpuSeconds: number
  wallSeconds: number
  stdout: string
  stderr: string
}

export interface NamespaceProcessOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Cap on output kept per stream, in bytes; more is dropped (tools can be chatty). */
  keepOutputBytes?: number
  onStdoutLine?: (line: string) => void
}

export class NamespaceProcess {
  readonly outcome: Promise<ProcessOutcome>
  readonly #child: ChildProcess
  #exited = false

  constructor (namespace: string, argv: string[], options: NamespaceProcessOptions = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-wan-time-'))
    const timeFile = join(dir, 'time')
    const started = process.hrtime.bigint()
    this.#child = spawn('ip', ['netns', 'exec', namespace, '/usr/bin/time', '-f', '%U %S', '-o', timeFile, 'nice', '-n', String(toolNiceness), ...argv], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const keep = options.keepOutputBytes ?? 1 << 20
    let stdout = ''
    let stderr = ''
    let partial = ''
    this.#child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < keep) stdout += chunk
      if (options.onStdoutLine !== undefined) {
        partial += chunk
        let newline: number
        while ((newline = partial.indexOf('\n')) >= 0) {
          options.onStdoutLine(partial.slice(0, newline))
          partial = partial.slice(newline + 1)
        }
      }
    })
    this.#child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { if (stderr.length < keep) stderr += chunk })
    this.outcome = new Promise((resolve, reject) => {
      this.#child.on('error', reject)
      this.#child.on('close', (code) => {
        this.#exited = true
        const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9
        let text = ''
        try { text = readFileSync(timeFile, 'utf8') } catch { /* time(1) itself was killed */ }
        rmSync(dir, { recursive: true, force: true })
        const times = /(\d+\.\d+) (\d+\.\d+)\s*$/.exec(text)
        resolve({
          code,
          signalled: text.includes('terminated by signal'),
          cpuSeconds: times === null ? Number.NaN : Number(times[1]) + Number(times[2]),
          wallSeconds,
          stdout,
          stderr
        })
      })
    })
  }

  get pid (): number | undefined { return this.#child.pid }
  get exited (): boolean { return this.#exited }

  /** The measured command's pid (the child of time(1)), once it has started. */
  commandPid (): number | undefined {
    const pid = this.#child.pid
    if (pid === undefined || this.#exited) return undefined
    try {
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
      return children.length > 0 ? Number(children[0]) : undefined
    } catch {
      return undefined
    }
  }

  /** Sends `signal` to the measured command (so time(1) still reports its CPU), or to time(1) if the command is not there yet. */
  kill (signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.#exited) return
    const target = this.commandPid() ?? this.#child.pid
    if (target === undefined) return
    try { process.kill(target, signal) } catch { /* already gone */ }
  }

  /** Stops the command (SIGTERM, then SIGKILL after `graceMs`) and waits for the outcome. */
  async stop (graceMs = 2000): Promise<ProcessOutcome> {
    this.kill('SIGTERM')
    const timer = setTimeout(() => { this.kill('SIGKILL'); try { this.#child.kill('SIGKILL') } catch { /* gone */ } }, graceMs)
    try { return await this.outcome } finally { clearTimeout(timer) }
  }
}
