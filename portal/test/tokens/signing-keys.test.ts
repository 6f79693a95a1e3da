// Signing keys: created once and reloaded from dataDir; rotation keeps old public keys so tokens already issued still verify.
import { describe, it, expect } from 'vitest'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryLevel } from 'memory-level'
import { verifyTransferToken } from '@ferry/protocol/token/transfer-token'
import { SigningKeys } from '../../src/tokens/signing-keys.js'
import { TokenIssuer, TRANSFER_TOKEN_LIFETIME_SEC } from '../../src/tokens/token-issuer.js'
import { LevelCollection } from '../../src/store/level-collection.js'
import type { IssuedTokenRecord } from '../../src/store/records.js'

describe('SigningKeys', () => {
  it('persists the key in dataDir (mode 0600) and reloads the same key id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-keys-'))
    try {
      const first = new SigningKeys(dir, () => 0)
      await first.start()
      const kid = first.current().kid
      expect(((await stat(join(dir, 'portal-signing-keys.json'))).mode & 0o777)).toBe(0o600)
      const again = new SigningKeys(dir, () => 0)
      await again.start()
      expect(again.current().kid).toBe(kid)
      expect(again.jwks().keys.map(k => k.kid)).toEqual([kid])
      expect(JSON.stringify(again.jwks())).not.toContain('"d"')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('rotation: new tokens use the new kid; old tokens keep verifying against the published JWKS', async () => {
    const keys = new SigningKeys(undefined, () => 0)
    await keys.start()
    const nowMs = Date.UTC(2026, 5, 1)
    const issuer = new TokenIssuer(keys, new LevelCollection<IssuedTokenRecord>(new MemoryLevel({ valueEncoding: 'json' }), 'issued'), { nowMs: () => nowMs }, 'portal-test')
    const before = await issuer.issue({ nodeId: 'node-1', pkg: 'pkg-1', dir: 'upload', sub: 'u1', maxBytes: 10 })
    const oldKid = keys.current().kid
    const newKid = await keys.rotate()
    expect(newKid).not.toBe(oldKid)
    const after = await issuer.issue({ nodeId: 'node-1', pkg: 'pkg-1', dir: 'download', sub: 'u1', maxBytes: 10 })
    const jwks = keys.jwks() as any
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual([oldKid, newKid])
    const a = await verifyTransferToken(before.token, { keys: jwks, audience: 'node-1', nowMs })
    const b = await verifyTransferToken(after.token, { keys: jwks, audience: 'node-1', nowMs })
    expect([a.dir, b.dir]).toEqual(['upload', 'download'])
    expect(b.exp - b.iat).toBe(TRANSFER_TOKEN_LIFETIME_SEC)
    expect(JSON.parse(Buffer.from(after.token.split('.')[0]!, 'base64url').toString()).kid).toBe(newKid)
    expect(await issuer.lookup(a.jti)).toMatchObject({ pkg: 'pkg-1', dir: 'upload', nodeId: 'node-1' })
    await expect(verifyTransferToken(before.token, { keys: jwks, audience: 'node-2', nowMs })).rejects.toMatchObject({ code: 'FERRY_TOKEN_AUDIENCE' })
  })
})
