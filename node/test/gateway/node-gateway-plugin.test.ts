// The gateway mounted on two real in-process FerryNodes: upload to one, download the zip from the other, streamed over the mesh.
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { exportJWK, generateKeyPair, type CryptoKey, type JSONWebKeySet } from 'jose'
import { signTransferToken, type TransferTokenClaims } from '@ferry/protocol/token/transfer-token'
import { verifyTransferReceipt } from '@ferry/protocol/token/transfer-receipt'
import { FerryNode } from '../../src/ferry-node.js'
import { parseNodeConfig } from '../../src/config/node-config.js'
import { openUdpDataEndpoint } from '../../src/transfer/udp-data-endpoint.js'
import { nodeGatewayPlugin } from '../../src/gateway/node-gateway-plugin.js'
import { tusMetadata } from './gateway-fixture.js'

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')
let dir: string
let portalKey: CryptoKey
let portalJwks: JSONWebKeySet
const nodes: Array<{ node: FerryNode, app: FastifyInstance }> = []

async function startNode (name: string, bootstrap: string[]): Promise<{ node: FerryNode, app: FastifyInstance }> {
  const config = parseNodeConfig({ dataDir: join(dir, name), name, bootstrap, portalJwks, peerExchangeIntervalMs: 200, pingIntervalMs: 500 })
  const node = new FerryNode(config, {
    openEndpoint: openUdpDataEndpoint, nowMs: Date.now, fetch: globalThis.fetch, logError: () => {},
    httpPlugins: n => [nodeGatewayPlugin(n, { nowMs: Date.now })]
  } as ConstructorParameters<typeof FerryNode>[1])
  await node.start()
  const app = await node.buildHttpApp()
  await app.ready()
  const started = { node, app }
  nodes.push(started)
  return started
}

async function token (node: FerryNode, over: Partial<TransferTokenClaims>): Promise<string> {
  const iat = Math.floor(Date.now() / 1000)
  return await signTransferToken({ iss: 'portal', aud: node.peerId, sub: 'user-1', pkg: 'pkg-n', dir: 'upload', paths: ['*'], maxBytes: 2 ** 40, jti: `t-${Math.random()}`, iat, exp: iat + 600, ...over }, { privateKey: portalKey, kid: 'k1' })
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-node-gateway-'))
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  portalKey = pair.privateKey
  portalJwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'EdDSA' }] }
})

afterAll(async () => {
  for (const { node, app } of nodes.reverse()) { await app.close(); await node.stop() }
  await rm(dir, { recursive: true, force: true })
})

describe('gateway on FerryNode', { timeout: 120_000 }, () => {
  it('uploads to the holding node, completes with a receipt, and serves the zip from a node without the package', async () => {
    const a = await startNode('a', [])
    const b = await startNode('b', [`${a.node.mesh.multiaddrs[0]}`])
    for (let i = 0; i < 600 && !b.node.peerTable.list().some(p => p.peerId === a.node.peerId && p.connected); i++) await new Promise(resolve => setTimeout(resolve, 100))

    const up = await token(a.node, {})
    const files: Array<[string, Buffer]> = [['report.pdf', Buffer.alloc(200_000, 3)], ['sub/ü.txt', Buffer.from('ü')], ['zero', Buffer.alloc(0)]]
    for (const [path, data] of files) {
      const res = await a.app.inject({ method: 'POST', url: '/gateway/v1/uploads', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${up}`, 'upload-length': String(data.length), 'upload-metadata': tusMetadata({ pkg: 'pkg-n', path, sha256: sha256(data) }), 'content-type': 'application/offset+octet-stream' }, payload: data })
      expect(res.statusCode, res.body).toBe(201)
    }
    const done = await a.app.inject({ method: 'POST', url: '/gateway/v1/packages/pkg-n/complete', headers: { authorization: `Bearer ${up}` } })
    expect(done.statusCode, done.body).toBe(200)
    const receipt = await verifyTransferReceipt(done.json().receipt, a.node.peerId, a.node.identity.publicKeyJwk)
    expect(receipt.files.map(f => f.path)).toEqual(['report.pdf', 'sub/ü.txt', 'zero'])

    const zipAtA = await a.app.inject({ url: `/gateway/v1/packages/pkg-n/zip?token=${await token(a.node, { dir: 'download' })}` })
    const zipAtB = await b.app.inject({ url: `/gateway/v1/packages/pkg-n/zip?token=${await token(b.node, { dir: 'download' })}` })
    expect(zipAtB.statusCode, zipAtB.body.slice(0, 200)).toBe(200)
    expect(zipAtB.rawPayload.equals(zipAtA.rawPayload)).toBe(true)
    const aToken = await token(a.node, { dir: 'download' })
    expect((await b.app.inject({ url: `/gateway/v1/packages/pkg-n/zip?token=${aToken}` })).json().code).toBe('FERRY_TOKEN_AUDIENCE')
    // A single-use token could be replayed over HTTP (every Range request repeats it), so the gateway refuses it.
    const once = await token(a.node, { dir: 'download', once: true })
    expect((await a.app.inject({ url: `/gateway/v1/packages/pkg-n/zip?token=${once}` })).json().code).toBe('FERRY_GATEWAY_TOKEN_SINGLE_USE')
  })
})
