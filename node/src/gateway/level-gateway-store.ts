// The reference GatewayStore: manifests and upload records in LevelDB, bytes in files named by ids under one folder.
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { AbstractLevel, AbstractSublevel } from 'abstract-level'
import { FerryError } from '@ferry/protocol/errors/ferry-error'
import type { FileDigests, GatewayStore, PackageEntry, UploadRecord, UploadWriter } from './gateway-store.js'

/** What LevelDB holds for an entry: the public entry plus the ids that locate its bytes. */
interface StoredEntry extends PackageEntry {
  /** Name of the file under files/<package dir>/ once complete. */
  fileId?: string
  /** The upload that is filling this entry, while incomplete. */
  uploadId?: string
}

type Db = AbstractLevel<any, string, any>
type Sub<V> = AbstractSublevel<Db, any, string, V>

export interface LevelGatewayStoreOptions {
  /** An open LevelDB (or a sublevel of the node's); the store keeps its keys under two sublevels of it. */
  db: Db
  /** Folder for partial and finished files; created when missing. */
  filesDir: string
}

export class LevelGatewayStore implements GatewayStore {
  private readonly entries: Sub<StoredEntry>
  private readonly uploads: Sub<UploadRecord>
  private readonly filesDir: string
  private readonly db: Db

  constructor (options: LevelGatewayStoreOptions) {
    this.db = options.db
    this.entries = options.db.sublevel<string, StoredEntry>('gateway-entries', { valueEncoding: 'json' })
    this.uploads = options.db.sublevel<string, UploadRecord>('gateway-uploads', { valueEncoding: 'json' })
    this.filesDir = options.filesDir
  }

  async listEntries (pkg: string): Promise<PackageEntry[] | undefined> {
    const out: PackageEntry[] = []
    for await (const value of this.entries.values({ gt: pkg + '\0', lt: pkg + '\u0001' })) out.push(publicEntry(value))
    return out.length === 0 ? undefined : out
  }

  async getEntry (pkg: string, path: string): Promise<PackageEntry | undefined> {
    const stored = await this.entries.get(entryKey(pkg, path))
    return stored === undefined ? undefined : publicEntry(stored)
  }

  async addFolder (pkg: string, path: string, nowMs: number): Promise<PackageEntry> {
    const existing = await this.entries.get(entryKey(pkg, path))
    if (existing !== undefined) {
      if (existing.kind === 'folder') return publicEntry(existing)
      throw new FerryError('FERRY_GATEWAY_FILE_EXISTS', 'a file already has this path', { statusCode: 409, details: { path } })
    }
    const entry: StoredEntry = { path, kind: 'folder', sizeBytes: 0, complete: true, completedAtMs: nowMs }
    await this.entries.put(entryKey(pkg, path), entry)
    return publicEntry(entry)
  }

  async * readFile (pkg: string, path: string, startBytes: number, endBytes: number): AsyncIterable<Uint8Array> {
    const stored = await this.entries.get(entryKey(pkg, path))
    if (stored?.fileId === undefined || !stored.complete) {
      throw new FerryError('FERRY_GATEWAY_FILE_UNKNOWN', 'no complete file at this path', { statusCode: 404, details: { path } })
    }
    if (endBytes <= startBytes) return
    yield * createReadStream(this.finalPath(pkg, stored.fileId), { start: startBytes, end: endBytes - 1, highWaterMark: 256 * 1024 })
  }

  async setCrc32 (pkg: string, path: string, crc32: number): Promise<void> {
    const stored = await this.entries.get(entryKey(pkg, path))
    if (stored !== undefined) await this.entries.put(entryKey(pkg, path), { ...stored, crc32 })
  }

  async createUpload (record: UploadRecord): Promise<void> {
    const key = entryKey(record.pkg, record.path)
    const existing = await this.entries.get(key)
    if (existing !== undefined && (existing.complete || existing.kind === 'folder')) {
      throw new FerryError('FERRY_GATEWAY_FILE_EXISTS', 'the package already has a complete entry at this path', { statusCode: 409, details: { path: record.path } })
    }
    await mkdir(join(this.filesDir, 'partial'), { recursive: true })
    const handle = await open(this.partialPath(record.id), 'wx')
    await handle.close()
    await this.db.batch([
      { type: 'put', sublevel: this.uploads, key: record.id, value: record },
      { type: 'put', sublevel: this.entries, key, value: { path: record.path, kind: 'file', sizeBytes: record.lengthBytes, complete: false, uploadId: record.id } }
    ] as any)
  }

