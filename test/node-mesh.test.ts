// Three real node processes on loopback find each other from one bootstrap address, and each reports RTTs to the others.
import { describe, it, expect, afterAll } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnNode, waitFor, type NodeProcess } from './node-spawn.js'

const ADMIN = 'admin-token-for-tests-0123456789'
const nodes: NodeProcess[] = []
const dirs: string[] = []

async function peersOf (n: NodeProcess): Promise<Array<{ peerId: string, connected: boolean, rttMs?: number, name?: string }>> {
  const res = await fetch(`${n.ready.httpUrl}/api/v1/peers`, { headers: { authorization: `Bearer ${ADMIN}` } })
  return ((await res.json()) as { peers: Array<{ peerId: string, connected: boolean, rttMs?: number }> }).peers
}

afterAll(async () => {
  await Promise.all(nodes.map(async n => { await n.kill('SIGTERM') }))
  await Promise.all(dirs.map(async d => { await rm(d, { recursive: true, force: true }) }))
})

describe('node mesh (real processes)', () => {
  it('three nodes find each other from one bootstrap address', async () => {
    for (let i = 0; i < 3; i++) dirs.push(await mkdtemp(join(tmpdir(), `ferry-mesh-${i}-`)))
    const a = await spawnNode(['--data-dir', dirs[0], '--name', 'a', '--admin-token', ADMIN])
    nodes.push(a)
    const boot = a.ready.multiaddrs[0]
    nodes.push(await spawnNode(['--data-dir', dirs[1], '--name', 'b', '--admin-token', ADMIN, '--bootstrap', boot]))
    nodes.push(await spawnNode(['--data-dir', dirs[2], '--name', 'c', '--admin-token', ADMIN, '--bootstrap', boot]))
    await waitFor(async () => {
      for (const n of nodes) {
        const others = nodes.filter(o => o !== n).map(o => o.ready.peerId)
        const peers = await peersOf(n)
        if (!others.every(id => peers.some(p => p.peerId === id && p.connected && p.rttMs !== undefined))) return false
      }
      return true
    }, 15_000)
    const bPeers = await peersOf(nodes[1])
    expect(bPeers.find(p => p.peerId === nodes[2].ready.peerId)?.name).toBe('c')
  })

  it('keeps its identity across restarts and publishes it at /api/v1/info', async () => {
    const info = await (await fetch(`${nodes[0].ready.httpUrl}/api/v1/info`)).json() as { peerId: string, publicKeyJwk: { crv: string, d?: string } }
    expect(info.peerId).toBe(nodes[0].ready.peerId)
    expect(info.publicKeyJwk.crv).toBe('Ed25519')
    expect(info.publicKeyJwk.d).toBeUndefined()
    await nodes[2].kill('SIGTERM')
    const again = await spawnNode(['--data-dir', dirs[2], '--name', 'c', '--admin-token', ADMIN])
    nodes[2] = again
    expect(again.ready.peerId).not.toBe(nodes[1].ready.peerId)
    expect((await (await fetch(`${again.ready.httpUrl}/api/v1/info`)).json() as { name: string }).name).toBe('c')
  })

  it('refuses admin routes without the token and bad config with a code', async () => {
    const res = await fetch(`${nodes[0].ready.httpUrl}/api/v1/peers`)
    expect(res.status).toBe(401)
    expect(((await res.json()) as { code: string }).code).toBe('FERRY_NODE_UNAUTHORIZED')
    await expect(spawnNode(['--data-dir', dirs[0], '--udp-port', '99999'], { timeoutMs: 10_000 })).rejects.toThrow(/FERRY_NODE_CONFIG_INVALID/)
  })
})
