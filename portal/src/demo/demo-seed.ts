// The local default's people: an admin and two demo users with fresh random passwords, printed once so a person can sign in.
import { randomBytes } from 'node:crypto'
import type { PortalServices } from '../portal-services.js'

export interface DemoUser { name: string, password: string, role: 'admin' | 'user', email: string }

const DEMO = [
  { name: 'admin', displayName: 'Ferry Admin', email: 'admin@ferry.local', role: 'admin' as const },
  { name: 'alice', displayName: 'Alice Demo', email: 'alice@ferry.local', role: 'user' as const },
  { name: 'bob', displayName: 'Bob Demo', email: 'bob@ferry.local', role: 'user' as const }
]

/** Creates the demo accounts, or gives existing ones new passwords (the old ones were printed to a terminal long gone). */
export async function seedDemo (services: PortalServices): Promise<DemoUser[]> {
  const out: DemoUser[] = []
  for (const d of DEMO) {
    const password = randomBytes(9).toString('base64url')
    const existing = await services.accounts.findByName(d.name)
    if (existing === undefined) await services.accounts.createUser({ ...d, password }, 'demo')
    else await services.accounts.updateUser(existing.id, { password, disabled: false }, 'demo')
    out.push({ name: d.name, password, role: d.role, email: d.email })
  }
  if (await services.groups.findByName('demo') === undefined) {
    const ids = (await Promise.all(['alice', 'bob'].map(n => services.accounts.findByName(n)))).map(u => u!.id)
    await services.groups.create('demo', ids, 'demo')
  }
  return out
}
