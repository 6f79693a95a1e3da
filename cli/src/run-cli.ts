// Dispatches `ferry <command>` to its handler; exit codes: 0 success, 1 failure, 2 usage error.
import { isFerryError } from '@ferry/protocol'
import { UsageError } from './usage-error.js'

export interface CliIo {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  env: NodeJS.ProcessEnv
}

export type CommandHandler = (args: string[], io: CliIo) => Promise<number>

const HELP = `ferry — move large files between people and sites, fast

Usage: ferry <command> [options]

Commands:
  help                 show this help
  version              print the version
`

const commands = new Map<string, CommandHandler>([
  ['help', async (_args, io) => { io.stdout.write(HELP); return 0 }],
  ['version', async (_args, io) => { io.stdout.write('ferry 0.1.0\n'); return 0 }]
])

export async function runCli (argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  try {
    if (name === undefined || name === '--help' || name === '-h') return await commands.get('help')!(rest, io)
    const handler = commands.get(name)
    if (handler === undefined) throw new UsageError(`unknown command "${name}"; run \`ferry help\` for the list`)
    return await handler(rest, io)
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`ferry: ${err.message}\n`)
      return 2
    }
    if (isFerryError(err)) {
      io.stderr.write(`ferry: ${err.message} (${err.code})\n`)
      return 1
    }
    io.stderr.write(`ferry: unexpected error\n${(err as Error)?.stack ?? String(err)}\n`)
    return 1
  }
}
