// Dispatches `ferry <command>` to its handler; exit codes: 0 success, 1 failure, 2 usage error (message only, no stack).
import { isFerryError } from '@ferry/protocol'
import { UsageError } from './usage-error.js'
import type { CliContext, Command } from './cli-context.js'
import { commandList } from './commands/command-list.js'

export type { CliContext, Command } from './cli-context.js'

export const VERSION = '0.1.0'

function helpText (commands: Command[]): string {
  const width = Math.max(...commands.map(c => c.name.length)) + 2
  return `ferry — move large files between people and sites, fast

Usage: ferry <command> [options]

Commands:
${commands.map(c => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

Run \`ferry <command> --help\` for a command's options. Start here: \`ferry up\` runs a local portal and three nodes.
Exit codes: 0 success, 1 failure, 2 usage error.
`
}

export async function runCli (argv: string[], ctx: CliContext): Promise<number> {
  const commands = commandList()
  const byName = new Map(commands.map(c => [c.name, c]))
  const [first, ...rest] = argv
  try {
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      const topic = first === 'help' ? rest[0] : undefined
      if (topic !== undefined) {
        const command = byName.get(topic)
        if (command === undefined) throw new UsageError(`unknown command "${topic}"; run \`ferry help\` for the list`)
        ctx.stdout.write(command.usage)
        return 0
      }
      ctx.stdout.write(helpText(commands))
      return 0
    }
    if (first === '--version' || first === 'version') {
      ctx.stdout.write(`ferry ${VERSION}\n`)
      return 0
    }
    // Two-word commands (`package show`, `node start`, `bench mesh`) are registered under their first word.
    const command = byName.get(first)
    if (command === undefined) throw new UsageError(`unknown command "${first}"; run \`ferry help\` for the list`)
    if (rest.includes('--help') || rest.includes('-h')) {
      ctx.stdout.write(command.usage)
      return 0
    }
    return await command.run(rest, ctx)
  } catch (err) {
    return reportError(err, ctx)
  }
}

/** Prints an error the way the house style asks: usage → exit 2; coded → message and code, exit 1; anything else → stack, exit 1. */
export function reportError (err: unknown, ctx: CliContext): number {
  if (err instanceof UsageError) {
    ctx.stderr.write(`ferry: ${err.message}\n`)
    return 2
  }
  if (ctx.signal.aborted && (err as Error)?.name === 'AbortError') {
    ctx.stderr.write('ferry: interrupted; run the same command again to resume\n')
    return 130
  }
  if (isFerryError(err)) {
    ctx.stderr.write(`ferry: ${err.message} (${err.code})\n`)
    return 1
  }
  ctx.stderr.write(`ferry: unexpected error\n${(err as Error)?.stack ?? String(err)}\n`)
  return 1
}
