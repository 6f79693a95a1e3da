// Runs a node or portal as a child process: spawns `node <part>/dist/main.js`, forwards signals, reads its one-line JSON "ready" report.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process'
import { createInterface } from 'node:readline'
import { FerryError } from '@ferry/protocol'
import { partEntryPath, type Part } from './part-entry.js'

export interface ChildPartOptions {
  part: Part
  args: string[]
  /** stdio of the child: 'inherit' for `ferry node start`; a log file descriptor for `ferry up`. */
  stdio?: StdioOptions
  env?: NodeJS.ProcessEnv
}

export class ChildPart {
  readonly process: ChildProcess
  readonly exited: Promise<number>

  constructor (readonly options: ChildPartOptions) {
    this.process = spawn(process.execPath, [partEntryPath(options.part), ...options.args], { stdio: options.stdio ?? 'inherit', env: options.env ?? process.env })
    this.exited = new Promise(resolve => {
      this.process.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128 + signalNumber(signal))))
      this.process.once('error', () => resolve(1))
    })
  }

  /** Resolves with the first stdout line that parses as a JSON object (the part's ready report); rejects if it exits first or times out. */
  async readyReport<T> (timeoutMs: number, signal?: AbortSignal): Promise<T> {
    const stdout = this.process.stdout
    if (stdout === null) throw new Error('readyReport needs stdout piped')
    const lines = createInterface({ input: stdout })
    const what = `the ${this.options.part} (${this.options.args.join(' ')})`
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => fail(new FerryError('FERRY_CLI_START_TIMEOUT', `${what} did not report ready within ${timeoutMs / 1000} s; see its log`)), timeoutMs)
      const onAbort = (): void => fail(signal?.reason ?? new Error('aborted'))
      signal?.addEventListener('abort', onAbort, { once: true })
      const done = (): void => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort); lines.removeAllListeners('line') }
      const fail = (err: unknown): void => { done(); reject(err) }
      lines.on('line', line => {
        try {
          const value = JSON.parse(line) as unknown
          if (typeof value === 'object' && value !== null && !Array.isArray(value)) { done(); resolve(value as T) }
        } catch { /* a log line, not the report */ }
      })
      void this.exited.then(code => fail(new FerryError('FERRY_CLI_START_FAILED', `${what} exited with code ${code} before it was ready; see its log`)))
    })
  }

  /** Asks the child to stop (SIGTERM), then kills it if it has not left within `graceMs`. */
  async stop (graceMs = 5_000): Promise<number> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGTERM')
      const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs)
      const code = await this.exited
      clearTimeout(timer)
      return code
    }
    return await this.exited
  }
}

function signalNumber (signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 0
}
