// A real node refuses forged, expired, misdirected, mis-scoped, alg-none, HS256 and replayed tokens, and traversal in manifests, each with its code.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT, generateKeyPair } from 'jose'
import type { Libp2p } from 'libp2p'
import { spawnNode, type NodeProcess } from './node-spawn.js'
import { testPortal, testClientHost, openTransfer, type TestPortal } from './node-client.js'

let node: NodeProcess
let portal: TestPortal
let host: Libp2p
let dir: string

async function codeOf (p: Promise<unknown>): Promise<string> {
  try { await p } catch (err) { return (err as { code?: string }).code ?? String(err) }
  return 'no error'
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-tokens-'))
  portal = await testPortal()
  await writeFile(join(dir, 'portal-keys.json'), JSON.stringify(portal.jwks))
  node = await spawnNode(['--data-dir', join(dir, 'node'), '--portal-jwks-file', join(dir, 'portal-keys.json')])
  host = await testClientHost()
})

afterAll(async () => {
  await host?.stop()
  await node?.kill('SIGTERM')
  await rm(dir, { recursive: true, force: true })
})

describe('transfer tokens on a real node', () => {
  const addr = (): string => node.ready.multiaddrs[0]
  const manifest = [{ path: 'a.txt', sizeBytes: 3 }]

  it('refuses bad tokens with codes', async () => {
    const aud = node.ready.peerId
    const nowSec = Math.floor(Date.now() / 1000)
    const cases: Array<[RegExp, string, 'upload' | 'download']> = [
      [/^FERRY_TOKEN_AUDIENCE$/, await portal.token({ aud: 'someone-else' }), 'upload'],
      [/^FERRY_TOKEN_EXPIRED$/, await portal.token({ aud, iat: nowSec - 700, exp: nowSec - 100 }), 'upload'],
      [/^FERRY_TOKEN_SCOPE$/, await portal.token({ aud, dir: 'download' }), 'upload'],
      [/^FERRY_TOKEN_ALGORITHM$/, await new SignJWT({ pkg: 'pkg-1', dir: 'upload', paths: ['*'], maxBytes: 1 }).setProtectedHeader({ alg: 'HS256', kid: 'test-k1', typ: 'ferry-transfer+jwt' }).setAudience(aud).setIssuedAt().setExpirationTime('5m').setJti('x').sign(new TextEncoder().encode('k'.repeat(32))), 'upload']
    ]
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
    const forged = await new SignJWT({ pkg: 'pkg-1', dir: 'upload', paths: ['*'], maxBytes: 1 }).setProtectedHeader({ alg: 'EdDSA', kid: 'test-k1', typ: 'ferry-transfer+jwt' }).setAudience(aud).setIssuedAt().setExpirationTime('5m').setJti('y').setSubject('u').sign(other.privateKey)
    cases.push([/^FERRY_TOKEN_SIGNATURE$/, forged, 'upload'])
    const good = await portal.token({ aud })
    const [h, b] = good.split('.')
    cases.push([/^FERRY_TOKEN_(ALGORITHM|INVALID)$/, `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'ferry-transfer+jwt', kid: 'test-k1' })).toString('base64url')}.${b}.`, 'upload'])
    cases.push([/^FERRY_TOKEN_SIGNATURE$/, `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(b, 'base64url').toString()), maxBytes: 2 ** 50 })).toString('base64url')}.${good.split('.')[2]}`, 'upload'])
    cases.push([/^FERRY_TOKEN_INVALID$/, 'not-a-jwt', 'upload'])
    for (const [expected, token, direction] of cases) {
      expect(await codeOf(openTransfer(host, addr(), { token, direction, manifest }))).toMatch(expected)
    }
  })

  it('refuses a replayed single-use token', async () => {
    const token = await portal.token({ aud: node.ready.peerId, once: true, dir: 'download', pkg: 'nothing-here' })
    expect(await codeOf(openTransfer(host, addr(), { token, direction: 'download' }))).toBe('FERRY_NODE_PACKAGE_UNKNOWN')
    expect(await codeOf(openTransfer(host, addr(), { token, direction: 'download' }))).toBe('FERRY_NODE_TOKEN_REPLAYED')
  })

  it('refuses traversal, absolute, NUL, backslash and empty-segment paths, and paths outside the token', async () => {
    const token = await portal.token({ aud: node.ready.peerId, paths: ['docs/'] })
    const bad: Array<[string, string]> = [
      ['../etc/passwd', 'FERRY_MANIFEST_PATH_TRAVERSAL'], ['docs/../../x', 'FERRY_MANIFEST_PATH_TRAVERSAL'], ['/etc/passwd', 'FERRY_MANIFEST_PATH_ABSOLUTE'],
      ['docs/a\u0000b', 'FERRY_MANIFEST_PATH_CHARACTER'], ['docs\\..\\x', 'FERRY_MANIFEST_PATH_CHARACTER'], ['C:/x', 'FERRY_MANIFEST_PATH_CHARACTER'],
      ['docs//x', 'FERRY_MANIFEST_PATH_SEGMENT'], ['other/x', 'FERRY_NODE_PATH_NOT_COVERED']
    ]
    for (const [path, code] of bad) {
      expect(await codeOf(openTransfer(host, addr(), { token, direction: 'upload', manifest: [{ path, sizeBytes: 1 }] })), path).toBe(code)
    }
    expect(await codeOf(openTransfer(host, addr(), { token, direction: 'upload', manifest: [{ path: 'docs/a', sizeBytes: 2 ** 41 }] }))).toBe('FERRY_NODE_TOKEN_BYTES')
  })
})
