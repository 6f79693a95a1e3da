// A node killed with kill -9 mid-upload resumes on restart and the client resends only what is missing; a full disk gives a coded error, no half file, and resumes once freed.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtemp, rm, writeFile, mkdir, readdir, statfs } from 'node:fs/promises'
import { execFileSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { readdirSync, readlinkSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Libp2p } from 'libp2p'
import { UdpEndpoint } from '../protocol/src/driver/index.js'
import { verifyTransferReceipt } from '../protocol/src/token/transfer-receipt.js'
import { spawnNode, type NodeProcess } from './node-spawn.js'
import { testPortal, testClientHost, openTransfer, folderFiles, type TestPortal } from './node-client.js'

/** Slow enough on loopback that the test can act mid-transfer, fast enough to finish in seconds. */
const RATE = { policy: 'fixed' as const, targetBitsPerSec: 60e6, minBitsPerSec: 1e6 }
let portal: TestPortal
let host: Libp2p
let client: UdpEndpoint
let dir: string
const nodes: NodeProcess[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-resume-'))
  portal = await testPortal()
  await writeFile(join(dir, 'keys.json'), JSON.stringify(portal.jwks))
  host = await testClientHost()
  client = await UdpEndpoint.bind({ host: '127.0.0.1', port: 0 })
})

afterAll(async () => {
  await client?.close()
  await host?.stop()
  await Promise.all(nodes.map(async n => { await n.kill() }))
  try { execFileSync('umount', ['-l', join(dir, 'full', 'store')], { stdio: 'ignore' }) } catch { /* not mounted */ }
  await rm(dir, { recursive: true, force: true })
})

const ADMIN = 'admin-token-for-tests-0123456789'

async function startNode (dataDir: string): Promise<NodeProcess> {
  const n = await spawnNode(['--data-dir', dataDir, '--portal-jwks-file', join(dir, 'keys.json'), '--admin-token', ADMIN])
  nodes.push(n)
  return n
}

/**
 * A UDP hop between the client and a node that counts the DATA datagrams the client sent before the node's first
 * datagram reached it (the packet type is the cleartext low nibble of byte 0, SPEC.md §3.1).
 */
async function countingHop (target: { host: string, port: number }): Promise<{ port: number, dataBeforeReply: () => number, close: () => void }> {
  const socket = createSocket('udp4')
  let client: { address: string, port: number } | undefined
  let replied = false
  let data = 0
  socket.on('message', (msg, from) => {
    if (from.address === target.host && from.port === target.port) {
      replied = true
      if (client !== undefined) socket.send(msg, client.port, client.address)
      return
    }
    client = { address: from.address, port: from.port }
    if (!replied && (msg[0]! & 0x0f) === 2) data++
    socket.send(msg, target.port, target.host)
  })
  await new Promise<void>(resolve => socket.bind(0, '127.0.0.1', resolve))
  return { port: socket.address().port, dataBeforeReply: () => data, close: () => socket.close() }
}

/**
 * Runs one upload attempt, the client told whether the node resumes as a real client is (`accept.resume.receiverResuming`);
 * `during` is called on each client progress report and may stop the attempt by returning true.
 */
async function attempt (node: NodeProcess, pkg: string, files: Awaited<ReturnType<typeof folderFiles>>, during?: (bytesDone: number) => Promise<boolean> | boolean) {
  const control = await openTransfer(host, node.ready.multiaddrs[0], { token: await portal.token({ aud: node.ready.peerId, pkg }), direction: 'upload', manifest: files.map(f => ({ path: f.path, sizeBytes: f.sizeBytes })), rate: RATE })
  const abort = new AbortController()
  let stopping = false
  const pending = files.filter(f => !control.accept.resume.completePaths.includes(f.path))
  const hop = await countingHop({ host: control.accept.udpHost, port: control.accept.udpPort })
  const sending = client.send({
    connectionId: control.accept.connectionId, secret: Buffer.from(control.accept.secret, 'base64'), role: 'initiator',
    remote: { host: '127.0.0.1', port: hop.port }, files: pending.map(f => ({ relativePath: f.path, absolutePath: f.absolutePath, sizeBytes: f.sizeBytes })),
    rate: RATE, receiverResuming: control.accept.resume.receiverResuming === true, signal: abort.signal, idleTimeoutMs: 4000, progressIntervalMs: 50,
    onProgress: p => { if (during !== undefined && !stopping) void Promise.resolve(during(p.bytesDone)).then(stop => { if (stop) { stopping = true; abort.abort() } }) }
  })
  const [sent, done] = await Promise.allSettled([sending, control.complete()])
  hop.close()
  return { sent, done, receiverResuming: control.accept.resume.receiverResuming, dataBeforeReply: hop.dataBeforeReply() }
}

