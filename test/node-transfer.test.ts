// A client uploads a folder of mixed files to node A over the real control plane and UDP driver; A replicates it to B; every SHA-256 and receipt checks out.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Libp2p } from 'libp2p'
import { UdpEndpoint } from '../protocol/src/driver/index.js'
import { verifyTransferReceipt } from '../protocol/src/token/transfer-receipt.js'
import { spawnNode, waitFor, type NodeProcess } from './node-spawn.js'
import { testPortal, testClientHost, openTransfer, folderFiles, type TestPortal } from './node-client.js'

const ADMIN = 'admin-token-for-tests-0123456789'
const RATE = { policy: 'fixed' as const, targetBitsPerSec: 400e6, minBitsPerSec: 1e6 }
let a: NodeProcess
let b: NodeProcess
let portal: TestPortal
let host: Libp2p
let client: UdpEndpoint
let dir: string

async function info (n: NodeProcess): Promise<{ peerId: string, publicKeyJwk: Record<string, string> }> {
  return await (await fetch(`${n.ready.httpUrl}/api/v1/info`)).json() as { peerId: string, publicKeyJwk: Record<string, string> }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-transfer-'))
  portal = await testPortal()
  await writeFile(join(dir, 'keys.json'), JSON.stringify(portal.jwks))
  a = await spawnNode(['--data-dir', join(dir, 'a'), '--name', 'a', '--admin-token', ADMIN, '--portal-jwks-file', join(dir, 'keys.json')])
  b = await spawnNode(['--data-dir', join(dir, 'b'), '--name', 'b', '--admin-token', ADMIN, '--portal-jwks-file', join(dir, 'keys.json'), '--bootstrap', a.ready.multiaddrs[0]])
  host = await testClientHost()
  client = await UdpEndpoint.bind({ host: '127.0.0.1', port: 0 })
  const src = join(dir, 'src')
  await mkdir(join(src, 'deep', 'er', 'still'), { recursive: true })
  await mkdir(join(src, 'ünïcödé'), { recursive: true })
  await writeFile(join(src, 'empty.txt'), '')
  await writeFile(join(src, 'hello.txt'), 'hello, ferry\n')
  await writeFile(join(src, 'deep', 'er', 'still', 'random.bin'), randomBytes(6 * 1024 * 1024 + 17))
  await writeFile(join(src, 'ünïcödé', 'naïve file.dat'), randomBytes(70_000))
  for (let i = 0; i < 20; i++) await writeFile(join(src, 'deep', `small-${i}.txt`), `file ${i}\n`.repeat(i * 10))
})

afterAll(async () => {
  await client?.close()
  await host?.stop()
  await Promise.all([a?.kill('SIGTERM'), b?.kill('SIGTERM')])
  await rm(dir, { recursive: true, force: true })
})

describe('upload, replication and download between real nodes', () => {
  it('uploads a folder to A; A replicates to B; a download from B matches byte for byte', async () => {
    const files = await folderFiles(join(dir, 'src'))
    const pkg = 'pkg-e2e-1'
    const infoA = await info(a)
    const infoB = await info(b)

    // 1. client → A
    const up = await openTransfer(host, a.ready.multiaddrs[0], {
      token: await portal.token({ aud: a.ready.peerId, pkg }), direction: 'upload', manifest: files.map(f => ({ path: f.path, sizeBytes: f.sizeBytes })), rate: RATE
    })
    const { accept } = up
    const sent = client.send({
      connectionId: accept.connectionId, secret: Buffer.from(accept.secret, 'base64'), role: 'initiator', remote: { host: accept.udpHost, port: accept.udpPort },
      files: files.map(f => ({ relativePath: f.path, absolutePath: f.absolutePath, sizeBytes: f.sizeBytes })), rate: RATE
    })
    const [sendResult, complete] = await Promise.all([sent, up.complete()])
    expect(sendResult.files.map(f => f.sha256).sort()).toEqual(files.map(f => f.sha256).sort())
    const receiptA = await verifyTransferReceipt(complete.receipt, a.ready.peerId, infoA.publicKeyJwk)
    expect(receiptA).toMatchObject({ pkg, dir: 'upload', sub: 'user-1' })
    expect(receiptA.files.map(f => [f.path, f.sizeBytes, f.sha256]).sort()).toEqual(files.map(f => [f.path, f.sizeBytes, f.sha256]).sort())

    // 2. A → B on an admin call, with a download token for A and an upload token for B
    const res = await fetch(`${a.ready.httpUrl}/api/v1/replications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        pkg,
        sourceToken: await portal.token({ aud: a.ready.peerId, pkg, dir: 'download', sub: 'node:b' }),
        targetToken: await portal.token({ aud: b.ready.peerId, pkg, dir: 'upload', sub: 'node:a' }),
        targetPeerId: b.ready.peerId,
        targetMultiaddrs: b.ready.multiaddrs
      })
    })
    expect(res.status, await res.clone().text()).toBe(202)
    const { id } = await res.json() as { id: string }
    let status: { state: string, receipt?: string, error?: unknown, bytesDone: number, bytesTotal: number } = { state: 'running', bytesDone: 0, bytesTotal: 0 }
    await waitFor(async () => {
      status = await (await fetch(`${a.ready.httpUrl}/api/v1/replications/${id}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as typeof status
      return status.state !== 'running'
    }, 30_000, 200)
    expect(status.error).toBeUndefined()
    expect(status.state).toBe('complete')
    const receiptB = await verifyTransferReceipt(status.receipt as string, b.ready.peerId, infoB.publicKeyJwk)
    expect(receiptB.files.map(f => [f.path, f.sha256]).sort()).toEqual(files.map(f => [f.path, f.sha256]).sort())

    // 3. client ← B, into a fresh folder, every SHA-256 checked by the driver and compared here
    const down = await openTransfer(host, b.ready.multiaddrs[0], { token: await portal.token({ aud: b.ready.peerId, pkg, dir: 'download' }), direction: 'download' })
    const got = client.receive({
      connectionId: down.accept.connectionId, secret: Buffer.from(down.accept.secret, 'base64'), role: 'initiator',
      remote: { host: down.accept.udpHost, port: down.accept.udpPort }, destinationDir: join(dir, 'out'), journalPath: join(dir, 'out.journal')
    })
    const [recvResult, downComplete] = await Promise.all([got, down.complete()])
    expect(recvResult.files.length).toBe(files.length)
    const back = await folderFiles(join(dir, 'out'))
    expect(back.map(f => [f.path, f.sizeBytes, f.sha256])).toEqual(files.map(f => [f.path, f.sizeBytes, f.sha256]))
    expect((await verifyTransferReceipt(downComplete.receipt, b.ready.peerId, infoB.publicKeyJwk)).dir).toBe('download')

    // 4. the manifest on B says every file is complete
    const manifest = await (await fetch(`${b.ready.httpUrl}/api/v1/packages/${pkg}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as { files: Array<{ complete: boolean }> }
    expect(manifest.files).toHaveLength(files.length)
    expect(manifest.files.every(f => f.complete)).toBe(true)
  })
})
