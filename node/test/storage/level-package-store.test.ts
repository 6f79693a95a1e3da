// The package store names files by ids only, makes a file visible only once adopted (verified), and deletes whole packages.
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { MemoryLevel } from 'memory-level'
import { mkdtemp, rm, writeFile, readdir, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LevelPackageStore } from '../../src/storage/level-package-store.js'

let dir: string
let store: LevelPackageStore

async function collect (it: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = []
  for await (const c of it) parts.push(Buffer.from(c))
  return Buffer.concat(parts).toString()
}

async function listAll (d: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(d, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name).slice(d.length + 1))
  return out
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-store-'))
  store = new LevelPackageStore({ db: new MemoryLevel<string, any>(), filesDir: dir })
})
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

describe('LevelPackageStore', () => {
  it('adopts a verified file under an id-built name and serves ranges of it', async () => {
    const staging = store.stagingDir('ab'.repeat(16))
    await mkdir(join(staging, 'sub'), { recursive: true })
    await writeFile(join(staging, 'sub', 'évil name ..txt'), 'hello world')
    const entry = await store.adoptVerifiedFile('pkg/../x', 'sub/évil name ..txt', join(staging, 'sub', 'évil name ..txt'), { sizeBytes: 11, sha256: 'a'.repeat(64), completedAtMs: 5 })
    expect(entry).toMatchObject({ path: 'sub/évil name ..txt', complete: true, sizeBytes: 11 })
    expect(await collect(store.readFile('pkg/../x', 'sub/évil name ..txt', 6, 11))).toBe('world')
    const files = await listAll(dir)
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(/^files\/[0-9a-f]{32}\/[0-9a-f]{32}$/)
    expect(await store.listEntries('pkg/../x')).toHaveLength(1)
    expect(await store.listEntries('pkg')).toBeUndefined()
  })

  it('refuses a different file at a complete path and unknown files with codes', async () => {
    await writeFile(join(dir, 'a'), 'x')
    await store.adoptVerifiedFile('p', 'a', join(dir, 'a'), { sizeBytes: 1, sha256: 'a'.repeat(64), completedAtMs: 1 })
    await writeFile(join(dir, 'b'), 'y')
    await expect(store.adoptVerifiedFile('p', 'a', join(dir, 'b'), { sizeBytes: 1, sha256: 'b'.repeat(64), completedAtMs: 1 })).rejects.toMatchObject({ code: 'FERRY_NODE_FILE_EXISTS' })
    await expect(store.completeFilePath('p', 'nope')).rejects.toMatchObject({ code: 'FERRY_NODE_FILE_UNKNOWN' })
    expect(() => store.stagingDir('../x')).toThrow(expect.objectContaining({ code: 'FERRY_NODE_TRANSFER_UNKNOWN' }))
  })

  it('keeps tus partials apart until finalized, and deletes packages', async () => {
    await store.createUpload({ id: 'c'.repeat(32), pkg: 'p', path: 'f.bin', lengthBytes: 3, metadata: {}, createdAtMs: 1, expiresAtMs: 2, tokenSub: 's', tokenJti: 'j', tokenExpMs: 3 })
    const w = await store.openUploadWriter('c'.repeat(32), 0)
    await w.write(new TextEncoder().encode('abc'))
    await w.close()
    expect((await store.getEntry('p', 'f.bin'))?.complete).toBe(false)
    expect(await store.uploadOffset('c'.repeat(32))).toBe(3)
    await store.finalizeUpload('c'.repeat(32), { sha256: 'd'.repeat(64), crc32: 7, completedAtMs: 9 })
    expect(await store.getEntry('p', 'f.bin')).toMatchObject({ complete: true, crc32: 7 })
    expect(await store.deletePackage('p')).toBe(1)
    expect(await store.listEntries('p')).toBeUndefined()
    expect(await listAll(dir)).toEqual([])
  })
})
