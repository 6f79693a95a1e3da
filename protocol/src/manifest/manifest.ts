// The manifest of one session (files, folders, empty files) and its layout in the session's byte space (SPEC.md §5.1).
import { FerryError } from '../errors/ferry-error.js'
import { MAX_OFFSET_BYTES, MAX_PAYLOAD_BYTES } from '../wire/datagram-codec.js'
import { WireReader, writeVarint, varintSize } from '../wire/varint.js'
import { validateRelativePath } from './validate-relative-path.js'

export interface ManifestEntry {
  relativePath: string
  /** 'directory' entries carry no bytes: they make empty folders arrive. */
  kind: 'file' | 'directory'
  sizeBytes: number
}

/** SHA-256 digest bytes, sent after each file's data (SPEC.md §5.2). */
export const DIGEST_BYTES = 32
/** A manifest larger than this is refused (bytes): ~400,000 entries of typical length. */
export const MAX_MANIFEST_BYTES = 32 * 1024 * 1024
/** Bytes of the manifest region before the encoded manifest: its length, u32. */
const MANIFEST_LENGTH_PREFIX_BYTES = 4
/** The `fileIndex` of a chunk of the manifest region (SPEC.md §5.1): not on the wire, which carries global offsets. */
export const MANIFEST_FILE_INDEX = 0xffffffff

function manifestError (code: `FERRY_${string}`, message: string): FerryError {
  return new FerryError(code, message, { statusCode: 400 })
}

/** Checks entries (paths, sizes, duplicates, file-versus-folder clashes); throws a coded FerryError. */
export function validateManifest (entries: readonly ManifestEntry[]): void {
  const kinds = new Map<string, ManifestEntry['kind']>()
  for (const e of entries) {
    validateRelativePath(e.relativePath)
    if (!Number.isSafeInteger(e.sizeBytes) || e.sizeBytes < 0 || e.sizeBytes > MAX_OFFSET_BYTES - DIGEST_BYTES) throw manifestError('FERRY_MANIFEST_SIZE', `bad size for ${e.relativePath}`)
    if (e.kind === 'directory' && e.sizeBytes !== 0) throw manifestError('FERRY_MANIFEST_SIZE', `folder ${e.relativePath} has a size`)
    if (kinds.has(e.relativePath)) throw manifestError('FERRY_MANIFEST_DUPLICATE', `duplicate path ${e.relativePath}`)
    kinds.set(e.relativePath, e.kind)
  }
  // Each folder prefix of each path (up to each '/'): one substring per level, no split and join per prefix.
  for (const e of entries) {
    const path = e.relativePath
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      if (kinds.get(path.slice(0, slash)) === 'file') throw manifestError('FERRY_MANIFEST_CONFLICT', `${path} lies inside a file`)
    }
  }
}

/** Encodes entries: varint count, then per entry u8 kind, varint path length, UTF-8 path, varint size. */
export function encodeManifest (entries: readonly ManifestEntry[]): Uint8Array {
  validateManifest(entries)
  const paths = entries.map(e => Buffer.from(e.relativePath, 'utf8'))
  let size = varintSize(entries.length)
  entries.forEach((e, i) => { size += 1 + varintSize(paths[i]!.length) + paths[i]!.length + varintSize(e.sizeBytes) })
  const out = new Uint8Array(size)
  let o = writeVarint(out, 0, entries.length)
  entries.forEach((e, i) => {
    out[o++] = e.kind === 'file' ? 0 : 1
    o = writeVarint(out, o, paths[i]!.length); out.set(paths[i]!, o); o += paths[i]!.length
    o = writeVarint(out, o, e.sizeBytes)
  })
  if (out.length > MAX_MANIFEST_BYTES) throw manifestError('FERRY_MANIFEST_TOO_LARGE', 'the manifest is larger than 32 MiB')
  return out
}

/** Decodes and validates; throws FERRY_PROTOCOL_DECODE or a FERRY_MANIFEST_* code. */
export function decodeManifest (bytes: Uint8Array): ManifestEntry[] {
  const r = new WireReader(bytes)
  // Paths are decoded from one view of the whole manifest: no copy per entry (10,000 entries arrive at once).
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  const count = r.varint()
  if (count > bytes.length) throw new FerryError('FERRY_PROTOCOL_DECODE', 'manifest count exceeds its bytes', { statusCode: 400 })
  const entries: ManifestEntry[] = []
  for (let i = 0; i < count; i++) {
    const kind = r.u8()
    if (kind > 1) throw new FerryError('FERRY_PROTOCOL_DECODE', 'unknown manifest entry kind', { statusCode: 400 })
    const pathBytes = r.varint()
    const start = r.offset
    r.bytes(pathBytes) // checks the length against what is left
    const relativePath = text.toString('utf8', start, start + pathBytes)
    entries.push({ kind: kind === 0 ? 'file' : 'directory', relativePath, sizeBytes: r.varint() })
  }
  if (r.remaining !== 0) throw new FerryError('FERRY_PROTOCOL_DECODE', 'trailing bytes after manifest', { statusCode: 400 })
  validateManifest(entries)
  return entries
}

