// A gateway on a real LevelDB and data folder with a test portal key and node key, for the gateway's tests.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { Level } from 'level'
import { exportJWK, generateKeyPair, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose'
import { signTransferToken, verifyTransferToken, type TransferTokenClaims } from '@ferry/protocol/token/transfer-token'
import { signTransferReceipt } from '@ferry/protocol/token/transfer-receipt'
import { gatewayPlugin, type GatewayOptions } from '../../src/gateway/gateway-plugin.js'
import { LevelPackageStore } from '../../src/storage/level-package-store.js'

export const NODE_ID = 'node-a'

export interface GatewayFixture {
  app: FastifyInstance
  store: LevelPackageStore
  dir: string
  /** The clock the gateway and token checks read; tests move it. */
  clock: { nowMs: number }
  portalKeys: JSONWebKeySet
  portalKey: CryptoKey
  nodePublicKey: JWK
  token: (over?: Partial<TransferTokenClaims>) => Promise<string>
  close: () => Promise<void>
}

export async function gatewayFixture (options: Partial<GatewayOptions> = {}): Promise<GatewayFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-gateway-'))
  const db = new Level<string, any>(join(dir, 'db'))
  await db.open()
  const store = new LevelPackageStore({ db, filesDir: join(dir, 'files') })
  const portal = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  const node = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  const portalKeys: JSONWebKeySet = { keys: [{ ...(await exportJWK(portal.publicKey)), kid: 'k1', alg: 'EdDSA' }] }
  const clock = { nowMs: Math.floor(Date.now() / 1000) * 1000 }
  const app = Fastify({ logger: false })
  await app.register(gatewayPlugin, {
    store,
    verifyToken: async (token, expect) => await verifyTransferToken(token, { keys: portalKeys, audience: NODE_ID, nowMs: clock.nowMs, expect }),
    signReceipt: async claims => await signTransferReceipt({ ...claims, iss: NODE_ID }, node.privateKey),
    now: () => clock.nowMs,
    ...options
  })
  await app.ready()
  let counter = 0
  const token = async (over: Partial<TransferTokenClaims> = {}): Promise<string> => {
    const iat = Math.floor(clock.nowMs / 1000)
    return await signTransferToken({
      iss: 'portal', aud: NODE_ID, sub: 'user-1', pkg: 'pkg-1', dir: 'upload', paths: ['*'], maxBytes: 2 ** 40,
      jti: `tok-${++counter}`, iat, exp: iat + 1800, ...over
    }, { privateKey: portal.privateKey, kid: 'k1' })
  }
  return {
    app, store, dir, clock, portalKeys, portalKey: portal.privateKey, nodePublicKey: await exportJWK(node.publicKey), token,
    close: async () => { await app.close(); await db.close(); await rm(dir, { recursive: true, force: true }) }
  }
}

/** Encodes tus Upload-Metadata from plain strings. */
export function tusMetadata (values: Record<string, string>): string {
  return Object.entries(values).map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`).join(',')
}
