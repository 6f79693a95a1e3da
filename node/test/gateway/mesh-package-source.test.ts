// A gateway on a node without the package serves it from the holding node over a real libp2p connection, as it streams.
import { createHash } from 'node:crypto'
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { MeshPackageSource } from '../../src/gateway/mesh-package-source.js'
import { PACKAGE_READ_PROTOCOL } from '../../src/gateway/package-read-protocol.js'
import { servePackageRead, type PackageReadAuthorizer } from '../../src/gateway/package-read-server.js'
import { verifyTransferToken } from '@ferry/protocol/token/transfer-token'
import { lpStream } from '@libp2p/utils'
import { gatewayFixture, tusMetadata, NODE_ID, type GatewayFixture } from './gateway-fixture.js'

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')
const meshNode = async (): Promise<Libp2p> => await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()]
})

let holder: GatewayFixture
let near: GatewayFixture
let holderMesh: Libp2p
let nearMesh: Libp2p
const requesters: string[] = []
const big = Buffer.alloc(3 * 1024 * 1024 + 17)
for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i)

beforeAll(async () => {
  holder = await gatewayFixture()
  holderMesh = await meshNode()
  nearMesh = await meshNode()
  // The holder trusts the near node's portal (a real node: the one portal both enrolled with) and checks the forwarded
  // token names the asking peer; the fixture's tokens carry the fixture audience, so the asker's id stands in for it.
  const authorize: PackageReadAuthorizer = async (token, requester, pkg) => {
    requesters.push(requester)
    return await verifyTransferToken(token, { keys: near.portalKeys, audience: NODE_ID, nowMs: near.clock.nowMs, expect: { pkg, dir: 'download' } })
  }
  await holderMesh.handle(PACKAGE_READ_PROTOCOL, async (stream, connection) => { await servePackageRead(stream, connection.remotePeer.toString(), holder.store, authorize) })
  const source = new MeshPackageSource({
    dialProtocol: async (_peer, protocol, signal) => await nearMesh.dialProtocol(holderMesh.getMultiaddrs()[0]!, protocol, { signal }),
    peers: () => [holderMesh.peerId.toString()]
  })
  near = await gatewayFixture({ remote: source })
  const token = await holder.token()
  for (const [path, data] of [['big.bin', big], ['docs/ψ.txt', Buffer.from('psi')], ['empty', Buffer.alloc(0)]] as const) {
    const res = await holder.app.inject({ method: 'POST', url: '/gateway/v1/uploads', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${token}`, 'upload-length': String(data.length), 'upload-metadata': tusMetadata({ pkg: 'pkg-1', path }), 'content-type': 'application/offset+octet-stream' }, payload: data })
    expect(res.statusCode).toBe(201)
  }
  await holder.app.inject({ method: 'POST', url: '/gateway/v1/packages/pkg-1/folders', headers: { authorization: `Bearer ${token}` }, payload: { path: 'hollow' } })
})

afterAll(async () => {
  await nearMesh.stop()
  await holderMesh.stop()
  await near.close()
  await holder.close()
})

describe('serving from the holding node over the mesh', () => {
  it('streams a file and a byte range of it from the holder', async () => {
    const dl = await near.token({ dir: 'download' })
    const whole = await near.app.inject({ url: `/gateway/v1/packages/pkg-1/files/big.bin?token=${dl}` })
    expect(whole.statusCode).toBe(200)
    expect(sha256(whole.rawPayload)).toBe(sha256(big))
    const part = await near.app.inject({ url: `/gateway/v1/packages/pkg-1/files/big.bin?token=${dl}`, headers: { range: 'bytes=1000000-1000099' } })
    expect(part.statusCode).toBe(206)
    expect(part.rawPayload.equals(big.subarray(1_000_000, 1_000_100))).toBe(true)
    expect(await near.store.listEntries('pkg-1')).toBeUndefined() // nothing was stored on the near node
  })

  it('serves the same zip bytes as the holder itself, and resumes it by range', async () => {
    const atHolder = await holder.app.inject({ url: `/gateway/v1/packages/pkg-1/zip?token=${await holder.token({ dir: 'download' })}` })
    const dl = await near.token({ dir: 'download' })
    const atNear = await near.app.inject({ url: `/gateway/v1/packages/pkg-1/zip?token=${dl}` })
    expect(atNear.statusCode).toBe(200)
    expect(atNear.headers['content-length']).toBe(atHolder.headers['content-length'])
    expect(atNear.rawPayload.equals(atHolder.rawPayload)).toBe(true)
    const tail = await near.app.inject({ url: `/gateway/v1/packages/pkg-1/zip?token=${dl}`, headers: { range: 'bytes=2000000-' } })
    expect(tail.rawPayload.equals(atHolder.rawPayload.subarray(2_000_000))).toBe(true)
  })

  it('still answers with codes when no node holds the package or the file', async () => {
    const other = await near.token({ dir: 'download', pkg: 'pkg-none' })
    expect((await near.app.inject({ url: `/gateway/v1/packages/pkg-none/zip?token=${other}` })).json().code).toBe('FERRY_GATEWAY_PACKAGE_UNKNOWN')
    const dl = await near.token({ dir: 'download' })
    expect((await near.app.inject({ url: `/gateway/v1/packages/pkg-1/files/nope?token=${dl}` })).json().code).toBe('FERRY_GATEWAY_FILE_UNKNOWN')
  })

  it('serves only to a peer that forwards a download token covering what it asks for', async () => {
    expect(new Set(requesters)).toEqual(new Set([nearMesh.peerId.toString()]))
    const ask = async (request: unknown): Promise<{ ok: boolean, code?: string, entries?: Array<{ path: string }> }> => {
      const stream = await nearMesh.dialProtocol(holderMesh.getMultiaddrs()[0]!, PACKAGE_READ_PROTOCOL)
      const lp = lpStream(stream)
      await lp.write(Buffer.from(JSON.stringify(request)))
      const answer = JSON.parse(Buffer.from((await lp.read()).subarray()).toString('utf8'))
      stream.abort(new Error('done'))
      return answer
    }
    const read = { type: 'read', pkg: 'pkg-1', path: 'big.bin', startBytes: 0, endBytes: 10 }
    expect((await ask({ type: 'manifest', pkg: 'pkg-1' })).code).toBe('FERRY_GATEWAY_REMOTE_FAILED')
    expect((await ask({ ...read, token: 'not-a-jwt' })).code).toBe('FERRY_TOKEN_INVALID')
    expect((await ask({ ...read, token: await near.token({ dir: 'upload' }) })).code).toBe('FERRY_TOKEN_SCOPE')
    expect((await ask({ ...read, token: await near.token({ dir: 'download', pkg: 'pkg-2' }) })).code).toBe('FERRY_TOKEN_SCOPE')
    expect((await ask({ ...read, token: await holder.token({ dir: 'download' }) })).code).toBe('FERRY_TOKEN_SIGNATURE')
    const docsOnly = await near.token({ dir: 'download', paths: ['docs/'] })
    expect((await ask({ ...read, token: docsOnly })).code).toBe('FERRY_TOKEN_SCOPE')
    const listed = await ask({ type: 'manifest', pkg: 'pkg-1', token: docsOnly })
    expect(listed.ok).toBe(true)
    expect(listed.entries?.map(e => e.path)).toEqual(['docs/ψ.txt'])
  })
})
