// A typed key-value collection on a LevelDB sublevel: the repository shape every simple portal record uses.
import type { AbstractLevel, AbstractSublevel } from 'abstract-level'

/** The root database every collection lives in (classic LevelDB in production, memory-level in unit tests). */
export type PortalLevel = AbstractLevel<any, string, any>

/** A repository of records keyed by string; reads return undefined for missing keys. */
export interface Collection<T> {
  get: (key: string) => Promise<T | undefined>
  getMany: (keys: string[]) => Promise<Array<T | undefined>>
  put: (key: string, value: T) => Promise<void>
  del: (key: string) => Promise<void>
  /** Values whose keys start with `prefix`, in key order (reverse when asked), at most `limit`. */
  list: (options?: { prefix?: string, gt?: string, lt?: string, limit?: number, reverse?: boolean }) => Promise<Array<{ key: string, value: T }>>
}

export class LevelCollection<T> implements Collection<T> {
  readonly level: AbstractSublevel<PortalLevel, any, string, T>

  constructor (db: PortalLevel, name: string) {
    this.level = db.sublevel<string, T>(name, { valueEncoding: 'json' })
  }

  async get (key: string): Promise<T | undefined> {
    return await this.level.get(key)
  }

  async getMany (keys: string[]): Promise<Array<T | undefined>> {
    return keys.length === 0 ? [] : await this.level.getMany(keys)
  }

  async put (key: string, value: T): Promise<void> {
    await this.level.put(key, value)
  }

  async del (key: string): Promise<void> {
    await this.level.del(key)
  }

  async list (options: { prefix?: string, gt?: string, lt?: string, limit?: number, reverse?: boolean } = {}): Promise<Array<{ key: string, value: T }>> {
    const range: Record<string, unknown> = { limit: options.limit ?? -1, reverse: options.reverse ?? false }
    if (options.prefix !== undefined) { range.gte = options.prefix; range.lt = options.prefix + '\xff' }
    if (options.gt !== undefined) range.gt = options.gt
    if (options.lt !== undefined) range.lt = options.lt
    const out: Array<{ key: string, value: T }> = []
    for await (const [key, value] of this.level.iterator(range as any)) out.push({ key, value })
    return out
  }
}
