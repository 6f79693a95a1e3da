// What every command gets from the process: streams, environment, an abort signal; passed in so tests and the agent can run commands in-process.

export interface CliContext {
  stdout: NodeJS.WritableStream & { isTTY?: boolean, columns?: number }
  stderr: NodeJS.WritableStream & { isTTY?: boolean, columns?: number }
  stdin: NodeJS.ReadableStream & { isTTY?: boolean, setRawMode?: (raw: boolean) => unknown }
  env: NodeJS.ProcessEnv
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly and leave resumable state. */
  signal: AbortSignal
}

/** A `ferry` sub-command: parses its own arguments, returns the exit code (0 success, 1 failure). */
export interface Command {
  name: string
  /** One line for `ferry help`. */
  summary: string
  /** Full usage text for `ferry <name> --help`. */
  usage: string
  run (args: string[], ctx: CliContext): Promise<number>
}
