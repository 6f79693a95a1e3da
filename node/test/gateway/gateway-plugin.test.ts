// The gateway over fastify inject: tus core/creation/termination/expiration, SHA-256 checks, tokens, paths, Range, zip, receipts.
import { createHash } from 'node:crypto'
import { PassThrough } from 'node:stream'
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { verifyTransferReceipt } from '@ferry/protocol/token/transfer-receipt'
import { sweepExpiredUploads } from '../../src/gateway/sweep-expired-uploads.js'
import { gatewayFixture, tusMetadata, NODE_ID, type GatewayFixture } from './gateway-fixture.js'

const TUS = { 'tus-resumable': '1.0.0' }
const OCTETS = 'application/offset+octet-stream'
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

let fx: GatewayFixture
beforeEach(async () => { fx = await gatewayFixture() })
afterEach(async () => { await fx.close() })

async function create (path: string, lengthBytes: number, token: string, extra: Record<string, string> = {}, body?: Buffer) {
  return await fx.app.inject({
    method: 'POST', url: '/gateway/v1/uploads',
    headers: {
      ...TUS, authorization: `Bearer ${token}`, 'upload-length': String(lengthBytes),
      'upload-metadata': tusMetadata({ pkg: 'pkg-1', path, ...extra }),
      ...(body === undefined ? {} : { 'content-type': OCTETS })
    },
    ...(body === undefined ? {} : { payload: body })
  })
}

