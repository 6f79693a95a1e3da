// Package indexes: newest-first pages with cursors, a first-page cache that never serves a stale listing, search and expiry order.
import { describe, it, expect } from 'vitest'
import { MemoryLevel } from 'memory-level'
import { PortalDatabase } from '../../src/store/portal-database.js'
import { LevelPackageRepository } from '../../src/store/package-repository.js'
import type { PackageRecord } from '../../src/store/records.js'

function pkg (i: number, overrides: Partial<PackageRecord> = {}): PackageRecord {
  return {
    id: `p${i}`, senderId: 'alice', senderName: 'Alice', title: `report number ${i}`, note: '', state: 'sent',
    recipients: [], deliverTo: ['bob'], externalEmails: [], metadata: {}, files: [{ path: 'a', sizeBytes: 1 }], sizeBytes: 1,
    nodeIds: [], createdAtMs: 1000 + i, sentAtMs: 2000 + i, expiresAtMs: 10_000 + i, downloads: [], receiptIds: [], forwardedBy: [], ...overrides
  }
}

async function repo (): Promise<LevelPackageRepository> {
  const db = new PortalDatabase(new MemoryLevel({ valueEncoding: 'json' }))
  await db.open()
  return new LevelPackageRepository(db)
}

describe('LevelPackageRepository', () => {
  it('pages the inbox newest first and continues from the cursor', async () => {
    const r = await repo()
    for (let i = 0; i < 7; i++) await r.save(pkg(i))
    const first = await r.inbox('bob', { limit: 3 })
    expect(first.items.map(p => p.id)).toEqual(['p6', 'p5', 'p4'])
    const second = await r.inbox('bob', { limit: 3, cursor: first.nextCursor! })
    expect(second.items.map(p => p.id)).toEqual(['p3', 'p2', 'p1'])
    const last = await r.inbox('bob', { limit: 3, cursor: second.nextCursor! })
    expect(last.items.map(p => p.id)).toEqual(['p0'])
    expect(last.nextCursor).toBeUndefined()
    expect((await r.sent('alice', { limit: 10 })).items).toHaveLength(7)
    expect((await r.inbox('alice', { limit: 10 })).items).toHaveLength(0)
  })

  it('never serves a cached first page after a change', async () => {
    const r = await repo()
    await r.save(pkg(1))
    const before = await r.inbox('bob', { limit: 50 })
    expect(await r.inbox('bob', { limit: 50 })).toBe(before) // cached: the same object
    await r.save(pkg(2))
    expect((await r.inbox('bob', { limit: 50 })).items.map(p => p.id)).toEqual(['p2', 'p1'])
    const p1 = (await r.get('p1'))!
    await r.save({ ...p1, state: 'expired' }, p1)
    expect((await r.inbox('bob', { limit: 50 })).items.map(p => p.state)).toEqual(['sent', 'expired'])
    const p2 = (await r.get('p2'))!
    await r.save({ ...p2, state: 'deleted' }, p2)
    expect((await r.inbox('bob', { limit: 50 })).items.map(p => p.id)).toEqual(['p1'])
    expect((await r.sent('alice', { limit: 50 })).items.map(p => p.id)).toEqual(['p1'])
  })

  it('keeps drafts out of inboxes and moves them when they are sent', async () => {
    const r = await repo()
    const draft = pkg(1, { state: 'draft' })
    await r.save(draft)
    expect((await r.drafts('alice', { limit: 10 })).items.map(p => p.id)).toEqual(['p1'])
    expect((await r.inbox('bob', { limit: 10 })).items).toHaveLength(0)
    await r.save({ ...draft, state: 'sent' }, draft)
    expect((await r.drafts('alice', { limit: 10 })).items).toHaveLength(0)
    expect((await r.inbox('bob', { limit: 10 })).items.map(p => p.id)).toEqual(['p1'])
  })

  it('searches by word prefixes for sender and recipients only', async () => {
    const r = await repo()
    await r.save(pkg(1, { title: 'Quarterly invoice', note: 'for Acme' }))
    await r.save(pkg(2, { title: 'Holiday photos' }))
    expect((await r.search(['bob'], 'invo acm', 10)).map(p => p.id)).toEqual(['p1'])
    expect((await r.search(['alice'], 'photo', 10)).map(p => p.id)).toEqual(['p2'])
    expect(await r.search(['carol'], 'photo', 10)).toEqual([])
  })

  it('lists packages due for expiry in time order, and drops expired ones', async () => {
    const r = await repo()
    await r.save(pkg(2, { expiresAtMs: 500 }))
    await r.save(pkg(1, { expiresAtMs: 300 }))
    await r.save(pkg(3, { expiresAtMs: 900 }))
    expect(await r.dueForExpiry(600, 10)).toEqual(['p1', 'p2'])
    const p1 = (await r.get('p1'))!
    await r.save({ ...p1, state: 'expired' }, p1)
    expect(await r.dueForExpiry(600, 10)).toEqual(['p2'])
  })
})
