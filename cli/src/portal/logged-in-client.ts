// The portal client for the saved login: what every command that talks to the portal as the user starts from.
import type { CliContext } from '../cli-context.js'
import { ConfigStore, type SavedLogin } from '../config/config-store.js'
import { PortalClient } from './portal-client.js'

export async function loggedInClient (ctx: CliContext): Promise<{ client: PortalClient, login: SavedLogin }> {
  const login = await new ConfigStore(ctx.env).require()
  return { client: new PortalClient({ portalUrl: login.portalUrl, token: login.token, signal: ctx.signal }), login }
}
