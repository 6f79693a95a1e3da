// Packages and their inbox, sent, draft, search and expiry indexes, rewritten together in one atomic batch.
import type { PortalDatabase } from './portal-database.js'
import type { LevelCollection } from './level-collection.js'
import type { PackageRecord, PackageSummary } from './records.js'
import { reverseTimeKey, timeKey } from './sort-key.js'

export interface PageOptions {
  limit: number
  /** The `nextCursor` of the previous page. */
  cursor?: string
}

export interface Page {
  items: PackageSummary[]
  nextCursor?: string
}

/** Stores packages; `save` keeps every index in step with the record. */
export interface PackageRepository {
  get: (id: string) => Promise<PackageRecord | undefined>
  /** Writes `next` and moves its index entries from where `previous` had them; one atomic batch. */
  save: (next: PackageRecord, previous?: PackageRecord) => Promise<void>
  inbox: (ownerId: string, page: PageOptions) => Promise<Page>
  sent: (senderId: string, page: PageOptions) => Promise<Page>
  drafts: (senderId: string, page: PageOptions) => Promise<Page>
  /** Packages any of `ownerIds` may see whose words start with each query word. */
  search: (ownerIds: string[], query: string, limit: number) => Promise<PackageSummary[]>
  /** Ids of packages whose expiry time is at or before `nowMs`. */
  dueForExpiry: (nowMs: number, limit: number) => Promise<string[]>
}

type IndexName = 'inboxIndex' | 'sentIndex' | 'draftIndex' | 'searchIndex' | 'expiryIndex'

export function summarize (pkg: PackageRecord): PackageSummary {
  return {
    id: pkg.id,
    title: pkg.title,
    senderName: pkg.senderName,
    state: pkg.state,
    createdAtMs: pkg.createdAtMs,
    sentAtMs: pkg.sentAtMs ?? 0,
    expiresAtMs: pkg.expiresAtMs ?? 0,
    sizeBytes: pkg.sizeBytes,
    fileCount: pkg.files.length
  }
}

export function searchWords (text: string): string[] {
  const words = text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(w => w.length >= 2)
  return [...new Set(words)].slice(0, 40).map(w => w.slice(0, 40))
}

const VISIBLE_IN_INBOX = new Set(['uploading', 'sent', 'downloaded', 'expired'])

/** First pages cached per owner (entries): inbox listings are read far more often than packages change. */
const PAGE_CACHE_MAX = 20_000

export class LevelPackageRepository implements PackageRepository {
  /** `<index>|<owner>|<limit>` → first page; every save drops the entries of the owners it touches. */
  private readonly firstPages = new Map<string, Page>()
  /** Counts finished saves, and saves under way: a scan that overlapped a save is not cached (its snapshot may predate it). */
  private writes = 0
  private savesInFlight = 0

  constructor (private readonly db: PortalDatabase) {}

  async get (id: string): Promise<PackageRecord | undefined> {
    return await this.db.packages.get(id)
  }

  /** Every index key (and value) a package state implies. */
  indexEntries (pkg: PackageRecord): Array<{ index: IndexName, key: string, value: unknown }> {
    const out: Array<{ index: IndexName, key: string, value: unknown }> = []
    if (pkg.state === 'deleted') return out
    const summary = summarize(pkg)
    const created = reverseTimeKey(pkg.createdAtMs)
    if (pkg.state === 'draft') {
      out.push({ index: 'draftIndex', key: `${pkg.senderId}!${created}!${pkg.id}`, value: summary })
      return out
    }
    out.push({ index: 'sentIndex', key: `${pkg.senderId}!${created}!${pkg.id}`, value: summary })
    if (VISIBLE_IN_INBOX.has(pkg.state)) {
      const delivered = reverseTimeKey(pkg.sentAtMs ?? pkg.createdAtMs)
      for (const owner of pkg.deliverTo) out.push({ index: 'inboxIndex', key: `${owner}!${delivered}!${pkg.id}`, value: summary })
    }
    const words = searchWords(`${pkg.title} ${pkg.note} ${pkg.senderName}`)
    for (const owner of new Set([pkg.senderId, ...pkg.deliverTo])) {
      for (const word of words) out.push({ index: 'searchIndex', key: `${owner}!${word}!${pkg.id}`, value: 1 })
    }
    if (pkg.expiresAtMs !== undefined && pkg.state !== 'expired') {
      out.push({ index: 'expiryIndex', key: `${timeKey(pkg.expiresAtMs)}!${pkg.id}`, value: pkg.id })
    }
    return out
  }

