// The node's package storage: manifests in LevelDB, bytes in files named by ids under dataDir; serves both the gateway and the UDP path.
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { AbstractLevel, AbstractSublevel } from 'abstract-level'
import { FerryError } from '@ferry/protocol'
import type { FileDigests, GatewayStore, PackageEntry, UploadRecord, UploadWriter } from '../gateway/gateway-store.js'

/** What LevelDB holds for an entry: the public entry plus the ids that locate its bytes. */
interface StoredEntry extends PackageEntry {
  /** Name of the file under files/<package dir>/ once complete. */
  fileId?: string
  /** The tus upload filling this entry, while incomplete. */
  uploadId?: string
}

type Db = AbstractLevel<any, string, any>
type Sub<V> = AbstractSublevel<Db, any, string, V>

export interface LevelPackageStoreOptions {
  /** The node's open LevelDB; the store keeps its keys under its own sublevels. */
  db: Db
  /** Root of all file bytes (dataDir/store). */
  filesDir: string
}

/**
 * One package store for every way bytes arrive: tus uploads (GatewayStore) and UDP transfers (adoptVerifiedFile).
 * Disk paths are `files/<sha256(pkg)>/<random file id>`, `partial/<upload id>` and `staging/<transfer id>/…`: never
 * a name a client sent. A file becomes a complete entry only after its SHA-256 was verified and it was fsync'd.
 */
export class LevelPackageStore implements GatewayStore {
  private readonly entries: Sub<StoredEntry>
  private readonly uploads: Sub<UploadRecord>
  private readonly filesDir: string
  private readonly db: Db

  constructor (options: LevelPackageStoreOptions) {
    this.db = options.db
    this.entries = options.db.sublevel<string, StoredEntry>('entries', { valueEncoding: 'json' })
    this.uploads = options.db.sublevel<string, UploadRecord>('uploads', { valueEncoding: 'json' })
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
      throw new FerryError('FERRY_NODE_FILE_EXISTS', 'a file already has this path', { statusCode: 409, details: { path } })
    }
    const entry: StoredEntry = { path, kind: 'folder', sizeBytes: 0, complete: true, completedAtMs: nowMs }
    await this.entries.put(entryKey(pkg, path), entry)
    return publicEntry(entry)
  }

  async * readFile (pkg: string, path: string, startBytes: number, endBytes: number): AsyncIterable<Uint8Array> {
    const absolute = await this.completeFilePath(pkg, path)
    if (endBytes <= startBytes) return
    yield * createReadStream(absolute, { start: startBytes, end: endBytes - 1, highWaterMark: 256 * 1024 })
  }

  async setCrc32 (pkg: string, path: string, crc32: number): Promise<void> {
    const stored = await this.entries.get(entryKey(pkg, path))
    if (stored !== undefined) await this.entries.put(entryKey(pkg, path), { ...stored, crc32 })
  }

  async createUpload (record: UploadRecord): Promise<void> {
    const key = entryKey(record.pkg, record.path)
    const existing = await this.entries.get(key)
    if (existing !== undefined && (existing.complete || existing.kind === 'folder')) {
      throw new FerryError('FERRY_NODE_FILE_EXISTS', 'the package already has a complete entry at this path', { statusCode: 409, details: { path: record.path } })
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
    if (record === undefined) throw new FerryError('FERRY_NODE_UPLOAD_UNKNOWN', 'no such upload', { statusCode: 404 })
    const entry = await this.moveIntoPlace(record.pkg, record.path, this.partialPath(id), {
      sizeBytes: record.lengthBytes, sha256: digests.sha256, crc32: digests.crc32, completedAtMs: digests.completedAtMs
    }, [{ type: 'del', sublevel: this.uploads, key: id }])
    return entry
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

  /**
   * Takes a file the UDP receiver verified (its SHA-256 matched) from the staging area into the package: fsync,
   * rename under an id-built name, then record it complete. Idempotent for an entry already complete with this digest.
   */
  async adoptVerifiedFile (pkg: string, path: string, sourcePath: string, facts: { sizeBytes: number, sha256: string, completedAtMs: number }): Promise<PackageEntry> {
    const existing = await this.entries.get(entryKey(pkg, path))
    if (existing?.complete === true && existing.sha256 === facts.sha256) {
      await rm(sourcePath, { force: true })
      return publicEntry(existing)
    }
    if (existing?.complete === true) {
      throw new FerryError('FERRY_NODE_FILE_EXISTS', 'the package already has a different complete file at this path', { statusCode: 409, details: { path } })
    }
    return await this.moveIntoPlace(pkg, path, sourcePath, facts, [])
  }

  /** Absolute, id-built path of a complete file (for the UDP sender); throws FERRY_NODE_FILE_UNKNOWN otherwise. */
  async completeFilePath (pkg: string, path: string): Promise<string> {
    const stored = await this.entries.get(entryKey(pkg, path))
    if (stored?.fileId === undefined || !stored.complete) {
      throw new FerryError('FERRY_NODE_FILE_UNKNOWN', 'no complete file at this path', { statusCode: 404, details: { path } })
    }
    return this.finalPath(pkg, stored.fileId)
  }

  /** A fresh, id-named folder where a UDP receive writes its partial files and journal. */
  stagingDir (transferId: string): string {
    if (!/^[0-9a-f]{16,64}$/.test(transferId)) throw new FerryError('FERRY_NODE_TRANSFER_UNKNOWN', 'malformed transfer id', { statusCode: 404 })
    return join(this.filesDir, 'staging', transferId)
  }

  /** Removes every file and entry of a package (expiry or deletion); returns how many entries went. */
  async deletePackage (pkg: string): Promise<number> {
    const keys: string[] = []
    for await (const key of this.entries.keys({ gt: pkg + '\0', lt: pkg + '\u0001' })) keys.push(key)
    await this.entries.batch(keys.map(key => ({ type: 'del' as const, key })))
    await rm(this.packageDir(pkg), { recursive: true, force: true })
    return keys.length
  }

  private async moveIntoPlace (pkg: string, path: string, sourcePath: string, facts: { sizeBytes: number, sha256: string, crc32?: number, completedAtMs: number }, extraOps: any[]): Promise<PackageEntry> {
    const fileId = randomBytes(16).toString('hex')
    // Durable before visible: flush the bytes, rename into place, flush the folder, then record the entry.
    const handle = await open(sourcePath, 'r+')
    try { await handle.sync() } finally { await handle.close() }
    await mkdir(this.packageDir(pkg), { recursive: true })
    await rename(sourcePath, this.finalPath(pkg, fileId))
    const dir = await open(this.packageDir(pkg), 'r')
    try { await dir.sync() } finally { await dir.close() }
    const entry: StoredEntry = { path, kind: 'file', sizeBytes: facts.sizeBytes, complete: true, sha256: facts.sha256, completedAtMs: facts.completedAtMs, fileId }
    if (facts.crc32 !== undefined) entry.crc32 = facts.crc32
    await this.db.batch([{ type: 'put', sublevel: this.entries, key: entryKey(pkg, path), value: entry }, ...extraOps] as any)
    return publicEntry(entry)
  }

  private partialPath (uploadId: string): string {
    if (!/^[0-9a-f]{16,64}$/.test(uploadId)) throw new FerryError('FERRY_NODE_UPLOAD_UNKNOWN', 'malformed upload id', { statusCode: 404 })
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
