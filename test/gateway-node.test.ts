// End to end on real node processes: tus-js-client uploads to one node through a breaking link, and `curl -C -` resumes the package zip from another node, which streams it from the first over the mesh.
import { createHash, randomBytes } from 'node:crypto'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { Upload } from 'tus-js-client'
import { verifyTransferReceipt } from '@ferry/protocol/token/transfer-receipt'
import { spawnNode, waitFor, type NodeProcess } from './node-spawn.js'
import { testPortal, type TestPortal } from './node-client.js'

const run = promisify(execFile)
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')
const MiB = 1024 * 1024

let dir: string
let portal: TestPortal
let holder: NodeProcess
let near: NodeProcess
const files = new Map<string, Buffer>([
  ['video/take 1.bin', randomBytes(12 * MiB)],
  ['empty.txt', Buffer.alloc(0)],
  ['Ünïcödé/日本語 ファイル 🚢.txt', Buffer.from('こんにちは')],
  [`long/${'ü'.repeat(120)}.txt`, Buffer.from('a name of 245 bytes')]
])

/** A TCP proxy whose first connection breaks after `afterBytes` in one direction, like a dropped link. */
async function breakingLink (targetUrl: string, direction: 'up' | 'down', afterBytes: number): Promise<{ url: string, close: () => Promise<void> }> {
  const target = new URL(targetUrl)
  let first = true
  const sockets = new Set<Socket>()
  const server = createServer(client => {
    const upstream = connect(Number(target.port), target.hostname)
    sockets.add(client).add(upstream)
    const breaks = first
    first = false
    let counted = 0
    const relay = (from: Socket, to: Socket, counting: boolean): void => {
      from.on('data', (chunk: Buffer) => {
        if (breaks && counting && (counted += chunk.length) >= afterBytes) {
          to.end(chunk.subarray(0, chunk.length - (counted - afterBytes)))
          from.destroy()
          return
        }
        to.write(chunk)
      })
    }
    relay(client, upstream, direction === 'up')
    relay(upstream, client, direction === 'down')
    for (const s of [client, upstream]) s.on('close', () => { client.destroy(); upstream.destroy() }).on('error', () => {})
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: async () => { for (const s of sockets) s.destroy(); await new Promise(resolve => server.close(resolve)) }
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-gateway-e2e-'))
  portal = await testPortal()
  await writeFile(join(dir, 'portal-keys.json'), JSON.stringify(portal.jwks))
  holder = await spawnNode(['--data-dir', join(dir, 'holder'), '--name', 'holder', '--portal-jwks-file', join(dir, 'portal-keys.json')], { timeoutMs: 60_000 })
  near = await spawnNode(['--data-dir', join(dir, 'near'), '--name', 'near', '--portal-jwks-file', join(dir, 'portal-keys.json'), '--bootstrap', holder.ready.multiaddrs[0]!], { timeoutMs: 60_000 })
})

afterAll(async () => {
  await near?.kill('SIGTERM')
  await holder?.kill('SIGTERM')
  await rm(dir, { recursive: true, force: true })
})

// Real processes on a shared 2-core machine: generous start-up and test timeouts, bounded all the same.
describe('browser gateway on real nodes', { timeout: 120_000 }, () => {
  it('takes a folder by tus-js-client through a breaking link, then signs a receipt the portal can verify', async () => {
    const token = await portal.token({ aud: holder.ready.peerId, pkg: 'pkg-e2e' })
    const link = await breakingLink(holder.ready.httpUrl, 'up', 5 * MiB)
    try {
      for (const [path, data] of files) {
        await new Promise<void>((resolve, reject) => {
          new Upload(data, {
            endpoint: `${link.url}/gateway/v1/uploads`,
            headers: { Authorization: `Bearer ${token}` },
            metadata: { pkg: 'pkg-e2e', path, sha256: sha256(data) },
            retryDelays: [0, 100, 300, 1000],
            onSuccess: () => { resolve() },
            onError: reject
          }).start()
        })
      }
    } finally { await link.close() }
    const folder = await fetch(`${holder.ready.httpUrl}/gateway/v1/packages/pkg-e2e/folders`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ path: 'an empty folder' }) })
    expect(folder.status).toBe(201)
    const traversal = await fetch(`${holder.ready.httpUrl}/gateway/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0', 'upload-length': '1', 'upload-metadata': `pkg ${Buffer.from('pkg-e2e').toString('base64')},path ${Buffer.from('../../etc/passwd').toString('base64')}` } })
    expect(((await traversal.json()) as { code: string }).code).toBe('FERRY_GATEWAY_PATH_TRAVERSAL')

    const complete = await fetch(`${holder.ready.httpUrl}/gateway/v1/packages/pkg-e2e/complete`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ paths: [...files.keys()] }) })
    expect(complete.status).toBe(200)
    const info = await (await fetch(`${holder.ready.httpUrl}/api/v1/info`)).json() as { publicKeyJwk: Record<string, string> }
    const receipt = await verifyTransferReceipt(((await complete.json()) as { receipt: string }).receipt, holder.ready.peerId, info.publicKeyJwk)
    expect(new Map(receipt.files.map(f => [f.path, f.sha256]))).toEqual(new Map([...files].map(([path, data]) => [path, sha256(data)])))
  })

  it('resumes a broken zip download with curl -C - from a node that streams it from the holder over the mesh', async () => {
    const token = await portal.token({ aud: near.ready.peerId, pkg: 'pkg-e2e', dir: 'download' })
    const direct = `${near.ready.httpUrl}/gateway/v1/packages/pkg-e2e/zip?token=${token}`
    await waitFor(async () => (await fetch(direct, { method: 'HEAD' })).status === 200, 60_000)
    const out = join(dir, 'pkg.zip')
    const link = await breakingLink(near.ready.httpUrl, 'down', 4 * MiB)
    try {
      const url = `${link.url}/gateway/v1/packages/pkg-e2e/zip?token=${token}`
      expect(await run('curl', ['-sS', '-f', '-o', out, url]).then(() => 0, (err: { code: number }) => err.code)).not.toBe(0)
      const { stdout } = await run('curl', ['-sS', '-f', '-C', '-', '-o', out, '-w', '%{http_code}', url])
      expect(stdout).toBe('206')
    } finally { await link.close() }
    const atHolder = Buffer.from(await (await fetch(`${holder.ready.httpUrl}/gateway/v1/packages/pkg-e2e/zip?token=${await portal.token({ aud: holder.ready.peerId, pkg: 'pkg-e2e', dir: 'download' })}`)).arrayBuffer())
    expect((await readFile(out)).equals(atHolder)).toBe(true)
    expect((await run('unzip', ['-t', out])).stdout).toContain('No errors detected')
    const script = 'import hashlib, json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()}))'
    const listing = JSON.parse((await run('python3', ['-c', script, out])).stdout) as Record<string, string>
    expect(listing).toEqual({ ...Object.fromEntries([...files].map(([path, data]) => [path, sha256(data)])), 'an empty folder/': sha256(Buffer.alloc(0)) })
  })

  it('resumes a broken download of one file with curl -C -', async () => {
    const token = await portal.token({ aud: holder.ready.peerId, pkg: 'pkg-e2e', dir: 'download' })
    const out = join(dir, 'take.bin')
    const link = await breakingLink(holder.ready.httpUrl, 'down', 3 * MiB)
    try {
      const url = `${link.url}/gateway/v1/packages/pkg-e2e/files/video/take%201.bin?token=${token}`
      expect(await run('curl', ['-sS', '-f', '-o', out, url]).then(() => 0, (err: { code: number }) => err.code)).not.toBe(0)
      await run('curl', ['-sS', '-f', '-C', '-', '-o', out, url])
    } finally { await link.close() }
    expect(sha256(await readFile(out))).toBe(sha256(files.get('video/take 1.bin')!))
  })
})
