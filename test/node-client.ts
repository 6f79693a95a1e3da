// Test-side client of real nodes: a throwaway portal key to sign tokens, and a libp2p host that opens /ferry/transfer/1.
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { lpStream } from '@libp2p/utils'
import { generateKeyPair, exportJWK, type CryptoKey, type JSONWebKeySet } from 'jose'
import { signTransferToken, type TransferTokenClaims } from '../protocol/src/token/transfer-token.js'
import { TRANSFER_PROTOCOL, MAX_CONTROL_MESSAGE_BYTES } from '../protocol/src/control/control-message.js'
import { TransferControlClient, type OpenRequest } from '../protocol/src/control/transfer-control-client.js'
import type { MessageChannel } from '../protocol/src/control/message-channel.js'

export interface TestPortal {
  jwks: JSONWebKeySet
  privateKey: CryptoKey
  token: (claims: Partial<TransferTokenClaims> & { aud: string }) => Promise<string>
}

export async function testPortal (): Promise<TestPortal> {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'test-k1', alg: 'EdDSA', use: 'sig' }] }
  let n = 0
  return {
    jwks,
    privateKey: pair.privateKey,
    token: async (claims) => {
      const nowSec = Math.floor(Date.now() / 1000)
      return await signTransferToken({
        iss: 'test-portal', sub: 'user-1', pkg: 'pkg-1', dir: 'upload', paths: ['*'], maxBytes: 2 ** 40, jti: `jti-${Date.now()}-${n++}`, iat: nowSec, exp: nowSec + 600, ...claims
      }, { privateKey: pair.privateKey, kid: 'test-k1' })
    }
  }
}

export async function testClientHost (): Promise<Libp2p> {
  return await createLibp2p({ addresses: { listen: [] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
}

/** Opens /ferry/transfer/1 on the node at `addr` and sends `open`; rejects with the node's code when refused. */
export async function openTransfer (host: Libp2p, addr: string, request: OpenRequest): Promise<TransferControlClient> {
  const stream = await host.dialProtocol(multiaddr(addr), TRANSFER_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
  const lp = lpStream(stream, { maxDataLength: MAX_CONTROL_MESSAGE_BYTES })
  const channel: MessageChannel = {
    read: async (o) => { try { return (await lp.read(o)).subarray() } catch (err) { if ((err as Error).name === 'UnexpectedEOFError') return null; throw err } },
    write: async (m, o) => { await lp.write(m, o) },
    close: async () => { await stream.close().catch(() => {}) }
  }
  return await TransferControlClient.open(channel, request, { signal: AbortSignal.timeout(15_000) })
}

/** Every regular file under `root`, as manifest entries with their local paths and SHA-256. */
export async function folderFiles (root: string): Promise<Array<{ path: string, absolutePath: string, sizeBytes: number, sha256: string }>> {
  const { readdir, stat, readFile } = await import('node:fs/promises')
  const { createHash } = await import('node:crypto')
  const { join, relative, sep } = await import('node:path')
  const out: Array<{ path: string, absolutePath: string, sizeBytes: number, sha256: string }> = []
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue
    const absolutePath = join(e.parentPath, e.name)
    out.push({ path: relative(root, absolutePath).split(sep).join('/'), absolutePath, sizeBytes: (await stat(absolutePath)).size, sha256: createHash('sha256').update(await readFile(absolutePath)).digest('hex') })
  }
  return out.sort((a, b) => a.path < b.path ? -1 : 1)
}
