// Real in-process mesh hosts on loopback: every host learns every other (id and addresses) from one bootstrap address by push gossip, while each holds connections to only a bounded set of neighbours.
import { describe, it, expect, afterAll } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { MeshHost } from '../../src/mesh/mesh-host.js'
import { PeerTable } from '../../src/mesh/peer-table.js'

const hosts: MeshHost[] = []

afterAll(async () => { await Promise.all(hosts.map(async h => { await h.stop() })) })

async function startHost (bootstrap: string[], neighbours: number): Promise<{ host: MeshHost, table: PeerTable }> {
  const table = new PeerTable({ nowMs: Date.now })
  const name = `h${hosts.length}`
  const host = new MeshHost({
    listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap, peerExchangeIntervalMs: 500, pingIntervalMs: 10_000, neighbours, self: () => ({ name })
  }, { privateKey: await generateKeyPair('Ed25519'), peerTable: table })
  await host.start()
  hosts.push(host)
  return { host, table }
}

async function until (check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

describe('MeshHost gossip', () => {
  it('8 hosts from one bootstrap address know each other with 2 dialled neighbours each', async () => {
    const boot = await startHost([], 2)
    const bootAddr = `${boot.host.multiaddrs[0]}`
    const rest = []
    for (let i = 0; i < 7; i++) rest.push(await startHost([bootAddr], 2))
    const all = [boot, ...rest]
    const knowsAll = (n: { host: MeshHost, table: PeerTable }): boolean => all.every(o => o === n || (n.table.get(o.host.peerId)?.multiaddrs.length ?? 0) > 0)
    await until(() => all.every(knowsAll), 20_000)
    // Names travel with the announcements, also to hosts that never connected to each other.
    const last = rest[rest.length - 1]
    expect(rest[0].table.get(last.host.peerId)?.name).toBe('h7')
    // Not a full mesh: the hosts that joined through the bootstrap hold fewer than all 7 connections.
    const connected = rest.map(n => n.table.list().filter(p => p.connected).length)
    expect(Math.min(...connected)).toBeLessThan(7)
  }, 30_000)
})