/** Where a datagram's bytes live. */
export interface Chunk {
  fileIndex: number
  offsetBytes: number
  lengthBytes: number
  globalOffset: number
}

/**
 * The session byte space (SPEC.md §5.1): [0, 4 + manifest) is the manifest region (u32 length + manifest),
 * then for each file entry its bytes followed by its 32-byte SHA-256. Folders take no space.
 */
export class ManifestLayout {
  readonly manifestRegionBytes: number
  /** Global start of each entry's region (directories: the position they would have, length 0). */
  readonly regionStart: Float64Array
  readonly totalBytes: number
  /** Entry indexes of files, ascending, and their region starts: for binary search. */
  private readonly fileIndexes: number[]
  private readonly fileStarts: number[]

  constructor (readonly entries: readonly ManifestEntry[], manifestBytes: number) {
    this.manifestRegionBytes = MANIFEST_LENGTH_PREFIX_BYTES + manifestBytes
    this.regionStart = new Float64Array(entries.length)
    this.fileIndexes = []
    this.fileStarts = []
    let cursor = this.manifestRegionBytes
    entries.forEach((e, i) => {
      this.regionStart[i] = cursor
      if (e.kind === 'file') {
        this.fileIndexes.push(i); this.fileStarts.push(cursor)
        cursor += e.sizeBytes + DIGEST_BYTES
      }
    })
    this.totalBytes = cursor
  }

  /** The manifest region's bytes: u32 length then the encoded manifest. */
  static manifestRegion (manifestBytes: Uint8Array): Uint8Array {
    const out = new Uint8Array(MANIFEST_LENGTH_PREFIX_BYTES + manifestBytes.length)
    new DataView(out.buffer).setUint32(0, manifestBytes.length)
    out.set(manifestBytes, MANIFEST_LENGTH_PREFIX_BYTES)
    return out
  }

  /** The manifest length announced by the first bytes of the region, or undefined when they are not there yet. */
  static announcedManifestBytes (regionPrefix: Uint8Array): number | undefined {
    if (regionPrefix.length < MANIFEST_LENGTH_PREFIX_BYTES) return undefined
    return new DataView(regionPrefix.buffer, regionPrefix.byteOffset).getUint32(0)
  }

  /** Global offset of (file, offset); undefined if outside the file's region. */
  globalOffset (fileIndex: number, offsetBytes: number): number | undefined {
    if (fileIndex === MANIFEST_FILE_INDEX) return offsetBytes < this.manifestRegionBytes ? offsetBytes : undefined
    const e = this.entries[fileIndex]
    if (e === undefined || e.kind !== 'file' || offsetBytes > e.sizeBytes) return undefined
    return this.regionStart[fileIndex]! + offsetBytes
  }

  /** The chunk starting at or containing `global` (chunks never cross a region or the data/digest boundary). */
  chunkAt (global: number): Chunk | undefined {
    if (global < 0 || global >= this.totalBytes) return undefined
    if (global < this.manifestRegionBytes) {
      const offset = global - (global % MAX_PAYLOAD_BYTES)
      return { fileIndex: MANIFEST_FILE_INDEX, offsetBytes: offset, lengthBytes: Math.min(MAX_PAYLOAD_BYTES, this.manifestRegionBytes - offset), globalOffset: offset }
    }
    let lo = 0
    let hi = this.fileStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (this.fileStarts[mid]! <= global) lo = mid
      else hi = mid - 1
    }
    const fileIndex = this.fileIndexes[lo]!
    const start = this.fileStarts[lo]!
    const size = this.entries[fileIndex]!.sizeBytes
    const within = global - start
    if (within >= size) return { fileIndex, offsetBytes: size, lengthBytes: DIGEST_BYTES, globalOffset: start + size }
    const offset = within - (within % MAX_PAYLOAD_BYTES)
    return { fileIndex, offsetBytes: offset, lengthBytes: Math.min(MAX_PAYLOAD_BYTES, size - offset), globalOffset: start + offset }
  }

  /** Global [start, end) of a file's region, digest included. */
  fileRegion (fileIndex: number): [number, number] {
    const start = this.regionStart[fileIndex]!
    const e = this.entries[fileIndex]!
    return [start, e.kind === 'file' ? start + e.sizeBytes + DIGEST_BYTES : start]
  }

  /** Indexes of file entries, ascending. */
  get files (): readonly number[] { return this.fileIndexes }
}
