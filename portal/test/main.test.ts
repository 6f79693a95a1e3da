// The portal process as `ferry portal start` runs it: flags, --demo accounts, one --json ready line, a clean stop on SIGTERM.
import { describe, it, expect } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

const MAIN = join(import.meta.dirname, '..', 'dist', 'main.js')

describe('portal/dist/main.js', () => {
  it('starts with --demo --json, prints one ready line, lets the demo users in, stops on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-portal-main-'))
    const child = spawn(process.execPath, [MAIN, '--data-dir', dir, '--port=0', '--demo', '--json', '--scrypt-n', '1024'], { stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve)
        child.once('exit', code => reject(new Error(`exited ${code}`)))
      })
      const ready = JSON.parse(line) as { portalUrl: string, jwksUrl: string, users: Array<{ name: string, password: string, role: string }> }
      expect(ready.users.map(u => [u.name, u.role])).toEqual([['admin', 'admin'], ['alice', 'user'], ['bob', 'user']])
      const res = await fetch(`${ready.portalUrl}/api/v1/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'alice', password: ready.users[1]!.password }) })
      expect(res.status).toBe(200)
      const jwks = await (await fetch(ready.jwksUrl)).json() as { keys: Array<{ kid: string }> }
      expect(jwks.keys).toHaveLength(1)
      expect(existsSync(join(dir, 'portal-signing-keys.json'))).toBe(true)
      child.kill('SIGTERM')
      expect(await new Promise(resolve => child.once('exit', resolve))).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('exits 2 on an unknown flag', async () => {
    const child = spawn(process.execPath, [MAIN, '--bogus'], { stdio: ['ignore', 'pipe', 'pipe'] })
    expect(await new Promise(resolve => child.once('exit', resolve))).toBe(2)
  })
})
