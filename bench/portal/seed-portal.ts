// Seeds a portal database for the benchmark: users and packages written straight through the portal's repositories in large batches.
import { Level } from 'level'
import { join } from 'node:path'
import { PortalServices } from '@ferry/portal/portal-services'
import { PortalDatabase } from '@ferry/portal/store/portal-database'
import { hashPassword } from '@ferry/portal/auth/password-hasher'
import type { PackageRecord, UserRecord } from '@ferry/portal/store/records'
import { timerScheduler } from '@ferry/portal/notify/scheduler'
import { systemClock } from '@ferry/portal/clock'

export interface SeedResult { users: number, packages: number, tokens: string[], seedMs: number }

/** A small deterministic generator so every run seeds the same shape of data. */
function lcg (seed: number): () => number {
  let s = seed >>> 0
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
}

export async function seedPortal (dataDir: string, options: { users: number, packages: number, tokenUsers: number }): Promise<SeedResult> {
  const started = Date.now()
  const level = new Level<string, any>(join(dataDir, 'db'), { valueEncoding: 'json' })
  const db = new PortalDatabase(level)
  const services = new PortalServices({ db, clock: systemClock, scheduler: timerScheduler, fetch, keyDir: dataDir }, { publicUrl: 'http://127.0.0.1', issuer: 'bench' })
  await services.start()
  const random = lcg(42)
  // One hash for every seeded user: the benchmark measures listing, not 1k scrypt runs.
  const passwordHash = await hashPassword('bench password')
  const users: UserRecord[] = []
  const userOps: any[] = []
  const nowMs = Date.now()
  for (let i = 0; i < options.users; i++) {
    const user: UserRecord = { id: `u${String(i).padStart(5, '0')}`, name: `user${i}`, email: `user${i}@bench.test`, displayName: `User ${i}`, role: i === 0 ? 'admin' : 'user', passwordHash, external: false, disabled: false, createdAtMs: nowMs }
    users.push(user)
    userOps.push({ type: 'put', key: user.id, value: user, sublevel: db.users.level })
    userOps.push({ type: 'put', key: user.name, value: user.id, sublevel: db.userNames.level })
    userOps.push({ type: 'put', key: user.email, value: user.id, sublevel: db.userEmails.level })
  }
  await level.batch(userOps)

  const words = ['invoice', 'report', 'footage', 'render', 'contract', 'scan', 'backup', 'dataset', 'photos', 'draft', 'final', 'raw']
  const batchSize = 2000
  let ops: any[] = []
  for (let i = 0; i < options.packages; i++) {
    const sender = users[Math.floor(random() * users.length)]!
    const recipients = new Set<string>()
    const count = 1 + Math.floor(random() * 3)
    while (recipients.size < count) recipients.add(users[Math.floor(random() * users.length)]!.id)
    const createdAtMs = nowMs - (options.packages - i) * 60_000
    const fileCount = 1 + Math.floor(random() * 20)
    const files = Array.from({ length: fileCount }, (_v, f) => ({ path: `file-${f}.bin`, sizeBytes: Math.floor(random() * 1e9), sha256: '0'.repeat(64) }))
    const pkg: PackageRecord = {
      id: `p${String(i).padStart(7, '0')}`,
      senderId: sender.id,
      senderName: sender.displayName,
      title: `${words[i % words.length]} ${words[(i * 7) % words.length]} ${i}`,
      note: '',
      state: 'sent',
      recipients: [...recipients].map(id => ({ kind: 'user' as const, ref: id, label: id })),
      deliverTo: [...recipients],
      externalEmails: [],
      metadata: {},
      files,
      sizeBytes: files.reduce((s, f) => s + f.sizeBytes, 0),
      nodeIds: ['node-a'],
      createdAtMs,
      sentAtMs: createdAtMs + 1000,
      expiresAtMs: nowMs + 30 * 24 * 3600_000,
      downloads: [],
      receiptIds: [],
      forwardedBy: []
    }
    ops.push(...services.packageRepo.operations(pkg))
    if (ops.length >= batchSize * 8) { await level.batch(ops); ops = [] }
  }
  if (ops.length > 0) await level.batch(ops)

  const tokens: string[] = []
  for (let i = 0; i < options.tokenUsers; i++) tokens.push((await services.accounts.createApiToken(users[i % users.length]!, 'bench')).token)
  // Compact now, so the measured run is not the portal process paying for LevelDB's background compaction of the seed.
  await level.compactRange('!', '\xff')
  await services.stop()
  return { users: options.users, packages: options.packages, tokens, seedMs: Date.now() - started }
}
