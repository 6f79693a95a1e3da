// Clients nobody here wrote, over real sockets: tus-js-client resumes broken and aborted uploads; `curl -C -` resumes a broken file and zip download.
import { createHash, randomBytes } from 'node:crypto'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { Upload } from 'tus-js-client'
import { gatewayFixture, type GatewayFixture } from './gateway-fixture.js'
import { startCuttingProxy } from './cutting-proxy.js'

const run = promisify(execFile)
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')
const MiB = 1024 * 1024

let fx: GatewayFixture
let port: number
let work: string
const sent = new Map<string, Buffer>()

beforeAll(async () => {
  fx = await gatewayFixture()
  await fx.app.listen({ host: '127.0.0.1', port: 0 })
  port = (fx.app.server.address() as { port: number }).port
  work = await mkdtemp(join(tmpdir(), 'ferry-interop-'))
})
afterAll(async () => {
  await fx.close()
  await rm(work, { recursive: true, force: true })
})

interface TusRun { url: string | null, firstProgressBytes: number | undefined }

/** Runs one tus-js-client upload to completion (or until `stopAfterChunks` chunks were acknowledged, then aborts). */
async function tusUpload (data: Buffer, path: string, endpointPort: number, options: { uploadUrl?: string, chunkSize?: number, stopAfterChunks?: number } = {}): Promise<TusRun> {
  const token = await fx.token()
  return await new Promise<TusRun>((resolve, reject) => {
    let chunks = 0
    let firstProgressBytes: number | undefined
    const upload: Upload = new Upload(data, {
      endpoint: `http://127.0.0.1:${endpointPort}/gateway/v1/uploads`,
      ...(options.uploadUrl === undefined ? {} : { uploadUrl: options.uploadUrl }),
      ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
      headers: { Authorization: `Bearer ${token}` },
      metadata: { pkg: 'pkg-1', path, sha256: sha256(data) },
      retryDelays: [0, 50, 100, 200, 400, 800],
      onProgress: bytes => { firstProgressBytes ??= bytes },
      onChunkComplete: () => {
        if (options.stopAfterChunks !== undefined && ++chunks >= options.stopAfterChunks) {
          void upload.abort().then(() => resolve({ url: upload.url, firstProgressBytes }), reject)
        }
      },
      onSuccess: () => { resolve({ url: upload.url, firstProgressBytes }) },
      onError: reject
    })
    upload.start()
  })
}

describe('tus-js-client', () => {
  it('uploads through a link that breaks mid-file and resumes by itself', async () => {
    const data = randomBytes(8 * MiB)
    const proxy = await startCuttingProxy(port, { direction: 'up', afterBytes: 3 * MiB })
    try {
      await tusUpload(data, 'big/broken-link.bin', proxy.port)
      expect(proxy.connections()).toBeGreaterThan(1)
      // Resumed, not restarted: what crossed the link is about the file once, not 3 MiB more.
      expect(proxy.bytesUp()).toBeLessThan(data.length + 512 * 1024)
    } finally { await proxy.close() }
    expect(await fx.store.getEntry('pkg-1', 'big/broken-link.bin')).toMatchObject({ complete: true, sha256: sha256(data) })
    sent.set('big/broken-link.bin', data)
  })

  it('resumes an upload the user paused, from the URL of the first attempt', async () => {
    const data = randomBytes(5 * MiB)
    const first = await tusUpload(data, 'paused.bin', port, { chunkSize: MiB, stopAfterChunks: 2 })
    expect(first.url).toMatch(/\/gateway\/v1\/uploads\/[0-9a-f]{32}$/)
    expect(await fx.store.uploadOffset(first.url!.split('/').pop()!)).toBe(2 * MiB)
    const second = await tusUpload(data, 'paused.bin', port, { uploadUrl: first.url!, chunkSize: MiB })
    expect(second.firstProgressBytes).toBeGreaterThanOrEqual(2 * MiB)
    expect(await fx.store.getEntry('pkg-1', 'paused.bin')).toMatchObject({ complete: true, sha256: sha256(data) })
    sent.set('paused.bin', data)
  })

  it('uploads an empty file and Unicode names', async () => {
    for (const [path, data] of [['empty.txt', Buffer.alloc(0)], ['Ünïcödé/日本語 ファイル 🚢.txt', Buffer.from('こんにちは')]] as const) {
      await tusUpload(data, path, port)
      sent.set(path, data)
    }
    expect(await fx.store.getEntry('pkg-1', 'empty.txt')).toMatchObject({ complete: true, sizeBytes: 0 })
  })
})

describe('curl -C -', () => {
  it('resumes a broken download of one file', async () => {
    const path = 'big/broken-link.bin'
    const data = sent.get(path)!
    const token = await fx.token({ dir: 'download' })
    const out = join(work, 'file.bin')
    const proxy = await startCuttingProxy(port, { direction: 'down', afterBytes: 2 * MiB })
    try {
      const broken = await run('curl', ['-sS', '-f', '-o', out, `http://127.0.0.1:${proxy.port}/gateway/v1/packages/pkg-1/files/${path}?token=${token}`]).then(() => 0, (err: { code: number }) => err.code)
      expect(broken).not.toBe(0)
      const partial = await readFile(out)
      expect(partial.length).toBeGreaterThan(0)
      expect(partial.length).toBeLessThan(data.length)
      await run('curl', ['-sS', '-f', '-C', '-', '-o', out, `http://127.0.0.1:${proxy.port}/gateway/v1/packages/pkg-1/files/${path}?token=${token}`])
    } finally { await proxy.close() }
    expect(sha256(await readFile(out))).toBe(sha256(data))
  })

  it('resumes a broken download of the package zip, whose entries then verify', async () => {
    await fx.app.inject({ method: 'POST', url: '/gateway/v1/packages/pkg-1/folders', headers: { authorization: `Bearer ${await fx.token()}` }, payload: { path: 'an empty folder' } })
    const token = await fx.token({ dir: 'download' })
    const out = join(work, 'pkg.zip')
    const proxy = await startCuttingProxy(port, { direction: 'down', afterBytes: 5 * MiB })
    const url = `http://127.0.0.1:${proxy.port}/gateway/v1/packages/pkg-1/zip?token=${token}`
    try {
      const broken = await run('curl', ['-sS', '-f', '-o', out, url]).then(() => 0, (err: { code: number }) => err.code)
      expect(broken).not.toBe(0)
      const { stdout } = await run('curl', ['-sS', '-f', '-C', '-', '-o', out, '-w', '%{http_code}', url])
      expect(stdout).toBe('206')
    } finally { await proxy.close() }
    const whole = await readFile(out)
    const direct = await fetch(`http://127.0.0.1:${port}/gateway/v1/packages/pkg-1/zip?token=${token}`)
    expect(Number(direct.headers.get('content-length'))).toBe(whole.length)
    expect(Buffer.from(await direct.arrayBuffer()).equals(whole)).toBe(true)

    const { stdout: tested } = await run('unzip', ['-t', out])
    expect(tested).toContain('No errors detected')
    const script = 'import hashlib, json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()}))'
    const { stdout: listing } = await run('python3', ['-c', script, out])
    const expected: Record<string, string> = { 'an empty folder/': sha256(Buffer.alloc(0)) }
    for (const [path, data] of sent) expected[path] = sha256(data)
    expect(JSON.parse(listing)).toEqual(expected)
  })
})
