// Many small files disk to disk over real UDP on 127.0.0.1: every one arrives under its name with the sender's SHA-256, no partial file and no journal left.
import { describe, it, expect, afterEach } from 'vitest'
import { randomBytes, createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync, readdirSync, existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UdpEndpoint, type SendFile } from '../../src/driver/index.js'

const endpoints: UdpEndpoint[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map(e => e.close()))
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir (): string { const d = mkdtempSync(join(tmpdir(), 'ferry-small-')); dirs.push(d); return d }

const FILES = 10_000
/** Two datagrams each (the second one short): per-file costs dominate, as in the WAN lab's 16 KiB scenario. */
const FILE_BYTES = 2048

describe('many small files', () => {
  it(`moves ${FILES} files of ${FILE_BYTES} B in 100 folders with every SHA-256 right`, async () => {
    const [a, b] = await Promise.all([UdpEndpoint.bind(), UdpEndpoint.bind()])
    endpoints.push(a, b)
    const src = tempDir()
    const dst = tempDir()
    const files: SendFile[] = []
    const expected = new Map<string, string>()
    for (let i = 0; i < FILES; i++) {
      const rel = `d${i % 100}/f${i}.bin`
      if (i < 100) mkdirSync(join(src, `d${i}`))
      const data = randomBytes(FILE_BYTES)
      writeFileSync(join(src, rel), data)
      files.push({ relativePath: rel, absolutePath: join(src, rel), sizeBytes: FILE_BYTES })
      expected.set(rel, createHash('sha256').update(data).digest('hex'))
    }
    const connectionId = randomBytes(8).toString('hex')
    const secret = randomBytes(32)
    const sending = a.send({ connectionId, secret, role: 'responder', files, rate: { policy: 'fixed', targetBitsPerSec: 200e6, minBitsPerSec: 1e6 } })
    const receiving = b.receive({ connectionId, secret, role: 'initiator', remote: { host: '127.0.0.1', port: a.port }, destinationDir: dst, journalPath: join(dst, '.journal') })
    const [sent, received] = await Promise.all([sending, receiving])
    expect(received.files.map(f => f.sha256)).toEqual(sent.files.map(f => f.sha256))
    for (const [rel, digest] of expected) expect(createHash('sha256').update(readFileSync(join(dst, rel))).digest('hex'), rel).toBe(digest)
    expect(received.files.map(f => f.sha256)).toEqual([...expected.values()])
    expect(readdirSync(dst, { recursive: true }).filter(n => String(n).endsWith('.ferry-partial'))).toEqual([])
    expect(existsSync(join(dst, '.journal'))).toBe(false)
  }, 300_000)
})
