// The stored-zip layout is a valid zip for Python's zipfile and Info-ZIP, including ZIP64, and any byte range of it is exact.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, openSync, writeSync, closeSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { createHash } from 'node:crypto'
import { describe, it, expect, afterAll } from 'vitest'
import fc from 'fast-check'
import { ZipLayout, dosDateTime, type ZipMember } from '../../src/gateway/zip-layout.js'

const dir = mkdtempSync(join(tmpdir(), 'ferry-zip-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

const T = Date.UTC(2026, 10, 24, 12, 34, 56)
const files = new Map<string, Buffer>([
  ['a.txt', Buffer.from('alpha')],
  ['dir/b.bin', Buffer.alloc(70_000, 0xab)],
  ['empty.txt', Buffer.alloc(0)],
  ['日本語/ファイル 🚢.txt', Buffer.from('unicode names')]
])
const members: ZipMember[] = [
  ...[...files].map(([path, data]) => ({ path, kind: 'file' as const, sizeBytes: data.length, crc32: crc32(data), modifiedAtMs: T })),
  { path: 'empty folder', kind: 'folder', sizeBytes: 0, crc32: 0, modifiedAtMs: T }
]

function assemble (layout: ZipLayout, start = 0, end = layout.sizeBytes): Buffer {
  const parts: Buffer[] = []
  for (const piece of layout.pieces(start, end)) {
    parts.push(piece.kind === 'bytes' ? piece.data : files.get(piece.path)!.subarray(piece.startBytes, piece.endBytes))
  }
  return Buffer.concat(parts)
}

/** What Python's zipfile makes of an archive: names, sizes, directory flags, SHA-256 of each member, and testzip. */
function pythonView (zipPath: string): any {
  const script = [
    'import hashlib, json, sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'bad = z.testzip()',
    'print(json.dumps({"bad": bad, "entries": [{"name": i.filename, "size": i.file_size, "dir": i.is_dir(), "utf8": bool(i.flag_bits & 0x800), "date": list(i.date_time), "sha256": hashlib.sha256(z.read(i)).hexdigest()} for i in z.infolist()]}))'
  ].join('\n')
  return JSON.parse(execFileSync('python3', ['-c', script, zipPath], { encoding: 'utf8' }))
}

describe('ZipLayout', () => {
  for (const forceZip64 of [false, true]) {
    it(`is read by python zipfile and unzip -t${forceZip64 ? ' with ZIP64 records' : ''}`, () => {
      const layout = new ZipLayout(members, { forceZip64 })
      const zip = assemble(layout)
      expect(zip.length).toBe(layout.sizeBytes)
      const path = join(dir, `p${forceZip64 ? 64 : 32}.zip`)
      writeFileSync(path, zip)
      const view = pythonView(path)
      expect(view.bad).toBeNull()
      expect(view.entries.map((e: any) => e.name)).toEqual([...files.keys(), 'empty folder/'])
      for (const entry of view.entries) {
        expect(entry.utf8).toBe(true)
        expect(entry.date).toEqual([2026, 11, 24, 12, 34, 56])
        if (!entry.dir) {
          const data = files.get(entry.name)!
          expect(entry.size).toBe(data.length)
          expect(entry.sha256).toBe(createHash('sha256').update(data).digest('hex'))
        }
      }
      expect(view.entries.at(-1).dir).toBe(true)
      expect(execFileSync('unzip', ['-t', path], { encoding: 'utf8' })).toContain('No errors detected')
    })
  }

  it('is the same bytes every time and every byte range is the matching slice', () => {
    const whole = assemble(new ZipLayout(members))
    expect(assemble(new ZipLayout(members)).equals(whole)).toBe(true)
    fc.assert(fc.property(fc.nat(whole.length), fc.nat(whole.length), (a, b) => {
      const [start, end] = a <= b ? [a, b] : [b, a]
      expect(assemble(new ZipLayout(members), start, end).equals(whole.subarray(start, end))).toBe(true)
    }), { numRuns: 200 })
  })

  it('switches to ZIP64 for a member past 4 GiB (sparse file: headers are real, the big member is a hole)', () => {
    const bigBytes = 5 * 2 ** 30
    const small = Buffer.from('after the big one')
    const layout = new ZipLayout([
      { path: 'big.bin', kind: 'file', sizeBytes: bigBytes, crc32: 0, modifiedAtMs: T },
      { path: 'small.txt', kind: 'file', sizeBytes: small.length, crc32: crc32(small), modifiedAtMs: T }
    ])
    const path = join(dir, 'big.zip')
    const fd = openSync(path, 'w')
    try {
      for (const segment of layout.segments) {
        if (segment.kind === 'bytes') writeSync(fd, segment.data, 0, segment.data.length, segment.startBytes)
        else if (segment.path === 'small.txt') writeSync(fd, small, 0, small.length, segment.startBytes)
      }
    } finally { closeSync(fd) }
    const script = 'import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({"sizes": [i.file_size for i in z.infolist()], "offsets": [i.header_offset for i in z.infolist()], "small": z.read("small.txt").decode()}))'
    const view = JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' }))
    expect(view.sizes).toEqual([bigBytes, small.length])
    expect(view.offsets[1]).toBeGreaterThan(2 ** 32)
    expect(view.small).toBe('after the big one')
    expect(layout.sizeBytes).toBeGreaterThan(bigBytes)
  })

  it('encodes DOS dates in UTC and clamps pre-1980 times', () => {
    expect(dosDateTime(0)).toEqual({ time: 0, date: (1 << 5) | 1 })
    const { time, date } = dosDateTime(T)
    expect(date >> 9).toBe(2026 - 1980)
    expect(time >> 11).toBe(12)
  })
})