async function patch (location: string, offsetBytes: number, body: Buffer, token?: string) {
  return await fx.app.inject({
    method: 'PATCH', url: location,
    headers: { ...TUS, 'content-type': OCTETS, 'upload-offset': String(offsetBytes), ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    payload: body
  })
}

async function uploadWhole (path: string, data: Buffer, token: string): Promise<void> {
  const res = await create(path, data.length, token, { sha256: sha256(data) }, data)
  expect(res.statusCode, res.body).toBe(201)
}

describe('tus protocol', () => {
  it('answers OPTIONS with the tus version, extensions and max size', async () => {
    const res = await fx.app.inject({ method: 'OPTIONS', url: '/gateway/v1/uploads' })
    expect(res.statusCode).toBe(204)
    expect(res.headers['tus-version']).toBe('1.0.0')
    expect(res.headers['tus-extension']).toBe('creation,creation-with-upload,termination,expiration')
    expect(Number(res.headers['tus-max-size'])).toBeGreaterThan(0)
    expect(res.headers['access-control-allow-headers']).toContain('Upload-Offset')
  })

  it('creates, reports the offset, resumes at it and verifies the SHA-256 at the end', async () => {
    const token = await fx.token()
    const data = Buffer.alloc(300_000, 7)
    data.write('hello', 123_456)
    const created = await create('docs/report.bin', data.length, token, { sha256: sha256(data) })
    expect(created.statusCode).toBe(201)
    expect(created.headers['tus-resumable']).toBe('1.0.0')
    expect(created.headers['upload-expires']).toMatch(/GMT$/)
    const location = created.headers.location as string
    expect(location).toMatch(/^\/gateway\/v1\/uploads\/[0-9a-f]{32}$/)

    const first = await patch(location, 0, data.subarray(0, 100_000))
    expect(first.statusCode).toBe(204)
    expect(first.headers['upload-offset']).toBe('100000')

    const head = await fx.app.inject({ method: 'HEAD', url: location, headers: TUS })
    expect(head.statusCode).toBe(200)
    expect(head.headers['upload-offset']).toBe('100000')
    expect(head.headers['upload-length']).toBe(String(data.length))
    expect(head.headers['cache-control']).toBe('no-store')

    const wrongOffset = await patch(location, 50_000, data.subarray(50_000))
    expect(wrongOffset.statusCode).toBe(409)
    expect(wrongOffset.json().code).toBe('FERRY_GATEWAY_UPLOAD_OFFSET')

    const rest = await patch(location, 100_000, data.subarray(100_000), token)
    expect(rest.statusCode).toBe(204)
    expect(rest.headers['upload-offset']).toBe(String(data.length))
    const entry = await fx.store.getEntry('pkg-1', 'docs/report.bin')
    expect(entry).toMatchObject({ complete: true, sizeBytes: data.length, sha256: sha256(data) })
    // A client that missed the last response learns on HEAD that the upload is whole.
    const after = await fx.app.inject({ method: 'HEAD', url: location, headers: TUS })
    expect(after.statusCode).toBe(200)
    expect(after.headers['upload-offset']).toBe(String(data.length))
    const emptyPatch = await patch(location, data.length, Buffer.alloc(0))
    expect(emptyPatch.statusCode).toBe(204)
    expect((await patch(location, 0, Buffer.from('x'))).json().code).toBe('FERRY_GATEWAY_UPLOAD_OFFSET')
    expect((await fx.app.inject({ method: 'HEAD', url: '/gateway/v1/uploads/' + 'f'.repeat(32), headers: TUS })).statusCode).toBe(404)
  })

  it('re-hashes from the partial file when the running digest is gone (as after a restart)', async () => {
    const token = await fx.token()
    const data = Buffer.from('x'.repeat(10_000) + 'y'.repeat(10_000))
    const location = (await create('a.txt', data.length, token, { sha256: sha256(data) })).headers.location as string
    await patch(location, 0, data.subarray(0, 10_000))
    const restarted = await gatewayFixtureSharingStore()
    const res = await restarted.app.inject({ method: 'PATCH', url: location, headers: { ...TUS, 'content-type': OCTETS, 'upload-offset': '10000', authorization: `Bearer ${token}` }, payload: data.subarray(10_000) })
    expect(res.statusCode, res.body).toBe(204)
    expect((await fx.store.getEntry('pkg-1', 'a.txt'))?.sha256).toBe(sha256(data))
    await restarted.app.close()
  })

  it('lets a resuming client\'s HEAD supersede a PATCH that stalled, keeping the bytes it delivered', async () => {
    const stalled = await gatewayFixture({ supersedeAfterMs: 0 })
    try {
      const token = await stalled.token()
      const data = Buffer.alloc(3000, 5)
      const created = await stalled.app.inject({ method: 'POST', url: '/gateway/v1/uploads', headers: { ...TUS, authorization: `Bearer ${token}`, 'upload-length': '3000', 'upload-metadata': tusMetadata({ pkg: 'pkg-1', path: 's.bin', sha256: sha256(data) }) } })
      const location = created.headers.location as string
      const body = new PassThrough()
      const first = stalled.app.inject({ method: 'PATCH', url: location, headers: { ...TUS, 'content-type': OCTETS, 'upload-offset': '0' }, payload: body })
        .then(res => res.json().code, (err: { code: string }) => err.code)
      body.write(data.subarray(0, 1000))
      const id = location.split('/').pop()!
      while (await stalled.store.uploadOffset(id) < 1000) await new Promise(resolve => setImmediate(resolve))
      const head = await stalled.app.inject({ method: 'HEAD', url: location, headers: TUS })
      expect(head.headers['upload-offset']).toBe('1000')
      // Cutting the old body off drops its connection, as it would a real socket.
      expect(await first).toBe('LIGHT_ECONNRESET')
      const rest = await stalled.app.inject({ method: 'PATCH', url: location, headers: { ...TUS, 'content-type': OCTETS, 'upload-offset': '1000' }, payload: data.subarray(1000) })
      expect(rest.statusCode).toBe(204)
      expect((await stalled.store.getEntry('pkg-1', 's.bin'))?.sha256).toBe(sha256(data))
    } finally { await stalled.close() }
  })

  it('refuses a file whose SHA-256 differs and keeps nothing of it', async () => {
    const token = await fx.token()
    const res = await create('bad.bin', 4, token, { sha256: sha256(Buffer.from('good')) }, Buffer.from('evil'))
    expect(res.statusCode).toBe(460)
    expect(res.json().code).toBe('FERRY_GATEWAY_CHECKSUM_MISMATCH')
    expect(await fx.store.getEntry('pkg-1', 'bad.bin')).toBeUndefined()
  })

  it('accepts empty files at creation, and refuses a second upload of a finished path', async () => {
    const token = await fx.token()
    const res = await create('empty.txt', 0, token)
    expect(res.statusCode).toBe(201)
    expect(await fx.store.getEntry('pkg-1', 'empty.txt')).toMatchObject({ complete: true, sizeBytes: 0, sha256: sha256(Buffer.alloc(0)), crc32: 0 })
    const again = await create('empty.txt', 0, token)
    expect(again.statusCode).toBe(409)
    expect(again.json().code).toBe('FERRY_NODE_FILE_EXISTS')
  })

  it('refuses bodies past Upload-Length, sizes past Tus-Max-Size, a wrong Tus-Resumable and a wrong content type', async () => {
    const token = await fx.token()
    const location = (await create('f', 3, token)).headers.location as string
    expect((await patch(location, 0, Buffer.from('four'))).json().code).toBe('FERRY_GATEWAY_UPLOAD_TOO_LARGE')
    expect((await create('g', 2 ** 41, token)).json().code).toBe('FERRY_GATEWAY_UPLOAD_TOO_LARGE')
    const noTus = await fx.app.inject({ method: 'POST', url: '/gateway/v1/uploads', headers: { authorization: `Bearer ${token}`, 'upload-length': '1' } })
    expect(noTus.statusCode).toBe(412)
    expect(noTus.headers['tus-version']).toBe('1.0.0')
    expect(noTus.json().code).toBe('FERRY_GATEWAY_TUS_VERSION')
    const wrongType = await fx.app.inject({ method: 'PATCH', url: location, headers: { ...TUS, 'content-type': 'text/plain', 'upload-offset': '0' }, payload: 'abc' })
    expect(wrongType.statusCode).toBe(415)
    expect(wrongType.json().code).toBe('FERRY_GATEWAY_CONTENT_TYPE')
    const deferred = await fx.app.inject({ method: 'POST', url: '/gateway/v1/uploads', headers: { ...TUS, authorization: `Bearer ${token}`, 'upload-defer-length': '1', 'upload-metadata': tusMetadata({ pkg: 'pkg-1', path: 'h' }) } })
    expect(deferred.json().code).toBe('FERRY_GATEWAY_UPLOAD_LENGTH')
  })

  it('terminates an upload with DELETE: record, partial and incomplete entry go', async () => {
    const token = await fx.token()
    const location = (await create('t.bin', 10, token)).headers.location as string
    await patch(location, 0, Buffer.from('12345'))
    expect((await fx.store.getEntry('pkg-1', 't.bin'))?.complete).toBe(false)
    const res = await fx.app.inject({ method: 'DELETE', url: location, headers: { ...TUS, authorization: `Bearer ${token}` } })
    expect(res.statusCode).toBe(204)
    expect(await fx.store.getEntry('pkg-1', 't.bin')).toBeUndefined()
    expect((await fx.app.inject({ method: 'HEAD', url: location, headers: TUS })).statusCode).toBe(404)
  })

  it('expires idle uploads: 410 after Upload-Expires, and the sweep removes them', async () => {
    const token = await fx.token()
    const a = (await create('a', 10, token)).headers.location as string
    const b = (await create('b', 10, token)).headers.location as string
    fx.clock.nowMs += 25 * 60 * 60 * 1000
    const head = await fx.app.inject({ method: 'HEAD', url: a, headers: TUS })
    expect(head.statusCode).toBe(410)
    const swept = await sweepExpiredUploads(fx.store, fx.clock.nowMs)
    expect(swept).toEqual([b.split('/').pop()])
    expect(await fx.store.listEntries('pkg-1')).toBeUndefined()
  })
})

describe('tokens and paths', () => {
  it('refuses forged, expired, wrong-direction, wrong-package and missing tokens with codes', async () => {
    const good = await fx.token()
    const forged = good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA')
    expect((await create('x', 1, forged)).json().code).toBe('FERRY_TOKEN_SIGNATURE')
    const expired = await fx.token({ iat: Math.floor(fx.clock.nowMs / 1000) - 4000, exp: Math.floor(fx.clock.nowMs / 1000) - 600 })
    expect((await create('x', 1, expired)).json().code).toBe('FERRY_TOKEN_EXPIRED')
    const download = await fx.token({ dir: 'download' })
    const wrongDir = await create('x', 1, download)
    expect(wrongDir.statusCode).toBe(403)
    expect(wrongDir.json().code).toBe('FERRY_TOKEN_SCOPE')
    expect((await create('x', 1, await fx.token({ pkg: 'pkg-2' }))).json().code).toBe('FERRY_TOKEN_SCOPE')
    expect((await create('x', 1, await fx.token({ aud: 'node-b' }))).json().code).toBe('FERRY_TOKEN_AUDIENCE')
    const none = await fx.app.inject({ method: 'POST', url: '/gateway/v1/uploads', headers: { ...TUS, 'upload-length': '1', 'upload-metadata': tusMetadata({ pkg: 'pkg-1', path: 'x' }) } })
    expect(none.statusCode).toBe(401)
    expect(none.json().code).toBe('FERRY_GATEWAY_TOKEN_REQUIRED')
    await uploadWhole('f.txt', Buffer.from('hi'), good)
    const upTokenForDownload = await fx.app.inject({ url: `/gateway/v1/packages/pkg-1/files/f.txt?token=${good}` })
    expect(upTokenForDownload.json().code).toBe('FERRY_TOKEN_SCOPE')
  })

  it('takes the token from Upload-Metadata, then lets the upload URL stand for it until the token expires', async () => {
    const token = await fx.token()
    const res = await fx.app.inject({ method: 'POST', url: '/gateway/v1/uploads', headers: { ...TUS, 'upload-length': '4', 'upload-metadata': tusMetadata({ pkg: 'pkg-1', path: 'm.txt', token }) } })
    expect(res.statusCode).toBe(201)
    const location = res.headers.location as string
    const head = await fx.app.inject({ method: 'HEAD', url: location, headers: TUS })
    expect(head.headers['upload-metadata']).not.toContain('token')
    expect((await patch(location, 0, Buffer.from('ab'))).statusCode).toBe(204)
    fx.clock.nowMs += 31 * 60 * 1000
    const late = await patch(location, 2, Buffer.from('cd'))
    expect(late.json().code).toBe('FERRY_GATEWAY_TOKEN_REQUIRED')
    expect((await patch(location, 2, Buffer.from('cd'), await fx.token())).statusCode).toBe(204)
  })

  it('limits uploads and downloads to the token\'s paths and bytes', async () => {
    const scoped = await fx.token({ paths: ['photos/'] })
    expect((await create('photos/a.jpg', 1, scoped)).statusCode).toBe(201)
    const outside = await create('docs/a.txt', 1, scoped)
    expect(outside.statusCode).toBe(403)
    expect(outside.json().code).toBe('FERRY_GATEWAY_PATH_FORBIDDEN')
    const small = await fx.token({ maxBytes: 100 })
    expect((await create('big.bin', 101, small)).json().code).toBe('FERRY_GATEWAY_BYTE_LIMIT')
    const terminated = (await create('fits.bin', 100, small)).headers.location as string
    expect((await create('fits-too.bin', 1, small)).json().code).toBe('FERRY_GATEWAY_BYTE_LIMIT')
    await fx.app.inject({ method: 'DELETE', url: terminated, headers: { ...TUS, authorization: `Bearer ${small}` } })
    expect((await create('fits.bin', 100, small)).statusCode).toBe(201) // a terminated upload gives its bytes back

    await uploadWhole('data.bin', Buffer.alloc(1000, 1), await fx.token())
    const dl = await fx.token({ dir: 'download', maxBytes: 1500 })
    expect((await fx.app.inject({ url: `/gateway/v1/packages/pkg-1/files/data.bin?token=${dl}` })).statusCode).toBe(200)
    const over = await fx.app.inject({ url: `/gateway/v1/packages/pkg-1/files/data.bin?token=${dl}` })
    expect(over.statusCode).toBe(413)
    expect(over.json().code).toBe('FERRY_GATEWAY_BYTE_LIMIT')
    const ranged = await fx.app.inject({ url: `/gateway/v1/packages/pkg-1/files/data.bin?token=${dl}`, headers: { range: 'bytes=600-' } })
    expect(ranged.statusCode).toBe(206)
    const other = await fx.token({ dir: 'download', paths: ['photos/'] })
    expect((await fx.app.inject({ url: `/gateway/v1/packages/pkg-1/files/data.bin?token=${other}` })).json().code).toBe('FERRY_GATEWAY_PATH_FORBIDDEN')
  })

  it('refuses traversal, absolute, NUL, backslash and over-long names with codes; keeps Unicode and 255-byte names', async () => {
    const token = await fx.token()
    const codeFor = async (path: string): Promise<string> => (await create(path, 1, token)).json().code
    expect(await codeFor('../etc/passwd')).toBe('FERRY_GATEWAY_PATH_TRAVERSAL')
    expect(await codeFor('a/../../b')).toBe('FERRY_GATEWAY_PATH_TRAVERSAL')
    expect(await codeFor('/etc/passwd')).toBe('FERRY_GATEWAY_PATH_ABSOLUTE')
    expect(await codeFor('C:/Windows/x')).toBe('FERRY_GATEWAY_PATH_ABSOLUTE')
    expect(await codeFor('a\0b')).toBe('FERRY_GATEWAY_PATH_INVALID')
    expect(await codeFor('a\\..\\b')).toBe('FERRY_GATEWAY_PATH_INVALID')
    expect(await codeFor('a//b')).toBe('FERRY_GATEWAY_PATH_INVALID')
    expect(await codeFor('é'.repeat(128))).toBe('FERRY_GATEWAY_PATH_TOO_LONG')
    const longName = 'ü'.repeat(125) + '.txt' + 'x' // 125*2 + 5 = 255 bytes
    expect(Buffer.byteLength(longName)).toBe(255)
    await uploadWhole(`日本語/Ελληνικά/${longName}`, Buffer.from('ok'), token)
    await uploadWhole('emoji 🚢/naïve café.txt', Buffer.from('ok2'), token)
    const dl = await fx.token({ dir: 'download' })
    const res = await fx.app.inject({ url: `/gateway/v1/packages/pkg-1/files/${encodeURIComponent('emoji 🚢')}/${encodeURIComponent('naïve café.txt')}?token=${dl}` })
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe('ok2')
    expect(res.headers['content-disposition']).toContain("filename*=UTF-8''na%C3%AFve%20caf%C3%A9.txt")
    const traversal = await fx.app.inject({ url: `/gateway/v1/packages/pkg-1/files/a%2F..%2F..%2Fetc%2Fpasswd?token=${dl}` })
    expect(traversal.json().code).toBe('FERRY_GATEWAY_PATH_TRAVERSAL')
  })
})

describe('manifest and name conflicts', () => {
  it('lists what the node holds, so an uploader knows after a reload which files are done', async () => {
    const token = await fx.token()
    await uploadWhole('done.txt', Buffer.from('done'), token)
    await create('half.bin', 10, token)
    const res = await fx.app.inject({ url: '/gateway/v1/packages/pkg-1/manifest', headers: { authorization: `Bearer ${token}` } })
    expect(res.statusCode).toBe(200)
    expect(res.json().entries).toEqual([
      { path: 'done.txt', kind: 'file', sizeBytes: 4, complete: true, sha256: sha256(Buffer.from('done')) },
      { path: 'half.bin', kind: 'file', sizeBytes: 10, complete: false }
    ])
    const dl = await fx.token({ dir: 'download' })
    expect((await fx.app.inject({ url: `/gateway/v1/packages/pkg-1/manifest?dir=download&token=${dl}` })).statusCode).toBe(200)
    expect((await fx.app.inject({ url: `/gateway/v1/packages/pkg-1/manifest?token=${dl}` })).json().code).toBe('FERRY_TOKEN_SCOPE')
  })

  it('refuses a name that would be both a file and a folder', async () => {
    const token = await fx.token()
    await uploadWhole('a', Buffer.from('file a'), token)
    await uploadWhole('d/x', Buffer.from('x'), token)
    expect((await create('a/b', 1, token)).json()).toMatchObject({ code: 'FERRY_GATEWAY_PATH_CONFLICT', details: { conflictsWith: 'a' } })
    expect((await create('d', 1, token)).json().code).toBe('FERRY_GATEWAY_PATH_CONFLICT')
    const folder = await fx.app.inject({ method: 'POST', url: '/gateway/v1/packages/pkg-1/folders', headers: { authorization: `Bearer ${token}` }, payload: { path: 'a/sub' } })
    expect(folder.json().code).toBe('FERRY_GATEWAY_PATH_CONFLICT')
    expect((await fx.app.inject({ method: 'POST', url: '/gateway/v1/packages/pkg-1/folders', headers: { authorization: `Bearer ${token}` }, payload: { path: '../x' } })).json().code).toBe('FERRY_GATEWAY_PATH_TRAVERSAL')
  })

  it('answers CORS preflights for the browser (the web UI is on the portal\'s origin)', async () => {
    const res = await fx.app.inject({ method: 'OPTIONS', url: '/gateway/v1/uploads/abc', headers: { origin: 'http://portal.example', 'access-control-request-method': 'PATCH' } })
    expect(res.statusCode).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe('http://portal.example')
    expect(res.headers['access-control-allow-methods']).toContain('PATCH')
    expect(res.headers['access-control-expose-headers']).toContain('Upload-Offset')
  })
})

describe('downloads', () => {
  it('serves Range requests: 206, 416, If-Range with the ETag', async () => {
    const data = Buffer.from('0123456789abcdef')
    await uploadWhole('f.bin', data, await fx.token())
    const dl = await fx.token({ dir: 'download' })
    const url = `/gateway/v1/packages/pkg-1/files/f.bin`
    const full = await fx.app.inject({ url, headers: { authorization: `Bearer ${dl}` } })
    expect(full.statusCode).toBe(200)
    expect(full.headers['content-length']).toBe('16')
    expect(full.headers['accept-ranges']).toBe('bytes')
    const etag = full.headers.etag as string
    expect(etag).toBe(`"sha256-${sha256(data)}"`)
    const part = await fx.app.inject({ url, headers: { authorization: `Bearer ${dl}`, range: 'bytes=4-7' } })
    expect(part.statusCode).toBe(206)
    expect(part.body).toBe('4567')
    expect(part.headers['content-range']).toBe('bytes 4-7/16')
    const suffix = await fx.app.inject({ url, headers: { authorization: `Bearer ${dl}`, range: 'bytes=-3' } })
    expect(suffix.body).toBe('def')
    const beyond = await fx.app.inject({ url, headers: { authorization: `Bearer ${dl}`, range: 'bytes=16-' } })
    expect(beyond.statusCode).toBe(416)
    expect(beyond.headers['content-range']).toBe('bytes */16')
    expect(beyond.json().code).toBe('FERRY_GATEWAY_RANGE_UNSATISFIABLE')
    const matching = await fx.app.inject({ url, headers: { authorization: `Bearer ${dl}`, range: 'bytes=10-', 'if-range': etag } })
    expect(matching.statusCode).toBe(206)
    const stale = await fx.app.inject({ url, headers: { authorization: `Bearer ${dl}`, range: 'bytes=10-', 'if-range': '"sha256-other"' } })
    expect(stale.statusCode).toBe(200)
    expect(stale.body).toBe(data.toString())
    const head = await fx.app.inject({ method: 'HEAD', url, headers: { authorization: `Bearer ${dl}` } })
    expect(head.statusCode).toBe(200)
    expect(head.headers['content-length']).toBe('16')
    expect((await fx.app.inject({ url: '/gateway/v1/packages/pkg-1/files/none', headers: { authorization: `Bearer ${dl}` } })).json().code).toBe('FERRY_GATEWAY_FILE_UNKNOWN')
  })

  it('refuses files and zips that are still arriving', async () => {
    const token = await fx.token()
    await create('slow.bin', 10, token)
    const dl = await fx.token({ dir: 'download' })
    expect((await fx.app.inject({ url: `/gateway/v1/packages/pkg-1/files/slow.bin?token=${dl}` })).json().code).toBe('FERRY_GATEWAY_FILE_INCOMPLETE')
    expect((await fx.app.inject({ url: `/gateway/v1/packages/pkg-1/zip?token=${dl}` })).json().code).toBe('FERRY_GATEWAY_PACKAGE_INCOMPLETE')
    expect((await fx.app.inject({ url: `/gateway/v1/packages/pkg-9/zip?token=${await fx.token({ dir: 'download', pkg: 'pkg-9' })}` })).json().code).toBe('FERRY_GATEWAY_PACKAGE_UNKNOWN')
  })

  it('zips a package with an exact Content-Length, byte-identical every time, and serves ranges of it', async () => {
    const token = await fx.token()
    await uploadWhole('b/two.txt', Buffer.from('two'), token)
    await uploadWhole('a.txt', Buffer.from('one'), token)
    await uploadWhole('empty', Buffer.alloc(0), token)
    const folder = await fx.app.inject({ method: 'POST', url: '/gateway/v1/packages/pkg-1/folders', headers: { authorization: `Bearer ${token}` }, payload: { path: 'c/empty-folder' } })
    expect(folder.statusCode).toBe(201)
    const dl = await fx.token({ dir: 'download' })
    const url = `/gateway/v1/packages/pkg-1/zip?token=${dl}`
    const receiptUrl = `/gateway/v1/packages/pkg-1/download-receipt?token=${dl}`
    expect((await fx.app.inject({ url: receiptUrl })).json().code).toBe('FERRY_GATEWAY_DOWNLOAD_INCOMPLETE')
    const first = await fx.app.inject({ url })
    const served = await fx.app.inject({ url: receiptUrl })
    expect(served.statusCode).toBe(200)
    const receipt = await verifyTransferReceipt(served.json().receipt, NODE_ID, fx.nodePublicKey)
    expect(receipt).toMatchObject({ dir: 'download', pkg: 'pkg-1' })
    expect(receipt.files.map(f => f.path)).toEqual(['a.txt', 'b/two.txt', 'empty'])
    expect(first.statusCode).toBe(200)
    expect(first.headers['content-type']).toBe('application/zip')
    expect(Number(first.headers['content-length'])).toBe(first.rawPayload.length)
    fx.clock.nowMs += 60_000
    const second = await fx.app.inject({ url })
    expect(second.rawPayload.equals(first.rawPayload)).toBe(true)
    expect(second.headers.etag).toBe(first.headers.etag)
    const head = await fx.app.inject({ method: 'HEAD', url })
    expect(head.headers['content-length']).toBe(first.headers['content-length'])
    expect(head.rawPayload.length).toBe(0)
    const tail = await fx.app.inject({ url, headers: { range: 'bytes=50-', 'if-range': first.headers.etag as string } })
    expect(tail.statusCode).toBe(206)
    expect(tail.rawPayload.equals(first.rawPayload.subarray(50))).toBe(true)
    const names: string[] = []
    const zip = first.rawPayload
    for (let at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); at >= 0; at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)) {
      names.push(zip.toString('utf8', at + 46, at + 46 + zip.readUInt16LE(at + 28)))
    }
    expect(names).toEqual(['a.txt', 'b/two.txt', 'c/empty-folder/', 'empty'])
  })
})

