// Relay in network namespaces the test makes: A and C have no route to each other, both reach R; a transfer A→C completes through R.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnNode, waitFor, MAIN_JS, type NodeProcess } from './node-spawn.js'

const ADMIN = 'admin-token-for-tests-0123456789'
const tag = `f${process.pid % 10000}`
const ns = { a: `${tag}a`, r: `${tag}r`, c: `${tag}c` }
const addr = { a: '10.77.1.2', ra: '10.77.1.1', c: '10.77.2.2', rc: '10.77.2.1' }
const nodes: Partial<Record<'a' | 'r' | 'c', NodeProcess>> = {}
let dir: string
let ready = false

function sh (...args: string[]): string {
  return execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 }).toString()
}

/** Calls a node's ops API from inside its namespace (the test's own namespace has no route there). */
function ops (space: string, url: string, body?: unknown): any {
  const args = ['ip', 'netns', 'exec', space, 'curl', '-s', '--max-time', '120', '-H', `authorization: Bearer ${ADMIN}`]
  if (body !== undefined) args.push('-H', 'content-type: application/json', '-d', JSON.stringify(body))
  return JSON.parse(sh(...args, url))
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) return
  try {
    for (const n of Object.values(ns)) { sh('ip', 'netns', 'add', n); sh('ip', '-n', n, 'link', 'set', 'lo', 'up') }
    sh('ip', 'link', 'add', `${tag}va`, 'netns', ns.a, 'type', 'veth', 'peer', 'name', `${tag}vra`, 'netns', ns.r)
    sh('ip', 'link', 'add', `${tag}vc`, 'netns', ns.c, 'type', 'veth', 'peer', 'name', `${tag}vrc`, 'netns', ns.r)
    sh('ip', '-n', ns.a, 'addr', 'add', `${addr.a}/24`, 'dev', `${tag}va`)
    sh('ip', '-n', ns.r, 'addr', 'add', `${addr.ra}/24`, 'dev', `${tag}vra`)
    sh('ip', '-n', ns.c, 'addr', 'add', `${addr.c}/24`, 'dev', `${tag}vc`)
    sh('ip', '-n', ns.r, 'addr', 'add', `${addr.rc}/24`, 'dev', `${tag}vrc`)
    for (const [n, d] of [[ns.a, `${tag}va`], [ns.r, `${tag}vra`], [ns.r, `${tag}vrc`], [ns.c, `${tag}vc`]]) sh('ip', '-n', n, 'link', 'set', d, 'up')
    // R must not route between its two links: A and C reach only R.
    sh('ip', 'netns', 'exec', ns.r, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=0')
    ready = true
  } catch {
    ready = false
  }
  dir = await mkdtemp(join(tmpdir(), 'ferry-relay-'))
})

afterAll(async () => {
  await Promise.all(Object.values(nodes).map(async n => { await n?.kill() }))
  for (const n of Object.values(ns)) { try { sh('ip', 'netns', 'del', n) } catch { /* not created */ } }
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

describe('relay through R (network namespaces)', { timeout: 400_000 }, () => {
  it('A and C have no route; a memory-to-memory transfer A→C completes through R', async (ctx) => {
    if (!ready) ctx.skip()
    const inNs = (space: string): string[] => ['ip', 'netns', 'exec', space, process.execPath, MAIN_JS]
    nodes.r = await spawnNode(['--data-dir', join(dir, 'r'), '--admin-token', ADMIN, '--listen', `/ip4/${addr.ra}/tcp/0`, '--listen', `/ip4/${addr.rc}/tcp/0`, '--udp-host', addr.ra, '--http-host', addr.ra], { command: inNs(ns.r), timeoutMs: 100_000 })
    const rAddrs = nodes.r.ready.multiaddrs
    const rFor = (ip: string): string => rAddrs.find(m => m.includes(`/${ip}/`)) as string
    nodes.a = await spawnNode(['--data-dir', join(dir, 'a'), '--admin-token', ADMIN, '--listen', `/ip4/${addr.a}/tcp/0`, '--udp-host', addr.a, '--http-host', addr.a, '--bootstrap', rFor(addr.ra)], { command: inNs(ns.a), timeoutMs: 100_000 })
    nodes.c = await spawnNode(['--data-dir', join(dir, 'c'), '--admin-token', ADMIN, '--listen', `/ip4/${addr.c}/tcp/0`, '--udp-host', addr.c, '--http-host', addr.c, '--bootstrap', rFor(addr.rc)], { command: inNs(ns.c), timeoutMs: 100_000 })
    // No route A→C: the kernel says so at once.
    expect(() => sh('ip', 'netns', 'exec', ns.a, 'ping', '-c', '1', '-W', '1', addr.c)).toThrow()
    // A hears of C from R (peer exchange) but cannot connect to it.
    await waitFor(async () => {
      const peers = ops(ns.a, `${nodes.a!.ready.httpUrl}/api/v1/peers`).peers as Array<{ peerId: string, connected: boolean }>
      return peers.some(p => p.peerId === nodes.c!.ready.peerId) && peers.some(p => p.peerId === nodes.r!.ready.peerId && p.connected)
    }, 30_000, 500)
    const cPeer = (ops(ns.a, `${nodes.a.ready.httpUrl}/api/v1/peers`).peers as Array<{ peerId: string, connected: boolean }>).find(p => p.peerId === nodes.c!.ready.peerId)
    expect(cPeer?.connected).toBe(false)

    const bytes = 16 * 1024 * 1024
    const result = ops(ns.a, `${nodes.a.ready.httpUrl}/api/v1/bench`, { peerId: nodes.c.ready.peerId, bytes, policy: 'fixed', targetBitsPerSec: 200e6 })
    expect(result.code).toBeUndefined()
    expect(result).toMatchObject({ peerId: nodes.c.ready.peerId, bytes, via: nodes.r.ready.peerId })
    expect(result.mbps).toBeGreaterThan(0)
    // C recorded a complete test transfer from R (the relay is the peer it saw).
    const cTransfers = ops(ns.c, `${nodes.c.ready.httpUrl}/api/v1/transfers`)
    expect(cTransfers.recent[0]).toMatchObject({ direction: 'bench', outcome: 'complete', bytes, peer: nodes.r.ready.peerId })
  })
})
