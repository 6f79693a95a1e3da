// `ferry logout`: revokes the saved API token at the portal (best effort) and deletes it locally.
import type { Command } from '../cli-context.js'
import { parseCommandArgs } from '../parse-command-args.js'
import { UsageError } from '../usage-error.js'
import { ConfigStore } from '../config/config-store.js'
import { PortalClient } from '../portal/portal-client.js'

export const logoutCommand: Command = {
  name: 'logout',
  summary: 'revoke and forget the saved API token',
  usage: 'Usage: ferry logout\n\nRevokes the saved API token at the portal and deletes it from this machine.\n',
  async run (args, ctx) {
    const { positionals } = parseCommandArgs('logout', args, {})
    if (positionals.length > 0) throw new UsageError('logout takes no arguments')
    const store = new ConfigStore(ctx.env)
    const login = await store.load().catch(() => undefined)
    if (login === undefined) {
      await store.clear()
      ctx.stdout.write('Not logged in; nothing to do.\n')
      return 0
    }
    let note = ''
    if (login.tokenId !== undefined) {
      try {
        await new PortalClient({ portalUrl: login.portalUrl, token: login.token, signal: ctx.signal }).revokeToken(login.tokenId)
      } catch (err) {
        note = ` (could not revoke the token at the portal: ${(err as Error).message}; revoke it in the web UI)`
      }
    }
    await store.clear()
    ctx.stdout.write(`Logged out of ${login.portalUrl}${note}\n`)
    return 0
  }
}