/** Paths under `root` that process `pid` holds open. */
function openUnder (pid: number, root: string): string[] {
  return readdirSync(`/proc/${pid}/fd`).map(fd => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`) } catch { return '' } }).filter(p => p.startsWith(root))
}

async function namesUnder (root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true, withFileTypes: true })).filter(e => e.isFile()).map(e => e.name)
}

describe('resume on real nodes', () => {
  it('kill -9 of the receiving node mid-upload: restart resumes, nothing verified is lost or resent', async () => {
    const src = join(dir, 'src-kill')
    await mkdir(src, { recursive: true })
    for (let i = 0; i < 6; i++) await writeFile(join(src, `small-${i}.txt`), randomBytes(2000 + i))
    await writeFile(join(src, 'big.bin'), randomBytes(24 * 1024 * 1024))
    const files = await folderFiles(src)
    const total = files.reduce((n, f) => n + f.sizeBytes, 0)
    const dataDir = join(dir, 'kill')
    const first = await startNode(dataDir)
    let doneBeforeKill = 0
    const firstRun = await attempt(first, 'pkg-kill', files, async bytesDone => {
      // Past 40% and at least one journal checkpoint (1 s) later, the node dies without warning.
      if (bytesDone < total * 0.4) return false
      doneBeforeKill = bytesDone
      await new Promise(resolve => setTimeout(resolve, 1200))
      await first.kill('SIGKILL')
      return true
    })
    expect(firstRun.sent.status).toBe('rejected')
    expect(firstRun.done.status).toBe('rejected')
    expect(doneBeforeKill).toBeGreaterThan(0)
    expect(firstRun.receiverResuming).toBeUndefined()

    const second = await startNode(dataDir)
    expect(second.ready.peerId).toBe(first.ready.peerId)
    const secondRun = await attempt(second, 'pkg-kill', files)
    if (secondRun.sent.status === 'rejected') throw secondRun.sent.reason
    if (secondRun.done.status === 'rejected') throw secondRun.done.reason
    // The node said it resumes from its journal, so the client sent no first flight: no data before the node's reply (SPEC.md §4.2.1).
    expect(secondRun.receiverResuming).toBe(true)
    expect(secondRun.dataBeforeReply).toBe(0)
    // The restarted node kept what it had verified: the client resent well under the whole package.
    expect(secondRun.sent.value.payloadBytesSent).toBeLessThan(total - doneBeforeKill * 0.5)
    const info = await (await fetch(`${second.ready.httpUrl}/api/v1/info`)).json() as { publicKeyJwk: Record<string, string> }
    const receipt = await verifyTransferReceipt(secondRun.done.value.receipt, second.ready.peerId, info.publicKeyJwk)
    expect(receipt.files.map(f => [f.path, f.sha256]).sort()).toEqual(files.map(f => [f.path, f.sha256]).sort())
  })

  it('full disk on the receiver: coded error, no half file under a final name, resumes once space is freed', async (ctx) => {
    if (process.getuid?.() !== 0) ctx.skip()
    const dataDir = join(dir, 'full')
    const storeDir = join(dataDir, 'store')
    await mkdir(storeDir, { recursive: true })
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=40m', 'tmpfs', storeDir], { stdio: 'ignore' })
    } catch {
      ctx.skip()
    }
    const src = join(dir, 'src-full')
    await mkdir(src, { recursive: true })
    await writeFile(join(src, 'a.bin'), randomBytes(3 * 1024 * 1024))
    await writeFile(join(src, 'b.bin'), randomBytes(10 * 1024 * 1024))
    const files = await folderFiles(src)
    const total = files.reduce((n, f) => n + f.sizeBytes, 0)
    const node = await startNode(dataDir)
    const filler = join(storeDir, 'filler')
    // Something else has filled the disk until just the package's bytes fit: the node admits the upload, and the
    // disk runs out near its end (the resume journal and folder blocks need room too).
    const fs = await statfs(storeDir)
    await writeFile(filler, Buffer.alloc(Number(fs.bavail) * Number(fs.bsize) - total))
    const firstRun = await attempt(node, 'pkg-full', files)
    expect(firstRun.done.status).toBe('rejected')
    expect((firstRun.done as PromiseRejectedResult).reason.code).toBe('FERRY_NODE_DISK_FULL')
    // Nothing incomplete sits under a final name: the package lists only whole, verified files, and every stored byte matches its source.
    const listed = await fetch(`${node.ready.httpUrl}/api/v1/packages/pkg-full`, { headers: { authorization: `Bearer ${ADMIN}` } })
    const kept = listed.ok ? ((await listed.json()) as { files: Array<{ path: string, sha256: string, complete: boolean }> }).files : []
    for (const f of kept) {
      expect(f.complete).toBe(true)
      expect(f.sha256).toBe(files.find(s => s.path === f.path)?.sha256)
    }
    const stored = await folderFiles(join(storeDir, 'files')).catch(() => [])
    expect(stored.map(f => f.sha256).sort()).toEqual(kept.map(f => f.sha256).sort())
    expect(await namesUnder(join(storeDir, 'staging')).catch(() => []), JSON.stringify(kept)).toEqual([])

    // The failed receive closed its partial files before the error reached the client: the node holds no descriptor in the store.
    expect(openUnder(node.child.pid!, storeDir)).toEqual([])
    await rm(filler)
    const secondRun = await attempt(node, 'pkg-full', files)
    if (secondRun.done.status === 'rejected') throw secondRun.done.reason
    if (secondRun.sent.status === 'rejected') throw secondRun.sent.reason
    expect(secondRun.sent.value.payloadBytesSent).toBeLessThan(total)
    expect(secondRun.done.value.files.map(f => [f.path, f.sha256]).sort()).toEqual(files.map(f => [f.path, f.sha256]).sort())
  })
})