describe('zip identity across nodes', () => {
  it('gives the same bytes and ETag on a node that stored the files at other times (so curl -C - may switch nodes)', async () => {
    const other = await gatewayFixture()
    try {
      other.clock.nowMs += 3 * 24 * 60 * 60 * 1000
      for (const g of [fx, other]) {
        const token = await g.token()
        for (const [path, data] of [['x/1.txt', Buffer.from('one')], ['2.bin', Buffer.alloc(5000, 2)]] as const) {
          const res = await g.app.inject({ method: 'POST', url: '/gateway/v1/uploads', headers: { ...TUS, authorization: `Bearer ${token}`, 'upload-length': String(data.length), 'upload-metadata': tusMetadata({ pkg: 'pkg-1', path }), 'content-type': OCTETS }, payload: data })
          expect(res.statusCode).toBe(201)
        }
      }
      const here = await fx.app.inject({ url: `/gateway/v1/packages/pkg-1/zip?token=${await fx.token({ dir: 'download' })}` })
      const there = await other.app.inject({ url: `/gateway/v1/packages/pkg-1/zip?token=${await other.token({ dir: 'download' })}` })
      expect(there.headers.etag).toBe(here.headers.etag)
      expect(there.rawPayload.equals(here.rawPayload)).toBe(true)
      expect(here.headers['last-modified']).toBeUndefined()
    } finally { await other.close() }
  })
})