  /** The batch operations `save` would run; the benchmark seeder batches many of these at once. */
  operations (next: PackageRecord, previous?: PackageRecord): any[] {
    const nextEntries = this.indexEntries(next)
    const nextKeys = new Set(nextEntries.map(e => `${e.index} ${e.key}`))
    const ops: any[] = []
    for (const e of previous === undefined ? [] : this.indexEntries(previous)) {
      if (!nextKeys.has(`${e.index} ${e.key}`)) ops.push({ type: 'del', key: e.key, sublevel: this.db[e.index].level })
    }
    for (const e of nextEntries) ops.push({ type: 'put', key: e.key, value: e.value, sublevel: this.db[e.index].level })
    ops.push({ type: 'put', key: next.id, value: next, sublevel: this.db.packages.level })
    return ops
  }

  async save (next: PackageRecord, previous?: PackageRecord): Promise<void> {
    this.savesInFlight++
    this.forget(next, previous)
    try {
      await this.db.level.batch(this.operations(next, previous))
    } finally {
      this.savesInFlight--
      this.writes++
      this.forget(next, previous)
    }
  }

  private forget (next: PackageRecord, previous?: PackageRecord): void {
    if (this.firstPages.size === 0) return
    const owners = new Set([next.senderId, ...next.deliverTo, ...(previous === undefined ? [] : [previous.senderId, ...previous.deliverTo])])
    for (const key of [...this.firstPages.keys()]) {
      const owner = key.slice(key.indexOf('|') + 1, key.lastIndexOf('|'))
      if (owners.has(owner)) this.firstPages.delete(key)
    }
  }

  private async page (index: IndexName, ownerId: string, page: PageOptions): Promise<Page> {
    if (page.cursor !== undefined) return await this.scan(index, ownerId, page)
    const key = `${index}|${ownerId}|${page.limit}`
    const hit = this.firstPages.get(key)
    if (hit !== undefined) return hit
    const writesBefore = this.writes
    const quietBefore = this.savesInFlight === 0
    const result = await this.scan(index, ownerId, page)
    if (!quietBefore || this.savesInFlight !== 0 || writesBefore !== this.writes) return result
    if (this.firstPages.size >= PAGE_CACHE_MAX) this.firstPages.delete(this.firstPages.keys().next().value!)
    this.firstPages.set(key, result)
    return result
  }

  private async scan (index: IndexName, ownerId: string, page: PageOptions): Promise<Page> {
    const prefix = `${ownerId}!`
    const range: Record<string, unknown> = { lt: prefix + '\xff', limit: page.limit + 1 }
    if (page.cursor !== undefined && page.cursor.startsWith(prefix)) range.gt = page.cursor
    else range.gte = prefix
    const items: PackageSummary[] = []
    let lastKey = ''
    let more = false
    const level = this.db[index].level as LevelCollection<unknown>['level']
    for await (const [key, value] of level.iterator(range as any)) {
      if (items.length === page.limit) { more = true; break }
      items.push(value as PackageSummary)
      lastKey = key
    }
    return more ? { items, nextCursor: lastKey } : { items }
  }

  async inbox (ownerId: string, page: PageOptions): Promise<Page> { return await this.page('inboxIndex', ownerId, page) }
  async sent (senderId: string, page: PageOptions): Promise<Page> { return await this.page('sentIndex', senderId, page) }
  async drafts (senderId: string, page: PageOptions): Promise<Page> { return await this.page('draftIndex', senderId, page) }

  async search (ownerIds: string[], query: string, limit: number): Promise<PackageSummary[]> {
    const words = searchWords(query)
    if (words.length === 0) return []
    const [first, ...rest] = words
    const found = new Set<string>()
    for (const owner of ownerIds) {
      for (const { key } of await this.db.searchIndex.list({ prefix: `${owner}!${first}`, limit: 1000 })) {
        found.add(key.slice(key.lastIndexOf('!') + 1))
      }
    }
    const results: PackageSummary[] = []
    for (const pkg of await this.db.packages.getMany([...found])) {
      if (pkg === undefined || pkg.state === 'deleted') continue
      const have = searchWords(`${pkg.title} ${pkg.note} ${pkg.senderName}`)
      if (!rest.every(w => have.some(h => h.startsWith(w)))) continue
      results.push(summarize(pkg))
    }
    results.sort((a, b) => (b.sentAtMs || b.createdAtMs) - (a.sentAtMs || a.createdAtMs))
    return results.slice(0, limit)
  }

  async dueForExpiry (nowMs: number, limit: number): Promise<string[]> {
    const rows = await this.db.expiryIndex.list({ lt: `${timeKey(nowMs)}!\xff`, limit })
    return rows.map(r => r.value)
  }
}
