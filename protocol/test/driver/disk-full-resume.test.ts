// A receive into a full disk over real UDP: FERRY_PROTOCOL_DISK_FULL (never INTEGRITY), no final name for a partial file, no descriptor left open, and a resume after space is freed completes with matching SHA-256 without resending what was held.
import { describe, it, expect, afterEach } from 'vitest'
import { randomBytes, createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UdpEndpoint, type SendFile } from '../../src/driver/index.js'
import { parseJournal } from '../../src/session/resume-journal.js'

const endpoints: UdpEndpoint[] = []
const cleanups: Array<() => void> = []
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map(e => e.close()))
  for (const c of cleanups.splice(0).reverse()) c()
})

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')
/** Descriptors of this process open on paths under `dir`. */
const fdsUnder = (dir: string): string[] => readdirSync('/proc/self/fd').map(fd => { try { return readlinkSync(`/proc/self/fd/${fd}`) } catch { return '' } }).filter(p => p.startsWith(dir))
const RATE = { policy: 'fixed' as const, targetBitsPerSec: 200e6, minBitsPerSec: 1e6 }

describe('full disk on the receiver', () => {
  it('fails with FERRY_PROTOCOL_DISK_FULL, keeps no half file under its name, and resumes once space is freed', async (ctx) => {
    const work = mkdtempSync(join(tmpdir(), 'ferry-disk-full-'))
    cleanups.push(() => rmSync(work, { recursive: true, force: true }))
    const disk = join(work, 'disk')
    mkdirSync(disk)
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', disk], { stdio: 'ignore' })
    } catch {
      ctx.skip('mounting a 16 MiB tmpfs is not permitted here (needs root): the full-disk path is not exercised')
    }
    cleanups.push(() => execFileSync('umount', ['-l', disk], { stdio: 'ignore' }))
    const src = join(work, 'src')
    mkdirSync(src)
    const contents = [randomBytes(2 * 1024 * 1024 + 5), randomBytes(9 * 1024 * 1024 + 77)]
    const files: SendFile[] = contents.map((bytes, i) => {
      const absolutePath = join(src, `f${i}.bin`)
      writeFileSync(absolutePath, bytes)
      return { relativePath: `f${i}.bin`, absolutePath, sizeBytes: bytes.length }
    })
    const dst = join(disk, 'dst')
    const journalPath = join(disk, 'transfer.journal')
    // Something else fills the disk until ~7 MiB are left: the first file fits, the second does not.
    const filler = join(disk, 'filler')
    const free = statfsSync(disk)
    writeFileSync(filler, Buffer.alloc(Number(free.bavail) * Number(free.bsize) - 7 * 1024 * 1024))

    const run = async (id: string): Promise<[PromiseSettledResult<Awaited<ReturnType<UdpEndpoint['send']>>>, PromiseSettledResult<Awaited<ReturnType<UdpEndpoint['receive']>>>]> => {
      const [a, b] = await Promise.all([UdpEndpoint.bind(), UdpEndpoint.bind()])
      endpoints.push(a, b)
      const secret = randomBytes(32)
      const sending = a.send({ connectionId: id, secret, role: 'responder', files, rate: RATE, idleTimeoutMs: 3000 })
      const receiving = b.receive({ connectionId: id, secret, role: 'initiator', remote: { host: '127.0.0.1', port: a.port }, destinationDir: dst, journalPath, idleTimeoutMs: 3000 })
      return await Promise.all([Promise.allSettled([sending]).then(r => r[0]), Promise.allSettled([receiving]).then(r => r[0])]) as never
    }

    const [, firstReceive] = await run('d15cf0110000aaa1')
    expect(firstReceive.status).toBe('rejected')
    expect((firstReceive as PromiseRejectedResult).reason.code).toBe('FERRY_PROTOCOL_DISK_FULL')
    // No descriptor outlives the failed receive, and nothing incomplete has a final name.
    expect(fdsUnder(disk)).toEqual([])
    expect(existsSync(join(dst, 'f1.bin'))).toBe(false)
    // The journal names only bytes on disk (else the resume below would end in FERRY_PROTOCOL_INTEGRITY).
    // (The failed session's last checkpoint may not fit on the full disk: the journal is then the previous one, still exact, or none.)
    const journal = existsSync(journalPath) ? parseJournal(readFileSync(journalPath, 'utf8')) : undefined
    const heldBytes = (journal?.receivedRanges ?? []).reduce((n, [s, e]) => n + e - s, 0)

    rmSync(filler)
    const [secondSend, secondReceive] = await run('d15cf0110000aaa2')
    if (secondReceive.status === 'rejected') throw secondReceive.reason
    if (secondSend.status === 'rejected') throw secondSend.reason
    contents.forEach((bytes, i) => expect(sha(readFileSync(join(dst, `f${i}.bin`)))).toBe(sha(bytes)))
    // What the journal held was not sent again (first sends only; repairs of the resumed session's own losses aside).
    const total = contents.reduce((n, c) => n + c.length, 0)
    expect(secondSend.value.payloadBytesSent! - (secondSend.value.retransmittedBytes ?? 0)).toBeLessThanOrEqual(total - heldBytes + 64 * 1024)
    expect(existsSync(journalPath)).toBe(false)
  }, 120_000)
})