describe('completion', () => {
  it('returns a receipt the portal can verify only once every file is complete', async () => {
    const token = await fx.token()
    await uploadWhole('one.txt', Buffer.from('one'), token)
    await create('two.txt', 3, token)
    const early = await fx.app.inject({ method: 'POST', url: '/gateway/v1/packages/pkg-1/complete', headers: { authorization: `Bearer ${token}` } })
    expect(early.statusCode).toBe(409)
    expect(early.json()).toMatchObject({ code: 'FERRY_GATEWAY_PACKAGE_INCOMPLETE', details: { missing: ['two.txt'] } })
    const notStarted = await fx.app.inject({ method: 'POST', url: '/gateway/v1/packages/pkg-1/complete', headers: { authorization: `Bearer ${token}` }, payload: { paths: ['one.txt', 'three.txt'] } })
    expect(notStarted.json().details.missing).toEqual(['two.txt', 'three.txt'])
    expect((await create('three.txt', 0, token)).statusCode).toBe(201)
    const uploads = [...(await collect(fx.store.listUploads()))]
    await patch(`/gateway/v1/uploads/${uploads[0]!.id}`, 0, Buffer.from('two'))
    const done = await fx.app.inject({ method: 'POST', url: '/gateway/v1/packages/pkg-1/complete', headers: { authorization: `Bearer ${token}` }, payload: { paths: ['one.txt', 'three.txt'] } })
    expect(done.statusCode, done.body).toBe(200)
    const claims = await verifyTransferReceipt(done.json().receipt, NODE_ID, fx.nodePublicKey)
    expect(claims).toMatchObject({ pkg: 'pkg-1', dir: 'upload', sub: 'user-1' })
    expect(claims.files).toEqual([
      { path: 'one.txt', sizeBytes: 3, sha256: sha256(Buffer.from('one')) },
      { path: 'three.txt', sizeBytes: 0, sha256: sha256(Buffer.alloc(0)) },
      { path: 'two.txt', sizeBytes: 3, sha256: sha256(Buffer.from('two')) }
    ])
  })
})

async function collect<T> (items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

/** A second gateway over the same store: what the node looks like after a restart (no running digests in memory). */
async function gatewayFixtureSharingStore () {
  const Fastify = (await import('fastify')).default
  const { gatewayPlugin } = await import('../../src/gateway/gateway-plugin.js')
  const { verifyTransferToken } = await import('@ferry/protocol/token/transfer-token')
  const app = Fastify()
  await app.register(gatewayPlugin, {
    store: fx.store,
    verifyToken: async (token, expect) => await verifyTransferToken(token, { keys: fx.portalKeys, audience: NODE_ID, nowMs: fx.clock.nowMs, expect }),
    signReceipt: async () => 'unused',
    now: () => fx.clock.nowMs
  })
  await app.ready()
  return { app }
}
