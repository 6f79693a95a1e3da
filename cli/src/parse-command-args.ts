// node:util parseArgs with Ferry's conventions: strict, --help everywhere, parse failures become a UsageError (exit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './usage-error.js'

type Options = NonNullable<ParseArgsConfig['options']>

export interface ParsedArgs<O extends Options> {
  values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? (O[K] extends { multiple: true } ? boolean[] : boolean) : (O[K] extends { multiple: true } ? string[] : string) } & { help?: boolean }
  positionals: string[]
}

/** Parses `args` against `options` (plus --help); throws UsageError naming the command on anything unknown or malformed. */
export function parseCommandArgs<O extends Options> (command: string, args: string[], options: O): ParsedArgs<O> {
  try {
    const result = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true })
    return result as unknown as ParsedArgs<O>
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '')
    throw new UsageError(`${command}: ${message}; run \`ferry ${command} --help\``)
  }
}
