// The node's own LevelPackageStore keeps the GatewayStore contract the gateway relies on.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { LevelPackageStore } from '../../src/storage/level-package-store.js'
import { describeGatewayStoreContract } from './gateway-store-contract.js'

describeGatewayStoreContract('LevelPackageStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-pkgstore-'))
  const db = new Level<string, any>(join(dir, 'db'))
  await db.open()
  return { store: new LevelPackageStore({ db, filesDir: join(dir, 'store') }), close: async () => { await db.close(); await rm(dir, { recursive: true, force: true }) } }
})
