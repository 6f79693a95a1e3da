// Black-box against the real thing: `ferry up --json` starts a portal and three meshed nodes; login, listings and logout work against it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { freshHome, loginAs, runFerry, startLocalDefault, type LocalDefault } from './cli-harness.js'

describe('ferry up and the portal commands', () => {
  let local: LocalDefault

  beforeAll(async () => { local = await startLocalDefault() }, 300_000)
  afterAll(async () => { expect(await local?.stop()).toBe(0) }, 90_000)

  it('prints one ready line: portal URL, three nodes, admin and two demo users', async () => {
    expect(local.portalUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(local.nodes).toHaveLength(3)
    for (const node of local.nodes) {
      expect(node.udpPort).toBeGreaterThan(0)
      const info = await (await fetch(`${node.httpUrl}/api/v1/info`)).json() as { peerId: string }
      expect(info.peerId).toBe(node.peerId)
    }
    expect(local.users.map(u => u.role).sort()).toEqual(['admin', 'user', 'user'])
    // The nodes are meshed: each sees the two others.
    for (const node of local.nodes) {
      const { peers } = await (await fetch(`${node.httpUrl}/api/v1/peers`, { headers: { authorization: `Bearer ${local.nodeAdminToken}` } })).json() as { peers: Array<{ connected: boolean }> }
      expect(peers.filter(p => p.connected).length).toBeGreaterThanOrEqual(2)
    }
  })

  it('login with the printed credentials saves a 0600 token; inbox and sent work; logout revokes it', async () => {
    const env = await loginAs(local, 'alice')
    const file = join(env.XDG_CONFIG_HOME!, 'ferry', 'config.json')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { token: string, user: string }
    expect(saved.user).toBe('alice')
    expect(readFileSync(file, 'utf8')).not.toContain(local.users.find(u => u.name === 'alice')!.password)

    const inbox = await runFerry(['inbox', '--json'], { env })
    expect(inbox.code).toBe(0)
    expect(Array.isArray(JSON.parse(inbox.stdout))).toBe(true)
    expect((await runFerry(['sent'], { env })).code).toBe(0)

    const out = await runFerry(['logout'], { env })
    expect(out.code).toBe(0)
    // The token no longer works at the portal, and the CLI forgot it.
    const me = await fetch(`${local.portalUrl}/api/v1/me`, { headers: { authorization: `Bearer ${saved.token}` } })
    expect(me.status).toBe(401)
    expect((await runFerry(['inbox'], { env })).stderr).toContain('FERRY_CLI_NOT_LOGGED_IN')
  })

  it('a wrong password is refused with a hint, exit 1', async () => {
    const { env } = freshHome()
    const r = await runFerry(['login', local.portalUrl, '--user', 'alice', '--password-stdin'], { env, input: 'wrong-password\n' })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/FERRY_/)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('package show of an unknown id is a clear failure', async () => {
    const env = await loginAs(local, 'bob')
    const r = await runFerry(['package', 'show', 'no-such-package'], { env })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/FERRY_/)
  })

  it('bench mesh measures every ordered pair of nodes; transfers lists the live ones', { timeout: 180_000 }, async () => {
    const nodeArgs = [...local.nodes.flatMap(n => ['--node', n.httpUrl]), '--admin-token', local.nodeAdminToken]
    const bench = await runFerry(['bench', 'mesh', '--bytes', '1M', '--json', ...nodeArgs], { timeoutMs: 170_000 })
    expect(bench.code, bench.stderr).toBe(0)
    const rows = bench.stdout.trim().split('\n').map(l => JSON.parse(l) as { from: string, to: string, bytes: number, mbps: number })
    expect(rows).toHaveLength(6)
    expect(new Set(rows.map(r => `${r.from}>${r.to}`)).size).toBe(6)
    for (const row of rows) {
      expect(row.bytes).toBe(1024 * 1024)
      expect(row.mbps).toBeGreaterThan(0)
    }
    const transfers = await runFerry(['transfers', '--json', ...nodeArgs])
    expect(transfers.code, transfers.stderr).toBe(0)
    expect(Array.isArray(JSON.parse(transfers.stdout))).toBe(true)
    const wrongToken = await runFerry(['transfers', '--node', local.nodes[0]!.httpUrl, '--admin-token', 'not-the-token-at-all'])
    expect(wrongToken.code).toBe(1)
    expect(wrongToken.stderr).toContain('admin token')
  })
})
