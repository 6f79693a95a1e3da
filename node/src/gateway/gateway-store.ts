// What the browser gateway needs from a node's storage: package manifests, positional file reads, partial uploads that become files only once verified.

/** One entry of a package manifest. */
export interface PackageEntry {
  /** Relative path inside the package, `/`-separated, NFC, checked by checkPackagePath. Never used to build a disk path. */
  path: string
  /** A folder entry exists so that empty folders survive; files inside folders need no folder entry. */
  kind: 'file' | 'folder'
  /** Declared size of the file (0 for folders). */
  sizeBytes: number
  /** True once every byte is stored and the SHA-256 verified (folders: always true). */
  complete: boolean
  /** Hex SHA-256 of the whole file; set when complete. */
  sha256?: string
  /** CRC-32 (zip polynomial) of the whole file; set when complete. The zip needs it before streaming. */
  crc32?: number
  /** When the entry became complete (ms since the epoch); the zip's timestamps come from it, so it must never change. */
  completedAtMs?: number
}

/** A tus upload in progress: the record behind /gateway/v1/uploads/:id. */
export interface UploadRecord {
  /** Random id (hex), unguessable; the upload URL is built from it. */
  id: string
  pkg: string
  /** Canonical relative path of the file this upload becomes. */
  path: string
  /** Upload-Length: the file's size in bytes. */
  lengthBytes: number
  /** Hex SHA-256 the client expects, when it gave one; checked at the end. */
  expectedSha256?: string
  /** Upload-Metadata as the client sent it (minus any token), echoed on HEAD. */
  metadata: Record<string, string>
  createdAtMs: number
  /** After this the upload may be swept (tus expiration); pushed forward by every PATCH. */
  expiresAtMs: number
  /** The creating token's subject and id, for the receipt and byte accounting. */
  tokenSub: string
  tokenJti: string
  /** Until then the upload URL alone authorises HEAD/PATCH/DELETE (for clients that sent the token in Upload-Metadata). */
  tokenExpMs: number
}

/** Appends bytes to one partial upload; obtained from GatewayStore.openUploadWriter, used by one PATCH at a time. */
export interface UploadWriter {
  /** Writes `chunk` at the writer's current offset and advances it; resolves once the bytes are in the file. */
  write (chunk: Uint8Array): Promise<void>
  /** Releases the file; the partial keeps every byte written so far. */
  close (): Promise<void>
}

/** Digests the gateway computed over the whole file; the store records them with the finished file. */
export interface FileDigests {
  sha256: string
  crc32: number
  completedAtMs: number
}

/**
 * Node storage as the gateway sees it. The node implements it over its own LevelDB and data folder (LevelPackageStore,
 * node/src/storage/level-package-store.ts). Disk paths come from ids only. A partial upload appears under its final name (and its
 * manifest entry turns complete) only in finalizeUpload, after the gateway verified its SHA-256.
 */
export interface GatewayStore {
  /** The package's manifest, sorted by path; undefined when this node knows nothing of the package. */
  listEntries (pkg: string): Promise<PackageEntry[] | undefined>
  getEntry (pkg: string, path: string): Promise<PackageEntry | undefined>
  /** Records an (empty) folder entry; idempotent. A file at that path: a coded FerryError with statusCode 409. */
  addFolder (pkg: string, path: string, nowMs: number): Promise<PackageEntry>
  /**
   * Streams bytes [startBytes, endBytes) of a complete file. Called only for complete entries.
   * The iterator is closed early (return()) when the HTTP client goes away; release the file then.
   */
  readFile (pkg: string, path: string, startBytes: number, endBytes: number): AsyncIterable<Uint8Array>
  /** Remembers a CRC-32 the gateway computed for a complete file that had none (e.g. one stored by the UDP path). */
  setCrc32 (pkg: string, path: string, crc32: number): Promise<void>

  /**
   * Creates the upload record, an empty partial file, and an incomplete manifest entry for record.path.
   * A complete file or a folder already at that path: a coded FerryError with statusCode 409 (`FERRY_NODE_FILE_EXISTS`, which browsers rely on to count the file as done).
   */
  createUpload (record: UploadRecord): Promise<void>
  getUpload (id: string): Promise<UploadRecord | undefined>
  /** Every upload in progress (for the expiration sweep). */
  listUploads (): AsyncIterable<UploadRecord>
  /** Bytes already in the partial file: the tus Upload-Offset. The partial file is the truth, so a crash loses nothing written. */
  uploadOffset (id: string): Promise<number>
  /** Opens the partial file for appending at `offsetBytes` (which equals uploadOffset). */
  openUploadWriter (id: string, offsetBytes: number): Promise<UploadWriter>
  /** Streams bytes [0, endBytes) of the partial file, to rebuild the running hash after a restart. */
  readUpload (id: string, endBytes: number): AsyncIterable<Uint8Array>
  /** Pushes the upload's expiry forward. */
  touchUpload (id: string, expiresAtMs: number): Promise<void>
  /**
   * Makes the verified partial the package's file: durable under its final (id-built) name, entry complete with the
   * digests, upload record gone. Atomic as far as a reader can tell.
   */
  finalizeUpload (id: string, digests: FileDigests): Promise<PackageEntry>
  /** Removes the upload record, its partial file, and its manifest entry if that is still incomplete. Idempotent. */
  deleteUpload (id: string): Promise<void>
}
