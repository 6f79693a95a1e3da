// `ferry cp` as a black box against a real node: copy a folder up and back with node-signed receipts, every SHA-256 checked; bad tokens and paths fail with codes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, writeFileSync, existsSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnNode, type NodeProcess } from './node-spawn.js'
import { testPortal, type TestPortal } from './node-client.js'
import { freshHome, runFerry } from './cli-harness.js'
import { hashTree } from './tree-hash.js'

let node: NodeProcess
let portal: TestPortal
let dir: string
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-cp-'))
  portal = await testPortal()
  await writeFile(join(dir, 'portal-keys.json'), JSON.stringify(portal.jwks))
  node = await spawnNode(['--data-dir', join(dir, 'node'), '--portal-jwks-file', join(dir, 'portal-keys.json')])
  env = freshHome().env
}, 60_000)

afterAll(async () => {
  await node?.kill('SIGTERM')
  await rm(dir, { recursive: true, force: true })
})

describe('ferry cp against a real node', () => {
  const nodeUrl = (pkg: string, path = ''): string => `node://${new URL(node.ready.httpUrl).host}/${pkg}${path === '' ? '' : '/' + path}`

  it('copies a folder to the node and back over UDP, with the receipt, every SHA-256 matching', { timeout: 120_000 }, async () => {
    const src = join(dir, 'src', 'shoot-7')
    mkdirSync(join(src, 'cam-a'), { recursive: true })
    writeFileSync(join(src, 'cam-a', 'clip.bin'), randomBytes(2 * 1024 * 1024 + 17))
    writeFileSync(join(src, 'notes.txt'), 'take 3 is the one\n')
    writeFileSync(join(src, 'empty.txt'), '')

    const upToken = await portal.token({ aud: node.ready.peerId, pkg: 'cp-pkg', dir: 'upload' })
    const up = await runFerry(['cp', '--token', upToken, '--json', src, nodeUrl('cp-pkg')], { env, timeoutMs: 90_000 })
    expect(up.code, up.stderr).toBe(0)
    const copied = up.stdout.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as Record<string, unknown>).find(e => e.type === 'copied')!
    expect(copied.via).toBe('udp')
    expect(typeof copied.receipt).toBe('string')

    const downToken = await portal.token({ aud: node.ready.peerId, pkg: 'cp-pkg', dir: 'download' })
    const dest = join(dir, 'dest')
    const down = await runFerry(['cp', '--token', downToken, nodeUrl('cp-pkg'), dest], { env, timeoutMs: 90_000 })
    expect(down.code, down.stderr).toBe(0)
    expect(hashTree(join(dest, 'shoot-7'))).toEqual(hashTree(src))
  })

  it('refuses a token signed by another key with its code and exit code 1, and stores nothing', { timeout: 60_000 }, async () => {
    const other = await testPortal()
    const forged = await other.token({ aud: node.ready.peerId, pkg: 'forged-pkg', dir: 'upload' })
    const src = join(dir, 'forged')
    mkdirSync(src, { recursive: true })
    writeFileSync(join(src, 'x.bin'), randomBytes(1000))
    const res = await runFerry(['cp', '--token', forged, src, nodeUrl('forged-pkg')], { env, timeoutMs: 45_000 })
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('FERRY_TOKEN_SIGNATURE')
    expect(res.stderr).not.toMatch(/\n\s+at /)
    const downToken = await portal.token({ aud: node.ready.peerId, pkg: 'forged-pkg', dir: 'download' })
    const fetched = await runFerry(['cp', '--token', downToken, nodeUrl('forged-pkg'), join(dir, 'nothing')], { env, timeoutMs: 45_000 })
    expect(fetched.code).not.toBe(0)
    expect(existsSync(join(dir, 'nothing', 'forged', 'x.bin'))).toBe(false)
  })

  it('refuses a target folder that climbs out of the package with a usage or manifest code', { timeout: 60_000 }, async () => {
    const upToken = await portal.token({ aud: node.ready.peerId, pkg: 'climb-pkg', dir: 'upload' })
    const src = join(dir, 'climb')
    mkdirSync(src, { recursive: true })
    writeFileSync(join(src, 'y.bin'), randomBytes(100))
    const res = await runFerry(['cp', '--token', upToken, src, nodeUrl('climb-pkg', '../../etc')], { env, timeoutMs: 45_000 })
    expect(res.code).not.toBe(0)
    expect(res.stderr).toMatch(/FERRY_MANIFEST_PATH_TRAVERSAL|FERRY_CLI_USAGE/)
    expect(res.stderr).not.toMatch(/\n\s+at /)
  })
})
