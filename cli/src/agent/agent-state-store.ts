// The agent's persistent state (admin secret, paired page keys, transfers) in one 0600 JSON file, written atomically, so transfers resume after a restart.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { AgentTransferRecord } from './agent-transfer-record.js'

export interface AgentState {
  /** Secret the local `ferry agent approve` reads from this file to prove it is the person at this machine. */
  adminSecret: string
  /** SHA-256 (hex) of each key handed to a paired portal page; the keys themselves are never stored. */
  pairedKeyHashes: string[]
  transfers: AgentTransferRecord[]
}

export class AgentStateStore {
  readonly file: string
  /** Saves run one after another: two overlapping renames of one temp file would lose a write. */
  private queue: Promise<void> = Promise.resolve()
  constructor (readonly dir: string) {
    this.file = join(dir, 'agent-state.json')
  }

  async load (): Promise<AgentState> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as AgentState
      return { adminSecret: parsed.adminSecret, pairedKeyHashes: parsed.pairedKeyHashes ?? [], transfers: parsed.transfers ?? [] }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      const fresh: AgentState = { adminSecret: randomBytes(32).toString('base64url'), pairedKeyHashes: [], transfers: [] }
      await this.save(fresh)
      return fresh
    }
  }

  async save (state: AgentState): Promise<void> {
    const snapshot = JSON.stringify(state, null, 2) + '\n'
    const write = this.queue.then(async () => await this.write(snapshot))
    this.queue = write.catch(() => {})
    await write
  }

  private async write (text: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    const tmp = `${this.file}.${process.pid}.tmp`
    await writeFile(tmp, text, { mode: 0o600 })
    await rename(tmp, this.file)
  }
}
