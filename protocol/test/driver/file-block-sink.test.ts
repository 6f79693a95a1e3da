// FileBlockSink: out-of-order positional writes land right, blocks are checked (CRC-32) from memory as they reach disk (read back only when let go) and re-checked on resume, a file is renamed only when its SHA-256 matches, memory stays bounded, a full disk is its own error and leaves no descriptor open.
import { describe, it, expect, afterEach } from 'vitest'
import { createHash, randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileBlockSink, MAX_ASSEMBLING_BYTES, MAX_QUEUED_WRITE_BYTES, PARTIAL_SUFFIX } from '../../src/driver/file-block-sink.js'
import { INTEGRITY_BLOCK_BYTES } from '../../src/files/block-ledger.js'
import type { SinkListener } from '../../src/session/block-io.js'
import { MAX_PAYLOAD_BYTES } from '../../src/wire/datagram-codec.js'

/** Records what the sink reports to its session. */
function recorder (): SinkListener & { verified: Map<string, number>, corrupt: string[], failed: Array<[number, number, number]> } {
  const verified = new Map<string, number>()
  const corrupt: string[] = []
  const failed: Array<[number, number, number]> = []
  return {
    verified, corrupt, failed,
    blockVerified: (f, b, crc) => { expect(verified.has(`${f}:${b}`)).toBe(false); verified.set(`${f}:${b}`, crc) },
    blockCorrupt: (f, b) => { corrupt.push(`${f}:${b}`) },
    writeFailed: (f, o, n) => { failed.push([f, o, n]) }
  }
}

const until = async (ok: () => boolean): Promise<void> => { for (let i = 0; i < 2000 && !ok(); i++) await new Promise(resolve => setTimeout(resolve, 5)) }
/** Descriptors of this process open on paths under `dir`. */
const fdsUnder = (dir: string): string[] => readdirSync('/proc/self/fd').map(fd => { try { return readlinkSync(`/proc/self/fd/${fd}`) } catch { return '' } }).filter(p => p.startsWith(dir))

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

function sinkIn (): { dir: string, sink: FileBlockSink, verdicts: Promise<Array<[number, boolean]>>, fatal: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-sink-'))
  dirs.push(dir)
  const got: Array<[number, boolean]> = []
  const fatal: string[] = []
  let resolve: (v: Array<[number, boolean]>) => void = () => {}
  const verdicts = new Promise<Array<[number, boolean]>>(r => { resolve = r })
  const sink = new FileBlockSink({ destinationDir: dir, resuming: false, onVerified: (i, ok) => { got.push([i, ok]); if (got.length === 2) resolve(got) }, onFatal: code => fatal.push(code) })
  return { dir, sink, verdicts, fatal }
}

