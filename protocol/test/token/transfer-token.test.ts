// Transfer tokens verify only when signed by a known portal key with EdDSA, for this node, in time and in scope.
import { describe, it, expect, beforeAll } from 'vitest'
import { generateKeyPair, exportJWK, SignJWT, type JSONWebKeySet, type CryptoKey } from 'jose'
import { signTransferToken, verifyTransferToken, tokenCoversPath, type TransferTokenClaims } from '../../src/token/transfer-token.js'

const NOW_MS = 1_800_000_000_000
const nowSec = NOW_MS / 1000
let privateKey: CryptoKey
let keys: JSONWebKeySet

const claims = (over: Partial<TransferTokenClaims> = {}): TransferTokenClaims => ({
  iss: 'portal', aud: 'node-a', sub: 'user-1', pkg: 'pkg-1', dir: 'upload', paths: ['*'],
  maxBytes: 1e9, jti: 'tok-1', iat: nowSec, exp: nowSec + 600, ...over
})

async function codeOf (promise: Promise<unknown>): Promise<string> {
  try { await promise } catch (err) { return (err as { code: string }).code }
  return 'no error'
}

beforeAll(async () => {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  privateKey = pair.privateKey
  keys = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'EdDSA' }] }
})

describe('transfer token', () => {
  it('round-trips its claims', async () => {
    const token = await signTransferToken(claims(), { privateKey, kid: 'k1' })
    const got = await verifyTransferToken(token, { keys, audience: 'node-a', nowMs: NOW_MS, expect: { pkg: 'pkg-1', dir: 'upload' } })
    expect(got).toMatchObject({ pkg: 'pkg-1', dir: 'upload', paths: ['*'], maxBytes: 1e9, jti: 'tok-1' })
  })

  it('refuses another node, package, direction, and expired tokens with codes', async () => {
    const token = await signTransferToken(claims(), { privateKey, kid: 'k1' })
    expect(await codeOf(verifyTransferToken(token, { keys, audience: 'node-b', nowMs: NOW_MS }))).toBe('FERRY_TOKEN_AUDIENCE')
    expect(await codeOf(verifyTransferToken(token, { keys, audience: 'node-a', nowMs: NOW_MS, expect: { pkg: 'other' } }))).toBe('FERRY_TOKEN_SCOPE')
    expect(await codeOf(verifyTransferToken(token, { keys, audience: 'node-a', nowMs: NOW_MS, expect: { dir: 'download' } }))).toBe('FERRY_TOKEN_SCOPE')
    expect(await codeOf(verifyTransferToken(token, { keys, audience: 'node-a', nowMs: NOW_MS + 3_600_000 }))).toBe('FERRY_TOKEN_EXPIRED')
  })

  it('refuses alg none, HS256 forgeries, unknown keys and tampering', async () => {
    const body = Buffer.from(JSON.stringify({ ...claims() })).toString('base64url')
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'ferry-transfer+jwt', kid: 'k1' })).toString('base64url')}.${body}.`
    expect(await codeOf(verifyTransferToken(none, { keys, audience: 'node-a', nowMs: NOW_MS }))).toMatch(/FERRY_TOKEN_(ALGORITHM|INVALID)/)
    const hs = await new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'ferry-transfer+jwt' }).sign(new TextEncoder().encode('x'.repeat(32)))
    expect(await codeOf(verifyTransferToken(hs, { keys, audience: 'node-a', nowMs: NOW_MS }))).toBe('FERRY_TOKEN_ALGORITHM')
    const other = await signTransferToken(claims(), { privateKey, kid: 'k2' })
    expect(await codeOf(verifyTransferToken(other, { keys, audience: 'node-a', nowMs: NOW_MS }))).toBe('FERRY_TOKEN_UNKNOWN_KEY')
    const good = await signTransferToken(claims(), { privateKey, kid: 'k1' })
    const [h, , s] = good.split('.')
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims(), maxBytes: 1e15 })).toString('base64url')}.${s}`
    expect(await codeOf(verifyTransferToken(tampered, { keys, audience: 'node-a', nowMs: NOW_MS }))).toBe('FERRY_TOKEN_SIGNATURE')
  })

  it('refuses lifetimes over 60 minutes', async () => {
    expect(await codeOf(signTransferToken(claims({ exp: nowSec + 7200 }), { privateKey, kid: 'k1' }))).toBe('FERRY_TOKEN_LIFETIME')
  })

  it('covers paths by prefix or wildcard', () => {
    expect(tokenCoversPath(claims({ paths: ['a/'] }), 'a/b.txt')).toBe(true)
    expect(tokenCoversPath(claims({ paths: ['a'] }), 'ab.txt')).toBe(false)
    expect(tokenCoversPath(claims({ paths: ['*'] }), 'x')).toBe(true)
  })
})

describe('transfer receipt', () => {
  it('verifies against the node key and refuses another issuer', async () => {
    const { signTransferReceipt, verifyTransferReceipt } = await import('../../src/token/transfer-receipt.js')
    const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
    const jwk = await exportJWK(pair.publicKey)
    const receipt = await signTransferReceipt({ iss: 'node-a', pkg: 'p', dir: 'upload', jti: 't', sub: 'u', iat: nowSec, files: [{ path: 'a', sizeBytes: 1, sha256: 'ab' }] }, pair.privateKey)
    expect((await verifyTransferReceipt(receipt, 'node-a', jwk)).files[0]!.sha256).toBe('ab')
    await expect(verifyTransferReceipt(receipt, 'node-b', jwk)).rejects.toMatchObject({ code: 'FERRY_RECEIPT_INVALID' })
  })
})
