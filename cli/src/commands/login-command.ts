// `ferry login <portal-url>`: trades a name and password for a portal API token and saves it (0600); the password is never stored.
import { hostname } from 'node:os'
import type { Command } from '../cli-context.js'
import { parseCommandArgs } from '../parse-command-args.js'
import { UsageError } from '../usage-error.js'
import { ConfigStore } from '../config/config-store.js'
import { PortalClient } from '../portal/portal-client.js'
import { promptLine, readAllStdin } from '../prompt.js'

const USAGE = `Usage: ferry login <portal-url> [--user NAME] [--password-stdin]

Signs in to a Ferry portal and saves an API token in $XDG_CONFIG_HOME/ferry/config.json (default ~/.config/ferry),
readable by you only. Without options it asks for the name and password at the terminal.

Options:
  --user NAME        the account name (asked for when missing)
  --password-stdin   read the password from standard input (for scripts: echo "$PW" | ferry login URL --user me --password-stdin)
`

export const loginCommand: Command = {
  name: 'login',
  summary: 'sign in to a portal and save an API token',
  usage: USAGE,
  async run (args, ctx) {
    const { values, positionals } = parseCommandArgs('login', args, { user: { type: 'string', short: 'u' }, 'password-stdin': { type: 'boolean' } })
    if (positionals.length !== 1) throw new UsageError('login takes one portal URL, e.g. `ferry login http://127.0.0.1:8080`')
    const fromStdin = values['password-stdin'] === true
    if (fromStdin && values.user === undefined) throw new UsageError('--password-stdin needs --user NAME')
    if (!fromStdin && ctx.stdin.isTTY !== true) throw new UsageError('no terminal to ask for a password; use --user NAME --password-stdin')
    const client = new PortalClient({ portalUrl: positionals[0]!, signal: ctx.signal })
    const user = values.user ?? (await promptLine(ctx, 'User: ')).trim()
    if (user === '') throw new UsageError('an account name is needed')
    const password = fromStdin ? await readAllStdin(ctx) : await promptLine(ctx, 'Password: ', { secret: true })
    if (password === '') throw new UsageError('the password is empty')
    const { token, id } = await client.createApiToken(user, password, `ferry CLI on ${hostname()}`)
    const store = new ConfigStore(ctx.env)
    await store.save({ portalUrl: client.portalUrl, user, token, ...(typeof id === 'string' ? { tokenId: id } : {}) })
    ctx.stdout.write(`Logged in to ${client.portalUrl} as ${user}; token saved in ${store.file}\n`)
    return 0
  }
}
