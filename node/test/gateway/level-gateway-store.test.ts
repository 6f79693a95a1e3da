// LevelGatewayStore keeps the GatewayStore contract on a real LevelDB, names files by ids only, and shows a file only once finalized.
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, expect } from 'vitest'
import { Level } from 'level'
import { LevelGatewayStore } from '../../src/gateway/level-gateway-store.js'
import { describeGatewayStoreContract } from './gateway-store-contract.js'

async function open (): Promise<{ store: LevelGatewayStore, dir: string, close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-store-'))
  const db = new Level<string, any>(join(dir, 'db'))
  await db.open()
  return { store: new LevelGatewayStore({ db, filesDir: join(dir, 'files') }), dir, close: async () => { await db.close(); await rm(dir, { recursive: true, force: true }) } }
}

describeGatewayStoreContract('LevelGatewayStore', open)

async function tree (dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort()
}

describe('LevelGatewayStore on disk', () => {
  it('builds every disk path from ids and moves a partial under its final name only when finalized', async () => {
    const { store, dir, close } = await open()
    try {
      const id = 'ab'.repeat(16)
      await store.createUpload({ id, pkg: 'pkg/../1', path: 'secret/../名前.txt', lengthBytes: 2, metadata: {}, createdAtMs: 0, expiresAtMs: 1, tokenSub: 's', tokenJti: 'j', tokenExpMs: 1 })
      expect(await tree(join(dir, 'files'))).toEqual(['partial', `partial/${id}`])
      const writer = await store.openUploadWriter(id, 0)
      await writer.write(Buffer.from('hi'))
      await writer.close()
      expect(await store.getEntry('pkg/../1', 'secret/../名前.txt')).toMatchObject({ complete: false })
      await store.finalizeUpload(id, { sha256: '0'.repeat(64), crc32: 0, completedAtMs: 1 })
      const files = (await tree(join(dir, 'files'))).filter(p => p.startsWith('files/'))
      expect(files).toHaveLength(2)
      for (const path of files) expect(path).toMatch(/^files(\/[0-9a-f]{32}){1,2}$/)
      expect(await tree(join(dir, 'files', 'partial'))).toEqual([])
      await expect(store.uploadOffset('../../etc')).rejects.toMatchObject({ code: 'FERRY_GATEWAY_UPLOAD_UNKNOWN' })
    } finally { await close() }
  })
})
