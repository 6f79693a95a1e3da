// The node's persistent Ed25519 identity: its libp2p peer id and the key that signs receipts, created on first start.
import { readFile, writeFile, mkdir, rename } from 'node:fs/promises'
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'
import type { JWK } from 'jose'
import { FerryError } from '@ferry/protocol'

export interface NodeIdentity {
  privateKey: Ed25519PrivateKey
  peerId: PeerId
  /** The same Ed25519 key as a node:crypto key, for jose (receipt signing). */
  signingKey: KeyObject
  /** Public half as a JWK, published at /api/v1/info for the portal to verify receipts. */
  publicKeyJwk: JWK
}

const FILE = 'identity.key'

/** Reads `<dataDir>/identity.key`, or creates it (mode 0600, written atomically) when absent. */
export async function loadNodeIdentity (dataDir: string): Promise<NodeIdentity> {
  const path = join(dataDir, FILE)
  let privateKey: Ed25519PrivateKey
  let bytes: Buffer | undefined
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new FerryError('FERRY_NODE_IDENTITY', `cannot read ${path}`, { cause: err })
  }
  if (bytes === undefined) {
    privateKey = await generateKeyPair('Ed25519')
    await mkdir(dataDir, { recursive: true })
    await writeFile(path + '.tmp', privateKeyToProtobuf(privateKey), { mode: 0o600 })
    await rename(path + '.tmp', path)
  } else {
    try {
      const key = privateKeyFromProtobuf(bytes)
      if (key.type !== 'Ed25519') throw new Error(`key type ${key.type}`)
      privateKey = key
    } catch (err) {
      throw new FerryError('FERRY_NODE_IDENTITY', `${path} does not hold an Ed25519 key`, { cause: err })
    }
  }
  const seed = Buffer.from(privateKey.raw.subarray(0, 32)).toString('base64url')
  const x = Buffer.from(privateKey.publicKey.raw).toString('base64url')
  const signingKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: seed, x }, format: 'jwk' })
  const publicKeyJwk = createPublicKey(signingKey).export({ format: 'jwk' }) as JWK
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey), signingKey, publicKeyJwk: { ...publicKeyJwk, alg: 'EdDSA' } }
}