describe('FileBlockSink', () => {
  it('writes out of order, renames the good file and keeps the bad one partial', async () => {
    const { dir, sink, verdicts } = sinkIn()
    const good = randomBytes(100_000)
    const bad = randomBytes(5000)
    expect(sink.open([{ relativePath: 'sub/good.bin', kind: 'file', sizeBytes: good.length }, { relativePath: 'bad.bin', kind: 'file', sizeBytes: bad.length }, { relativePath: 'empty-dir', kind: 'directory', sizeBytes: 0 }], recorder())).toBeUndefined()
    const order = Array.from({ length: Math.ceil(good.length / MAX_PAYLOAD_BYTES) }, (_, i) => i).reverse()
    for (const i of order) expect(sink.write(0, i * MAX_PAYLOAD_BYTES, good.subarray(i * MAX_PAYLOAD_BYTES, (i + 1) * MAX_PAYLOAD_BYTES))).toBe(true)
    expect(sink.write(1, 0, bad)).toBe(true)
    expect(sink.finish(0, createHash('sha256').update(good).digest())).toBeUndefined()
    sink.finish(1, createHash('sha256').update('something else').digest())
    expect((await verdicts).sort()).toEqual([[0, true], [1, false]])
    expect(readFileSync(join(dir, 'sub/good.bin')).equals(good)).toBe(true)
    expect(existsSync(join(dir, 'sub/good.bin' + PARTIAL_SUFFIX))).toBe(false)
    expect(existsSync(join(dir, 'bad.bin'))).toBe(false)
    expect(existsSync(join(dir, 'bad.bin' + PARTIAL_SUFFIX))).toBe(true)
    expect(existsSync(join(dir, 'empty-dir'))).toBe(true)
    await sink.close()
  })

  it('lets a journal flush run while files are verified and closed (many small files: no EBADF)', async () => {
    const { dir, sink, fatal } = sinkIn()
    const files = Array.from({ length: 200 }, () => randomBytes(16 * 1024))
    sink.open(files.map((_, i) => ({ relativePath: `f${i}.bin`, kind: 'file' as const, sizeBytes: 16 * 1024 })), recorder())
    const flushes: Array<Promise<void>> = []
    files.forEach((data, i) => {
      sink.write(i, 0, data)
      sink.finish(i, createHash('sha256').update(data).digest())
      // The driver's checkpoint flushes every open file while verifications close them.
      if (i % 10 === 0) flushes.push(sink.flush())
    })
    await Promise.all(flushes)
    for (let i = 0; i < 200 && !existsSync(join(dir, 'f199.bin')); i++) await new Promise(resolve => setImmediate(resolve))
    await sink.flush()
    await sink.close()
    expect(fatal).toEqual([])
    for (const [i, data] of files.entries()) expect(readFileSync(join(dir, `f${i}.bin`)).equals(data), `f${i}`).toBe(true)
  })

  it('refuses bytes beyond its bounded buffer instead of growing', async () => {
    const { sink } = sinkIn()
    sink.open([{ relativePath: 'big', kind: 'file', sizeBytes: 2 * MAX_QUEUED_WRITE_BYTES }], recorder())
    const piece = Buffer.alloc(1 << 20)
    let accepted = 0
    for (let off = 0; off < 2 * MAX_QUEUED_WRITE_BYTES; off += piece.length) if (sink.write(0, off, piece)) accepted += piece.length
    expect(accepted).toBeLessThanOrEqual(MAX_QUEUED_WRITE_BYTES)
    await sink.flush()
    await sink.close()
  })

  it('hashes each integrity block once as it reaches disk; a resume re-reads them and asks again only for a block that changed on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-sink-'))
    dirs.push(dir)
    const data = randomBytes(3 * INTEGRITY_BLOCK_BYTES + 5000)
    const entries = [{ relativePath: 'big.bin', kind: 'file' as const, sizeBytes: data.length }]
    const first = recorder()
    const sink = new FileBlockSink({ destinationDir: dir, resuming: false, onVerified: () => {}, onFatal: code => { throw new Error(code) } })
    sink.open(entries, first)
    // Blocks 2 and 0 arrive whole, block 1 only in part (the cut): two blocks checked, in any order.
    for (const [s, e] of [[2 * INTEGRITY_BLOCK_BYTES, 3 * INTEGRITY_BLOCK_BYTES], [0, INTEGRITY_BLOCK_BYTES], [INTEGRITY_BLOCK_BYTES, INTEGRITY_BLOCK_BYTES + 100_000]] as const) {
      for (let o = s; o < e; o += MAX_PAYLOAD_BYTES) expect(sink.write(0, o, data.subarray(o, Math.min(e, o + MAX_PAYLOAD_BYTES)))).toBe(true)
    }
    await sink.flush()
    await until(() => first.verified.size === 2)
    expect(first.verified).toEqual(new Map([['0:0', crc32(data.subarray(0, INTEGRITY_BLOCK_BYTES))], ['0:2', crc32(data.subarray(2 * INTEGRITY_BLOCK_BYTES, 3 * INTEGRITY_BLOCK_BYTES))]]))
    await sink.close()

    // A torn write after the crash: block 2's bytes on disk are no longer what was checked.
    const partial = join(dir, 'big.bin' + PARTIAL_SUFFIX)
    const onDisk = readFileSync(partial)
    onDisk[2 * INTEGRITY_BLOCK_BYTES + 7]! ^= 0xff
    writeFileSync(partial, onDisk)
    const second = recorder()
    let verdict: boolean | undefined
    const resumed = new FileBlockSink({ destinationDir: dir, resuming: true, onVerified: (_, ok) => { verdict = ok }, onFatal: code => { throw new Error(code) } })
    const held: Array<readonly [number, number]> = [[0, INTEGRITY_BLOCK_BYTES + 100_000], [2 * INTEGRITY_BLOCK_BYTES, 3 * INTEGRITY_BLOCK_BYTES]]
    resumed.open(entries, second, { held: () => held, blockCrc32: () => new Map([...first.verified].map(([k, crc]) => [Number(k.split(':')[1]), crc])) })
    await until(() => second.verified.size + second.corrupt.length === 2)
    expect([...second.verified.keys()]).toEqual(['0:0'])
    expect(second.corrupt).toEqual(['0:2'])
    expect(resumed.hasOnDisk(0, 2 * INTEGRITY_BLOCK_BYTES, 1)).toBe(false)
    // The session asks for the rest and block 2 again: the file verifies and takes its name.
    for (const [s, e] of [[INTEGRITY_BLOCK_BYTES + 100_000, data.length]] as const) {
      for (let o = s; o < e; o += MAX_PAYLOAD_BYTES) expect(resumed.write(0, o, data.subarray(o, Math.min(e, o + MAX_PAYLOAD_BYTES)))).toBe(true)
    }
    resumed.finish(0, createHash('sha256').update(data).digest())
    await until(() => verdict !== undefined)
    expect(verdict).toBe(true)
    expect(readFileSync(join(dir, 'big.bin')).equals(data)).toBe(true)
    expect(existsSync(partial)).toBe(false)
    await resumed.close()
  })

  it('checks blocks from the bytes it writes, in order or repaired out of order, with the same CRC-32s a read-back gives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-sink-'))
    dirs.push(dir)
    const data = randomBytes(3 * INTEGRITY_BLOCK_BYTES + 5000)
    const small = randomBytes(16 * 1024)
    const listener = recorder()
    const verdicts = new Map<number, boolean>()
    const sink = new FileBlockSink({ destinationDir: dir, resuming: false, onVerified: (i, ok) => verdicts.set(i, ok), onFatal: code => { throw new Error(code) } })
    sink.open([{ relativePath: 'big.bin', kind: 'file', sizeBytes: data.length }, { relativePath: 'small.bin', kind: 'file', sizeBytes: small.length }], listener)
    // Every 50th datagram is lost and repaired last, after the driver's timer wrote out what had arrived.
    const lost: number[] = []
    for (let o = 0; o < data.length; o += MAX_PAYLOAD_BYTES) {
      if ((o / MAX_PAYLOAD_BYTES) % 50 === 7) { lost.push(o); continue }
      expect(sink.write(0, o, data.subarray(o, Math.min(data.length, o + MAX_PAYLOAD_BYTES)))).toBe(true)
      if ((o / MAX_PAYLOAD_BYTES) % 300 === 0) sink.flushBuffers()
    }
    for (let o = 0; o < small.length; o += MAX_PAYLOAD_BYTES) sink.write(1, o, small.subarray(o, Math.min(small.length, o + MAX_PAYLOAD_BYTES)))
    sink.finish(1, createHash('sha256').update(small).digest())
    await sink.flush()
    for (const o of lost.reverse()) sink.write(0, o, data.subarray(o, Math.min(data.length, o + MAX_PAYLOAD_BYTES)))
    sink.finish(0, createHash('sha256').update(data).digest())
    await until(() => verdicts.size === 2)
    expect(verdicts).toEqual(new Map([[0, true], [1, true]]))
    const expected = new Map<string, number>([['1:0', crc32(small)]])
    for (let b = 0; b < 4; b++) expected.set(`0:${b}`, crc32(data.subarray(b * INTEGRITY_BLOCK_BYTES, (b + 1) * INTEGRITY_BLOCK_BYTES)))
    expect(new Map([...listener.verified].sort())).toEqual(new Map([...expected].sort()))
    expect(sink.bytesHashed).toBe(0)
    expect(sink.bytesHashedInMemory).toBe(data.length + small.length)
    expect(readFileSync(join(dir, 'big.bin')).equals(data)).toBe(true)
    expect(readFileSync(join(dir, 'small.bin')).equals(small)).toBe(true)
    await sink.close()
  })

  it('lets go of the oldest blocks beyond its memory bound and reads them back to check them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-sink-'))
    dirs.push(dir)
    const blocks = Math.ceil(MAX_ASSEMBLING_BYTES / INTEGRITY_BLOCK_BYTES) + 4
    const data = randomBytes(blocks * INTEGRITY_BLOCK_BYTES)
    const listener = recorder()
    let verdict: boolean | undefined
    const sink = new FileBlockSink({ destinationDir: dir, resuming: false, onVerified: (_, ok) => { verdict = ok }, onFatal: code => { throw new Error(code) } })
    sink.open([{ relativePath: 'long-path.bin', kind: 'file', sizeBytes: data.length }], listener)
    // Each block's first datagram is lost (a long, lossy path): every block waits in memory for its repair.
    for (let b = 0; b < blocks; b++) {
      const start = b * INTEGRITY_BLOCK_BYTES
      for (let o = start + MAX_PAYLOAD_BYTES; o < start + INTEGRITY_BLOCK_BYTES; o += MAX_PAYLOAD_BYTES) expect(sink.write(0, o, data.subarray(o, o + MAX_PAYLOAD_BYTES))).toBe(true)
      await sink.flush()
    }
    for (let b = 0; b < blocks; b++) expect(sink.write(0, b * INTEGRITY_BLOCK_BYTES, data.subarray(b * INTEGRITY_BLOCK_BYTES, b * INTEGRITY_BLOCK_BYTES + MAX_PAYLOAD_BYTES))).toBe(true)
    sink.finish(0, createHash('sha256').update(data).digest())
    await until(() => verdict !== undefined)
    expect(verdict).toBe(true)
    expect(listener.verified.size).toBe(blocks)
    for (let b = 0; b < blocks; b++) expect(listener.verified.get(`0:${b}`)).toBe(crc32(data.subarray(b * INTEGRITY_BLOCK_BYTES, (b + 1) * INTEGRITY_BLOCK_BYTES)))
    expect(sink.bytesHashed).toBeGreaterThan(0)
    expect(sink.bytesHashed + sink.bytesHashedInMemory).toBeGreaterThanOrEqual(data.length)
    expect(readFileSync(join(dir, 'long-path.bin')).equals(data)).toBe(true)
    await sink.close()
  })

  it('a full disk is FERRY_PROTOCOL_DISK_FULL (never an integrity failure), reports the lost bytes, keeps no final name and closes every descriptor', async (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-sink-full-'))
    dirs.push(dir)
    const mount = join(dir, 'disk')
    mkdirSync(mount)
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mount], { stdio: 'ignore' })
    } catch {
      ctx.skip('mounting a 2 MiB tmpfs is not permitted here (needs root): the full-disk path is not exercised')
    }
    try {
      const data = randomBytes(3 * 1024 * 1024)
      const listener = recorder()
      const fatal: string[] = []
      const verdicts: boolean[] = []
      const sink = new FileBlockSink({ destinationDir: mount, resuming: false, onVerified: (_, ok) => verdicts.push(ok), onFatal: code => fatal.push(code) })
      sink.open([{ relativePath: 'a.bin', kind: 'file', sizeBytes: data.length }], listener)
      // One datagram of the last block never comes: that block's bytes are still in memory when the disk fills.
      const missing = 2 * INTEGRITY_BLOCK_BYTES + 5 * MAX_PAYLOAD_BYTES
      for (let o = 0; o < data.length; o += MAX_PAYLOAD_BYTES) if (o !== missing) sink.write(0, o, data.subarray(o, Math.min(data.length, o + MAX_PAYLOAD_BYTES)))
      await until(() => fatal.length > 0)
      await sink.settle()
      expect(fatal).toEqual(['FERRY_PROTOCOL_DISK_FULL'])
      expect(listener.failed.length).toBeGreaterThan(0)
      // Every accepted byte landed or was reported lost, even those still in memory when the disk filled: a final journal names only what is on disk.
      const lost = (o: number, n: number): boolean => listener.failed.some(([, s, len]) => s <= o && o + n <= s + len)
      for (let o = 0; o < data.length; o += MAX_PAYLOAD_BYTES) {
        if (o === missing) continue
        const n = Math.min(MAX_PAYLOAD_BYTES, data.length - o)
        expect(sink.hasOnDisk(0, o, n) || lost(o, n), `bytes at ${o}`).toBe(true)
      }
      expect(verdicts).toEqual([])
      await expect(sink.flush()).resolves.toBeUndefined()
      await sink.close()
      expect(fdsUnder(mount)).toEqual([])
      expect(existsSync(join(mount, 'a.bin'))).toBe(false)
    } finally {
      execFileSync('umount', ['-l', mount], { stdio: 'ignore' })
    }
  })
})
