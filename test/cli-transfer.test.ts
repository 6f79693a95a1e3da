// Black-box transfers with the built `ferry` against a real portal and real nodes (`ferry up`): send a folder, list, download, verify every SHA-256.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, existsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loginAs, runFerry, spawnFerry, startLocalDefault, type LocalDefault } from './cli-harness.js'
import { hashTree } from './tree-hash.js'

/** A folder with a nested folder, an empty file and random payloads. */
function makeFolder (name: string, bigBytes: number): string {
  const root = join(mkdtempSync(join(tmpdir(), 'ferry-cli-src-')), name)
  mkdirSync(join(root, 'nested', 'deeper'), { recursive: true })
  writeFileSync(join(root, 'big.bin'), randomBytes(bigBytes))
  writeFileSync(join(root, 'nested', 'note.txt'), `hello from ${name}\n`)
  writeFileSync(join(root, 'nested', 'deeper', 'small.bin'), randomBytes(70_000))
  writeFileSync(join(root, 'empty.txt'), '')
  return root
}

function jsonLines (stdout: string): Array<Record<string, unknown>> {
  return stdout.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as Record<string, unknown>)
}

describe('ferry send and download against the local default', () => {
  let local: LocalDefault
  let alice: NodeJS.ProcessEnv
  let bob: NodeJS.ProcessEnv

  beforeAll(async () => {
    local = await startLocalDefault()
    alice = await loginAs(local, 'alice')
    bob = await loginAs(local, 'bob')
  }, 360_000)
  afterAll(async () => { await local?.stop() }, 90_000)

  it('alice sends a folder over UDP; bob sees it in his inbox, downloads it, every SHA-256 matches', { timeout: 300_000 }, async () => {
    const folder = makeFolder('project-a', 3 * 1024 * 1024)
    const sent = await runFerry(['send', '--to', 'bob', '--title', 'Project A', '--note', 'first cut', '--meta', 'job=42', '--json', folder], { env: alice, timeoutMs: 120_000 })
    expect(sent.stderr).not.toMatch(/\n\s+at /)
    expect(sent.code, sent.stderr).toBe(0)
    const events = jsonLines(sent.stdout)
    expect(events.some(e => e.type === 'start')).toBe(true)
    const done = events.find(e => e.type === 'sent')!
    expect(done.via).toBe('udp')
    const id = done.id as string

    const inbox = JSON.parse((await runFerry(['inbox', '--json'], { env: bob })).stdout) as Array<{ id: string, title: string, fileCount: number }>
    const listed = inbox.find(p => p.id === id)
    expect(listed?.title).toBe('Project A')
    expect(listed?.fileCount).toBe(4)

    const shown = await runFerry(['package', 'show', id], { env: bob })
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain('job=42')

    const dest = mkdtempSync(join(tmpdir(), 'ferry-cli-dst-'))
    const fetched = await runFerry(['download', id, '--dest', dest], { env: bob, timeoutMs: 120_000 })
    expect(fetched.stderr).not.toMatch(/\n\s+at /)
    expect(fetched.code, fetched.stderr).toBe(0)
    expect(hashTree(join(dest, 'project-a'))).toEqual(hashTree(folder))
  })

  it('download --new fetches each new package once, however often it runs', { timeout: 300_000 }, async () => {
    const folder = makeFolder('project-b', 200_000)
    const sent = await runFerry(['send', '--to', 'bob', folder], { env: alice, timeoutMs: 120_000 })
    expect(sent.code, sent.stderr).toBe(0)
    const dest = mkdtempSync(join(tmpdir(), 'ferry-cli-new-'))
    const first = await runFerry(['download', '--new', '--dest', dest, '--json'], { env: bob, timeoutMs: 180_000 })
    expect(first.stderr).not.toMatch(/\n\s+at /)
    expect(first.code, first.stderr).toBe(0)
    const fetched = jsonLines(first.stdout).filter(e => e.type === 'downloaded').map(e => e.id as string)
    expect(fetched.length).toBeGreaterThanOrEqual(1)
    const b = fetched.find(id => existsSync(join(dest, id, 'project-b')))
    expect(b).toBeDefined()
    expect(hashTree(join(dest, b!, 'project-b'))).toEqual(hashTree(folder))

    const second = await runFerry(['download', '--new', '--dest', dest, '--json'], { env: bob, timeoutMs: 60_000 })
    expect(second.code, second.stderr).toBe(0)
    expect(jsonLines(second.stdout)).toEqual([{ type: 'nothing-new' }])
    expect(readdirSync(dest).sort()).toEqual([...fetched].sort())
  })

  it('a send interrupted by killing the CLI resumes when run again', { timeout: 400_000 }, async () => {
    const folder = makeFolder('project-c', 8 * 1024 * 1024)
    // Paced at 4 Mbit/s, the upload takes long enough to be killed in the middle.
    const args = ['send', '--to', 'bob', '--json', '--policy', 'fixed', '--target-rate', '4M', folder]
    const child = spawnFerry(args, { env: alice })
    let out = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no progress: ${out}`)), 90_000)
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d
        if (jsonLines(out.slice(0, out.lastIndexOf('\n') + 1)).some(e => e.type === 'progress' && (e.bytesDone as number) > 0)) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    child.kill('SIGKILL')
    await new Promise(resolve => child.once('close', resolve))
    expect(out).not.toContain('"type":"sent"')

    const again = await runFerry(args.filter(a => a !== '4M' && a !== '--target-rate' && a !== 'fixed' && a !== '--policy'), { env: alice, timeoutMs: 180_000 })
    expect(again.stderr).not.toMatch(/\n\s+at /)
    expect(again.code, again.stderr).toBe(0)
    const events = jsonLines(again.stdout)
    expect(events.some(e => e.type === 'notice' && e.resumed === true)).toBe(true)
    const id = events.find(e => e.type === 'sent')!.id as string

    const dest = mkdtempSync(join(tmpdir(), 'ferry-cli-res-'))
    const fetched = await runFerry(['download', id, '--dest', dest], { env: bob, timeoutMs: 180_000 })
    expect(fetched.code, fetched.stderr).toBe(0)
    expect(hashTree(join(dest, 'project-c'))).toEqual(hashTree(folder))
  })

  it('with UDP blocked, the same send completes over the node\'s HTTP gateway, and says so', { timeout: 300_000 }, async () => {
    const folder = makeFolder('project-d', 1024 * 1024)
    const blocked = { ...alice, FERRY_UDP: 'blocked' }
    const sent = await runFerry(['send', '--to', 'bob', '--json', folder], { env: blocked, timeoutMs: 180_000 })
    expect(sent.code, sent.stderr).toBe(0)
    const events = jsonLines(sent.stdout)
    expect(events.some(e => e.type === 'notice' && e.reason === 'udp-blocked' && /falling back to its HTTP gateway/.test(e.message as string))).toBe(true)
    const done = events.find(e => e.type === 'sent')!
    expect(done.via).toBe('gateway')

    const dest = mkdtempSync(join(tmpdir(), 'ferry-cli-gw-'))
    const fetched = await runFerry(['download', done.id as string, '--dest', dest], { env: { ...bob, FERRY_UDP: 'blocked' }, timeoutMs: 180_000 })
    expect(fetched.code, fetched.stderr).toBe(0)
    expect(fetched.stderr).toContain('falling back to its HTTP gateway')
    expect(hashTree(join(dest, 'project-d'))).toEqual(hashTree(folder))
  })
})
