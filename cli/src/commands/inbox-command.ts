// `ferry inbox` and `ferry sent`: the packages others sent you, and the ones you sent.
import type { Command } from '../cli-context.js'
import { parseCommandArgs } from '../parse-command-args.js'
import { UsageError } from '../usage-error.js'
import { loggedInClient } from '../portal/logged-in-client.js'
import { printPackageTable } from './package-table.js'

function listingCommand (name: 'inbox' | 'sent'): Command {
  const usage = `Usage: ferry ${name} [--json]

Lists the packages ${name === 'inbox' ? 'sent to you (and to your groups and shared inboxes)' : 'you sent'}, newest first.

Options:
  --json   print the list as one JSON array
`
  return {
    name,
    summary: name === 'inbox' ? 'list packages sent to you' : 'list packages you sent',
    usage,
    async run (args, ctx) {
      const { values, positionals } = parseCommandArgs(name, args, { json: { type: 'boolean' } })
      if (positionals.length > 0) throw new UsageError(`${name} takes no arguments`)
      const { client } = await loggedInClient(ctx)
      const packages = name === 'inbox' ? await client.inbox() : await client.sent()
      if (values.json === true) ctx.stdout.write(JSON.stringify(packages) + '\n')
      else printPackageTable(ctx, packages, name === 'inbox' ? 'Your inbox is empty.' : 'You have not sent any package yet; try `ferry send --to NAME PATH`.')
      return 0
    }
  }
}

export const inboxCommand = listingCommand('inbox')
export const sentCommand = listingCommand('sent')
