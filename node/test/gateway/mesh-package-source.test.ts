// A gateway on a node without the package serves it from the holding node over a real libp2p connection, as it streams.
import { createHash } from 'node:crypto'
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { MeshPackageSource } from '../../src/gateway/mesh-package-source.js'
import { PACKAGE_READ_PROTOCOL } from '../../src/gateway/package-read-protocol.js'
import { servePackageRead } from '../../src/gateway/package-read-server.js'
import { gatewayFixture, tusMetadata, type GatewayFixture } from './gateway-fixture.js'

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')
const meshNode = async (): Promise<Libp2p> => await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()]
})

let holder: GatewayFixture
let near: GatewayFixture
let holderMesh: Libp2p
let nearMesh: Libp2p
const big = Buffer.alloc(3 * 1024 * 1024 + 17)
for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i)

beforeAll(async () => {
  holder = await gatewayFixture()
  holderMesh = await meshNode()
  await holderMesh.handle(PACKAGE_READ_PROTOCOL, async stream => { await servePackageRead(stream, holder.store) })
  nearMesh = await meshNode()
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
})
