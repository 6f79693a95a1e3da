// The token gate refuses every kind of bad token with its code and a single-use token the second time (also when raced).
import { describe, it, expect, beforeAll } from 'vitest'
import { MemoryLevel } from 'memory-level'
import { generateKeyPair, exportJWK, SignJWT, type CryptoKey, type JSONWebKeySet } from 'jose'
import { signTransferToken, type TransferTokenClaims } from '@ferry/protocol'
import { TokenGate } from '../../src/control/token-gate.js'
import { PortalKeyRing } from '../../src/control/portal-key-ring.js'

const NOW_MS = 1_800_000_000_000
const nowSec = NOW_MS / 1000
let privateKey: CryptoKey
let keys: JSONWebKeySet
const claims = (over: Partial<TransferTokenClaims> = {}): TransferTokenClaims => ({
  iss: 'portal', aud: 'node-a', sub: 'u1', pkg: 'p1', dir: 'upload', paths: ['*'], maxBytes: 1e9, jti: 'j1', iat: nowSec, exp: nowSec + 600, ...over
})

async function codeOf (p: Promise<unknown>): Promise<string> {
  try { await p } catch (err) { return (err as { code: string }).code }
  return 'no error'
}

beforeAll(async () => {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  privateKey = pair.privateKey
  keys = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'EdDSA' }] }
})

function gate (staticKeys: JSONWebKeySet | undefined = keys, fetchFn: typeof fetch = globalThis.fetch, url?: string): TokenGate {
  return new TokenGate('node-a', { keyRing: new PortalKeyRing({ staticKeys, jwksUrl: url }, { fetch: fetchFn }), db: new MemoryLevel<string, any>(), nowMs: () => NOW_MS })
}

describe('TokenGate', () => {
  it('admits a good token and refuses bad ones with codes', async () => {
    const g = gate()
    const sign = async (c: TransferTokenClaims, kid = 'k1'): Promise<string> => await signTransferToken(c, { privateKey, kid })
    expect((await g.admit(await sign(claims()), { dir: 'upload' })).pkg).toBe('p1')
    expect(await codeOf(g.admit(await sign(claims({ aud: 'node-b' })), { dir: 'upload' }))).toBe('FERRY_TOKEN_AUDIENCE')
    expect(await codeOf(g.admit(await sign(claims({ exp: nowSec - 1, iat: nowSec - 100 })), { dir: 'upload' }))).toBe('FERRY_TOKEN_EXPIRED')
    expect(await codeOf(g.admit(await sign(claims()), { dir: 'download' }))).toBe('FERRY_TOKEN_SCOPE')
    expect(await codeOf(g.admit(await sign(claims()), { pkg: 'other', dir: 'upload' }))).toBe('FERRY_TOKEN_SCOPE')
    const hs = await new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'ferry-transfer+jwt' }).sign(new TextEncoder().encode('x'.repeat(32)))
    expect(await codeOf(g.admit(hs, { dir: 'upload' }))).toBe('FERRY_TOKEN_ALGORITHM')
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'k1', typ: 'ferry-transfer+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`
    expect(await codeOf(g.admit(none, { dir: 'upload' }))).toMatch(/^FERRY_TOKEN_(ALGORITHM|INVALID)$/)
    expect(await codeOf(g.admit(await sign(claims(), 'k9'), { dir: 'upload' }))).toBe('FERRY_TOKEN_UNKNOWN_KEY')
  })

  it('refuses a replayed single-use token, even two racing opens', async () => {
    const g = gate()
    const token = await signTransferToken(claims({ once: true, jti: 'once-1' }), { privateKey, kid: 'k1' })
    const results = await Promise.all([codeOf(g.admit(token, { dir: 'upload' })), codeOf(g.admit(token, { dir: 'upload' }))])
    expect(results.sort()).toEqual(['FERRY_NODE_TOKEN_REPLAYED', 'no error'])
    expect(await codeOf(g.admit(token, { dir: 'upload' }))).toBe('FERRY_NODE_TOKEN_REPLAYED')
    // Reusable tokens (no `once`) may be presented again, e.g. to resume.
    const reusable = await signTransferToken(claims({ jti: 'many' }), { privateKey, kid: 'k1' })
    await g.admit(reusable, { dir: 'upload' })
    await g.admit(reusable, { dir: 'upload' })
  })

  it('says when it knows no keys, and learns them from the portal URL', async () => {
    expect(await codeOf(gate({ keys: [] }).verify('a.b.c', { dir: 'upload' }))).toBe('FERRY_NODE_PORTAL_KEYS')
    const fakeFetch = (async () => new Response(JSON.stringify(keys))) as unknown as typeof fetch
    const ring = new PortalKeyRing({ staticKeys: undefined, jwksUrl: 'http://portal/api/v1/keys' }, { fetch: fakeFetch })
    expect(await ring.refresh()).toBeUndefined()
    expect(ring.keys.keys).toHaveLength(1)
    const down = new PortalKeyRing({ staticKeys: undefined, jwksUrl: 'http://portal/api/v1/keys' }, { fetch: (async () => { throw new Error('down') }) as unknown as typeof fetch })
    expect((await down.refresh())?.code).toBe('FERRY_NODE_PORTAL_KEYS')
  })
})