  async getUpload (id: string): Promise<UploadRecord | undefined> {
    return await this.uploads.get(id)
  }

  async * listUploads (): AsyncIterable<UploadRecord> {
    yield * this.uploads.values()
  }

  async uploadOffset (id: string): Promise<number> {
    return (await stat(this.partialPath(id))).size
  }

  async openUploadWriter (id: string, offsetBytes: number): Promise<UploadWriter> {
    const handle = await open(this.partialPath(id), 'r+')
    let position = offsetBytes
    return {
      async write (chunk: Uint8Array): Promise<void> {
        let done = 0
        while (done < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, done, chunk.byteLength - done, position)
          done += bytesWritten
          position += bytesWritten
        }
      },
      async close (): Promise<void> { await handle.close() }
    }
  }

  async * readUpload (id: string, endBytes: number): AsyncIterable<Uint8Array> {
    if (endBytes <= 0) return
    yield * createReadStream(this.partialPath(id), { start: 0, end: endBytes - 1, highWaterMark: 1024 * 1024 })
  }

  async touchUpload (id: string, expiresAtMs: number): Promise<void> {
    const record = await this.uploads.get(id)
    if (record !== undefined) await this.uploads.put(id, { ...record, expiresAtMs })
  }

  async finalizeUpload (id: string, digests: FileDigests): Promise<PackageEntry> {
    const record = await this.uploads.get(id)
    if (record === undefined) throw new FerryError('FERRY_GATEWAY_UPLOAD_UNKNOWN', 'no such upload', { statusCode: 404 })
    const fileId = randomBytes(16).toString('hex')
    // Durable before it is visible: flush the partial, then rename it into place, then record it.
    const handle = await open(this.partialPath(id), 'r+')
    try { await handle.sync() } finally { await handle.close() }
    await mkdir(this.packageDir(record.pkg), { recursive: true })
    await rename(this.partialPath(id), this.finalPath(record.pkg, fileId))
    const entry: StoredEntry = {
      path: record.path, kind: 'file', sizeBytes: record.lengthBytes, complete: true,
      sha256: digests.sha256, crc32: digests.crc32, completedAtMs: digests.completedAtMs, fileId
    }
    await this.db.batch([
      { type: 'put', sublevel: this.entries, key: entryKey(record.pkg, record.path), value: entry },
      { type: 'del', sublevel: this.uploads, key: id }
    ] as any)
    return publicEntry(entry)
  }

  async deleteUpload (id: string): Promise<void> {
    const record = await this.uploads.get(id)
    if (record !== undefined) {
      const key = entryKey(record.pkg, record.path)
      const entry = await this.entries.get(key)
      const ops: any[] = [{ type: 'del', sublevel: this.uploads, key: id }]
      if (entry !== undefined && !entry.complete && entry.uploadId === id) ops.push({ type: 'del', sublevel: this.entries, key })
      await this.db.batch(ops)
    }
    await rm(this.partialPath(id), { force: true })
  }

  private partialPath (uploadId: string): string {
    if (!/^[0-9a-f]{16,64}$/.test(uploadId)) throw new FerryError('FERRY_GATEWAY_UPLOAD_UNKNOWN', 'malformed upload id', { statusCode: 404 })
    return join(this.filesDir, 'partial', uploadId)
  }

  /** A package's folder is named by a hash of its id, so any id the portal chooses is safe on disk. */
  private packageDir (pkg: string): string {
    return join(this.filesDir, 'files', createHash('sha256').update(pkg).digest('hex').slice(0, 32))
  }

  private finalPath (pkg: string, fileId: string): string {
    return join(this.packageDir(pkg), fileId)
  }
}

function entryKey (pkg: string, path: string): string {
  return pkg + '\0' + path
}

function publicEntry (stored: StoredEntry): PackageEntry {
  const { fileId: _fileId, uploadId: _uploadId, ...entry } = stored
  return entry
}
