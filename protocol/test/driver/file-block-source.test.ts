// FileBlockSource: every byte and digest right for many small files, a folder, an empty file and a multi-block file; read-ahead spans files; descriptors close as the reader passes; a released block is read again for a resend.
import { describe, it, expect, afterEach } from 'vitest'
import { randomBytes, createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileBlockSource, SOURCE_BLOCK_BYTES, type SourceFile } from '../../src/driver/file-block-source.js'
import { MAX_PAYLOAD_BYTES } from '../../src/wire/datagram-codec.js'

const dirs: string[] = []
const sources: FileBlockSource[] = []
afterEach(async () => {
  await Promise.all(sources.splice(0).map(s => s.close()))
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** Files on disk and their contents (null for the folder). */
function makeTree (smallCount: number): { files: SourceFile[], contents: Array<Buffer | null> } {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-source-'))
  dirs.push(dir)
  const files: SourceFile[] = []
  const contents: Array<Buffer | null> = []
  const add = (name: string, bytes: Buffer): void => {
    writeFileSync(join(dir, name), bytes)
    files.push({ absolutePath: join(dir, name), sizeBytes: bytes.length })
    contents.push(bytes)
  }
  for (let i = 0; i < smallCount; i++) add(`small-${i}`, randomBytes(16 * 1024))
  files.push({ absolutePath: null, sizeBytes: 0 })
  contents.push(null)
  add('empty', Buffer.alloc(0))
  add('large', randomBytes(2 * SOURCE_BLOCK_BYTES + 12_345))
  return { files, contents }
}

/** A source whose `onReady` resolves the promise `loaded()` hands out. */
function openSource (files: SourceFile[]): { source: FileBlockSource, loaded: () => Promise<void> } {
  let wake: () => void = () => {}
  const source = new FileBlockSource(files, () => wake(), err => { throw err })
  sources.push(source)
  return { source, loaded: async () => await new Promise<void>(resolve => { wake = resolve }) }
}

/** Reads like a sending session: datagram-sized reads in order, waiting for the source when it has nothing yet. */
async function readAll (source: FileBlockSource, loaded: () => Promise<void>, file: number, size: number): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for (let offset = 0; offset < size;) {
    const length = Math.min(MAX_PAYLOAD_BYTES, size - offset)
    const wait = loaded()
    const bytes = source.read(file, offset, length)
    if (bytes === undefined) { await wait; continue }
    parts.push(Buffer.from(bytes))
    offset += length
  }
  return Buffer.concat(parts)
}

async function digestOf (source: FileBlockSource, loaded: () => Promise<void>, file: number): Promise<string> {
  for (;;) {
    const wait = loaded()
    const d = source.digest(file)
    if (d !== undefined) return Buffer.from(d).toString('hex')
    await wait
  }
}

describe('FileBlockSource', () => {
  it('gives every byte and digest of small files, a folder, an empty file and a multi-block file', async () => {
    const { files, contents } = makeTree(200)
    const { source, loaded } = openSource(files)
    for (let i = 0; i < files.length; i++) {
      const expected = contents[i]
      if (expected === null) { expect(await digestOf(source, loaded, i)).toBe(createHash('sha256').digest('hex')); continue }
      expect((await readAll(source, loaded, i, expected.length)).equals(expected)).toBe(true)
      expect(await digestOf(source, loaded, i)).toBe(createHash('sha256').update(expected).digest('hex'))
    }
    // Every file was passed: no descriptor stays open.
    expect(source.openDescriptors).toBe(0)
  })

  it('reads ahead across many small files, not one file at a time', async () => {
    const { files } = makeTree(300)
    const { source, loaded } = openSource(files)
    await readAll(source, loaded, 0, 16 * 1024)
    // 300 files of 16 KiB are well within the read-ahead: all of them get loaded and hashed without more reads.
    const deadline = performance.now() + 10_000
    while (source.sha256Hex(299) === undefined && performance.now() < deadline) await new Promise(resolve => setTimeout(resolve, 5))
    expect(source.sha256Hex(299)).toBeDefined()
    expect(source.openDescriptors).toBeLessThanOrEqual(1)
  })

  it('reads a released block again when a resend needs it', async () => {
    const { files, contents } = makeTree(3)
    const { source, loaded } = openSource(files)
    const first = await readAll(source, loaded, 0, 16 * 1024)
    source.release(0, 0, 16 * 1024)
    const again = await readAll(source, loaded, 0, 16 * 1024)
    expect(again.equals(first)).toBe(true)
    expect(again.equals(contents[0]!)).toBe(true)
  })

  it('reuses the buffers of released blocks for the next reads without mixing their bytes, resends included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-source-'))
    dirs.push(dir)
    const data = randomBytes(40 * SOURCE_BLOCK_BYTES + 777)
    writeFileSync(join(dir, 'big'), data)
    const { source, loaded } = openSource([{ absolutePath: join(dir, 'big'), sizeBytes: data.length }])
    // Like a session on a clean path: each datagram is acknowledged soon after it is read, so blocks are released and
    // their buffers serve the blocks read next.
    const received: Buffer[] = []
    for (let offset = 0; offset < data.length;) {
      const length = Math.min(MAX_PAYLOAD_BYTES, data.length - offset)
      const wait = loaded()
      const bytes = source.read(0, offset, length)
      if (bytes === undefined) { await wait; continue }
      received.push(Buffer.from(bytes))
      source.release(0, offset, length)
      offset += length
    }
    expect(Buffer.concat(received).equals(data)).toBe(true)
    expect(await digestOf(source, loaded, 0)).toBe(createHash('sha256').update(data).digest('hex'))
    // A resend of an early block, long since released and its buffer reused: read again from the file.
    const at = 3 * SOURCE_BLOCK_BYTES + 5 * MAX_PAYLOAD_BYTES
    let resent: Uint8Array | undefined
    while ((resent = source.read(0, at, MAX_PAYLOAD_BYTES)) === undefined) await loaded()
    expect(Buffer.from(resent).equals(data.subarray(at, at + MAX_PAYLOAD_BYTES))).toBe(true)
  })
})
