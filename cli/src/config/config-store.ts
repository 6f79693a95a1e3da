// The CLI's saved login (portal URL, user, API token) in $XDG_CONFIG_HOME/ferry/config.json, readable by its owner only (0600).
import { mkdir, readFile, writeFile, rename, rm, chmod } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { FerryError } from '@ferry/protocol'

export interface SavedLogin {
  portalUrl: string
  user: string
  /** The portal API token (Bearer); a secret, hence the file mode. */
  token: string
  /** The token's id at the portal, so `ferry logout` can revoke it. */
  tokenId?: string
}

/** Where Ferry keeps its per-user files: $XDG_CONFIG_HOME/ferry, else ~/.config/ferry (HOME from the given env). */
export function configDir (env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CONFIG_HOME
  if (xdg !== undefined && xdg !== '') return join(xdg, 'ferry')
  return join(env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir(), '.config', 'ferry')
}

export class ConfigStore {
  readonly dir: string
  readonly file: string

  constructor (env: NodeJS.ProcessEnv) {
    this.dir = configDir(env)
    this.file = join(this.dir, 'config.json')
  }

  async load (): Promise<SavedLogin | undefined> {
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
    try {
      const parsed = JSON.parse(text) as Partial<SavedLogin>
      if (typeof parsed.portalUrl !== 'string' || typeof parsed.token !== 'string') throw new Error('missing fields')
      return { portalUrl: parsed.portalUrl, user: parsed.user ?? '', token: parsed.token, ...(typeof parsed.tokenId === 'string' ? { tokenId: parsed.tokenId } : {}) }
    } catch (err) {
      throw new FerryError('FERRY_CLI_CONFIG_INVALID', `${this.file} is not a valid Ferry login; run \`ferry logout\` then \`ferry login <portal-url>\``, { cause: err })
    }
  }

  /** The saved login, or a coded error telling the user to log in first. */
  async require (): Promise<SavedLogin> {
    const login = await this.load()
    if (login === undefined) throw new FerryError('FERRY_CLI_NOT_LOGGED_IN', 'not logged in; run `ferry login <portal-url>` first')
    return login
  }

  /** Writes atomically (temp file then rename), directory 0700 and file 0600 whatever the umask. */
  async save (login: SavedLogin): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    const temp = this.file + '.tmp'
    await writeFile(temp, JSON.stringify(login, null, 2) + '\n', { mode: 0o600 })
    await chmod(temp, 0o600)
    await rename(temp, this.file)
  }

  async clear (): Promise<boolean> {
    const existed = (await this.load().catch(() => ({}))) !== undefined
    await rm(this.file, { force: true })
    return existed
  }
}
