// Finished transfers, kept in LevelDB: what moved, with whom, how fast, and how it ended.
import type { AbstractLevel, AbstractSublevel } from 'abstract-level'

type Db = AbstractLevel<any, string, any>

export interface TransferRecord {
  id: string
  direction: 'upload' | 'download' | 'replicate' | 'bench'
  pkg: string
  peer: string
  /** Token id (jti) the transfer ran under. */
  jti: string
  bytes: number
  seconds: number
  files: number
  outcome: 'complete' | 'error' | 'cancelled'
  errorCode?: string
  endedAtMs: number
}

export class TransferHistory {
  private readonly records: AbstractSublevel<Db, any, string, TransferRecord>

  constructor (db: Db) {
    this.records = db.sublevel<string, TransferRecord>('history', { valueEncoding: 'json' })
  }

  async add (record: TransferRecord): Promise<void> {
    // Keys sort by end time so the newest are read with one reverse range scan.
    await this.records.put(`${String(record.endedAtMs).padStart(15, '0')}:${record.id}`, record)
  }

  async newest (limit: number): Promise<TransferRecord[]> {
    const out: TransferRecord[] = []
    for await (const value of this.records.values({ reverse: true, limit })) out.push(value)
    return out
  }
}
