// FileBlockSink: out-of-order positional writes land right, a file is renamed only when its SHA-256 matches, memory stays bounded.
import { describe, it, expect, afterEach } from 'vitest'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileBlockSink, MAX_QUEUED_WRITE_BYTES, PARTIAL_SUFFIX } from '../../src/driver/file-block-sink.js'

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
    expect(sink.open([{ relativePath: 'sub/good.bin', kind: 'file', sizeBytes: good.length }, { relativePath: 'bad.bin', kind: 'file', sizeBytes: bad.length }, { relativePath: 'empty-dir', kind: 'directory', sizeBytes: 0 }])).toBeUndefined()
    const order = Array.from({ length: Math.ceil(good.length / 1427) }, (_, i) => i).reverse()
    for (const i of order) expect(sink.write(0, i * 1427, good.subarray(i * 1427, (i + 1) * 1427))).toBe(true)
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
    sink.open(files.map((_, i) => ({ relativePath: `f${i}.bin`, kind: 'file' as const, sizeBytes: 16 * 1024 })))
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
    sink.open([{ relativePath: 'big', kind: 'file', sizeBytes: 2 * MAX_QUEUED_WRITE_BYTES }])
    const piece = Buffer.alloc(1 << 20)
    let accepted = 0
    for (let off = 0; off < 2 * MAX_QUEUED_WRITE_BYTES; off += piece.length) if (sink.write(0, off, piece)) accepted += piece.length
    expect(accepted).toBeLessThanOrEqual(MAX_QUEUED_WRITE_BYTES)
    await sink.flush()
    await sink.close()
  })
})
