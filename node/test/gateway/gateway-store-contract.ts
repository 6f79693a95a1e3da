// The contract every GatewayStore keeps (the node's LevelPackageStore today), as one reusable suite.
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import type { GatewayStore, UploadRecord } from '../../src/gateway/gateway-store.js'

export interface StoreUnderTest {
  store: GatewayStore
  close: () => Promise<void>
}

const record = (over: Partial<UploadRecord> = {}): UploadRecord => ({
  id: '0123456789abcdef0123456789abcdef', pkg: 'pkg-1', path: 'dir/file.bin', lengthBytes: 6, metadata: { filename: 'file.bin' },
  createdAtMs: 1000, expiresAtMs: 2000, tokenSub: 'user-1', tokenJti: 'tok-1', tokenExpMs: 3000, ...over
})

/** Each store names its own code; the gateway passes it on, so only a coded 409 is the contract. */
const CONFLICT = { code: expect.stringMatching(/^FERRY_[A-Z]+_FILE_EXISTS$/), statusCode: 409 }

async function bytes (chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Buffer[] = []
  for await (const chunk of chunks) out.push(Buffer.from(chunk))
  return Buffer.concat(out)
}

export function describeGatewayStoreContract (name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`GatewayStore contract: ${name}`, () => {
    let sut: StoreUnderTest
    beforeEach(async () => { sut = await make() })
    afterEach(async () => { await sut.close() })

    it('knows nothing of an unknown package', async () => {
      expect(await sut.store.listEntries('nope')).toBeUndefined()
      expect(await sut.store.getEntry('nope', 'x')).toBeUndefined()
    })

    it('appends at offsets, reports the offset from stored bytes, and finalizes into a complete entry', async () => {
      const { store } = sut
      await store.createUpload(record())
      expect(await store.getUpload(record().id)).toEqual(record())
      expect(await store.getEntry('pkg-1', 'dir/file.bin')).toEqual({ path: 'dir/file.bin', kind: 'file', sizeBytes: 6, complete: false })
      expect(await store.uploadOffset(record().id)).toBe(0)
      const w1 = await store.openUploadWriter(record().id, 0)
      await w1.write(Buffer.from('abc'))
      await w1.close()
      expect(await store.uploadOffset(record().id)).toBe(3)
      const w2 = await store.openUploadWriter(record().id, 3)
      await w2.write(Buffer.from('def'))
      await w2.close()
      expect((await bytes(store.readUpload(record().id, 6))).toString()).toBe('abcdef')
      await store.touchUpload(record().id, 5000)
      expect((await store.getUpload(record().id))?.expiresAtMs).toBe(5000)
      const entry = await store.finalizeUpload(record().id, { sha256: 'f'.repeat(64), crc32: 123, completedAtMs: 4000 })
      expect(entry).toEqual({ path: 'dir/file.bin', kind: 'file', sizeBytes: 6, complete: true, sha256: 'f'.repeat(64), crc32: 123, completedAtMs: 4000 })
      expect(await store.getUpload(record().id)).toBeUndefined()
      expect((await bytes(store.readFile('pkg-1', 'dir/file.bin', 0, 6))).toString()).toBe('abcdef')
      expect((await bytes(store.readFile('pkg-1', 'dir/file.bin', 2, 4))).toString()).toBe('cd')
      expect((await bytes(store.readFile('pkg-1', 'dir/file.bin', 6, 6))).length).toBe(0)
      await store.setCrc32('pkg-1', 'dir/file.bin', 456)
      expect((await store.getEntry('pkg-1', 'dir/file.bin'))?.crc32).toBe(456)
    })

    it('refuses a second upload over a complete file or a folder', async () => {
      const { store } = sut
      await store.createUpload(record({ lengthBytes: 0 }))
      await store.finalizeUpload(record().id, { sha256: 'e'.repeat(64), crc32: 0, completedAtMs: 1 })
      await expect(store.createUpload(record({ id: 'aa'.repeat(16) }))).rejects.toMatchObject(CONFLICT)
      await store.addFolder('pkg-1', 'empty', 5)
      await expect(store.createUpload(record({ id: 'bb'.repeat(16), path: 'empty' }))).rejects.toMatchObject(CONFLICT)
      await expect(store.addFolder('pkg-1', 'dir/file.bin', 5)).rejects.toMatchObject(CONFLICT)
    })

    it('lists entries sorted by path, folders included, and lists and deletes uploads', async () => {
      const { store } = sut
      await store.addFolder('pkg-1', 'z-folder', 7)
      await store.addFolder('pkg-1', 'z-folder', 8) // idempotent: the first time stays
      await store.createUpload(record({ path: 'b' }))
      await store.createUpload(record({ id: 'cc'.repeat(16), path: 'a' }))
      await store.createUpload(record({ id: 'dd'.repeat(16), pkg: 'pkg-10', path: 'other' }))
      const entries = await store.listEntries('pkg-1')
      expect(entries?.map(e => e.path)).toEqual(['a', 'b', 'z-folder'])
      expect(entries?.[2]).toEqual({ path: 'z-folder', kind: 'folder', sizeBytes: 0, complete: true, completedAtMs: 7 })
      const ids: string[] = []
      for await (const upload of store.listUploads()) ids.push(upload.id)
      expect(ids.sort()).toEqual([record().id, 'cc'.repeat(16), 'dd'.repeat(16)].sort())
      await store.deleteUpload(record().id)
      await store.deleteUpload(record().id) // idempotent
      expect(await store.getUpload(record().id)).toBeUndefined()
      expect((await store.listEntries('pkg-1'))?.map(e => e.path)).toEqual(['a', 'z-folder'])
    })
  })
}
