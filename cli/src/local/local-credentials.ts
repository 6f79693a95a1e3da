// The local default's node admin token: generated once per data folder and kept there (0600), so restarts keep the same one.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface LocalCredentials {
  /** Bearer token of every local node's ops API. */
  nodeAdminToken: string
}

export async function loadOrCreateCredentials (dataDir: string): Promise<LocalCredentials> {
  const file = join(dataDir, 'credentials.json')
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as Partial<LocalCredentials>
    if (typeof saved.nodeAdminToken === 'string' && saved.nodeAdminToken.length >= 16) return { nodeAdminToken: saved.nodeAdminToken }
  } catch { /* first start: create it below */ }
  const credentials: LocalCredentials = { nodeAdminToken: randomBytes(24).toString('base64url') }
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  await writeFile(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 })
  return credentials
}
