// Lays out a stored (uncompressed) zip of a package from its manifest alone, so it streams with an exact size and resumes by byte range.

/** One archive member as the layout needs it: everything but the bytes. */
export interface ZipMember {
  /** Relative path, `/`-separated; folders get a trailing `/` in the archive. */
  path: string
  kind: 'file' | 'folder'
  sizeBytes: number
  /** CRC-32 of the file's bytes (0 for folders and empty files). */
  crc32: number
  /** Modification time stored in the archive (ms since the epoch); fixed per entry so every request is byte-identical. */
  modifiedAtMs: number
}

/** A run of the archive: bytes the layout made (headers, directory) or a stretch of one member's file. */
export type ZipSegment =
  | { kind: 'bytes', startBytes: number, data: Buffer }
  | { kind: 'file', startBytes: number, path: string, sizeBytes: number }

/** A piece of a byte range of the archive, in order. */
export type ZipPiece =
  | { kind: 'bytes', data: Buffer }
  | { kind: 'file', path: string, startBytes: number, endBytes: number }

const U32_MAX = 0xffffffff
const U16_MAX = 0xffff
const FLAG_UTF8_NAMES = 0x0800
const VERSION_ZIP64 = 45
const VERSION_DEFAULT = 20
/** Version made by: Unix (3) in the high byte, so the external attributes carry Unix modes. */
const MADE_BY_UNIX = 3 << 8
const MODE_FILE = 0o100644
const MODE_DIR = 0o040755
const MSDOS_DIR_ATTR = 0x10

export interface ZipLayoutOptions {
  /** Write ZIP64 records for every member even when sizes fit in 32 bits (tests prove the ZIP64 path with small files). */
  forceZip64?: boolean
}

export class ZipLayout {
  readonly sizeBytes: number
  readonly segments: readonly ZipSegment[]

  constructor (members: readonly ZipMember[], options: ZipLayoutOptions = {}) {
    const force = options.forceZip64 === true
    const segments: ZipSegment[] = []
    const central: Buffer[] = []
    let offset = 0
    for (const member of members) {
      const name = Buffer.from(member.kind === 'folder' ? member.path + '/' : member.path, 'utf8')
      const size = member.kind === 'folder' ? 0 : member.sizeBytes
      const crc = member.kind === 'folder' ? 0 : member.crc32 >>> 0
      const { time, date } = dosDateTime(member.modifiedAtMs)
      const sizeIn64 = force || size >= U32_MAX
      const offsetIn64 = force || offset >= U32_MAX
      const needed = sizeIn64 || offsetIn64 ? VERSION_ZIP64 : VERSION_DEFAULT

      const localExtra = sizeIn64 ? zip64Extra([size, size]) : Buffer.alloc(0)
      const local = Buffer.alloc(30)
      local.writeUInt32LE(0x04034b50, 0)
      local.writeUInt16LE(needed, 4)
      local.writeUInt16LE(FLAG_UTF8_NAMES, 6)
      local.writeUInt16LE(0, 8) // method: stored
      local.writeUInt16LE(time, 10)
      local.writeUInt16LE(date, 12)
      local.writeUInt32LE(crc, 14)
      local.writeUInt32LE(sizeIn64 ? U32_MAX : size, 18)
      local.writeUInt32LE(sizeIn64 ? U32_MAX : size, 22)
      local.writeUInt16LE(name.length, 26)
      local.writeUInt16LE(localExtra.length, 28)
      const header = Buffer.concat([local, name, localExtra])
      segments.push({ kind: 'bytes', startBytes: offset, data: header })

      const centralExtra = zip64Extra([...(sizeIn64 ? [size, size] : []), ...(offsetIn64 ? [offset] : [])])
      const entry = Buffer.alloc(46)
      entry.writeUInt32LE(0x02014b50, 0)
      entry.writeUInt16LE(MADE_BY_UNIX | VERSION_ZIP64, 4)
      entry.writeUInt16LE(needed, 6)
      entry.writeUInt16LE(FLAG_UTF8_NAMES, 8)
      entry.writeUInt16LE(0, 10)
      entry.writeUInt16LE(time, 12)
      entry.writeUInt16LE(date, 14)
      entry.writeUInt32LE(crc, 16)
      entry.writeUInt32LE(sizeIn64 ? U32_MAX : size, 20)
      entry.writeUInt32LE(sizeIn64 ? U32_MAX : size, 24)
      entry.writeUInt16LE(name.length, 28)
      entry.writeUInt16LE(centralExtra.length, 30)
      entry.writeUInt16LE(0, 32) // comment
      entry.writeUInt16LE(0, 34) // disk
      entry.writeUInt16LE(0, 36) // internal attributes
      entry.writeUInt32LE(member.kind === 'folder' ? ((MODE_DIR << 16) | MSDOS_DIR_ATTR) >>> 0 : (MODE_FILE << 16) >>> 0, 38)
      entry.writeUInt32LE(offsetIn64 ? U32_MAX : offset, 42)
      central.push(entry, name, centralExtra)

      offset += header.length
      if (size > 0) {
        segments.push({ kind: 'file', startBytes: offset, path: member.path, sizeBytes: size })
        offset += size
      }
    }

    const directory = Buffer.concat(central)
    const directoryOffset = offset
    const count = members.length
    const archive64 = force || count >= U16_MAX || directory.length >= U32_MAX || directoryOffset >= U32_MAX
    const tail: Buffer[] = [directory]
    if (archive64) {
      const record = Buffer.alloc(56)
      record.writeUInt32LE(0x06064b50, 0)
      record.writeBigUInt64LE(44n, 4) // size of the rest of this record
      record.writeUInt16LE(MADE_BY_UNIX | VERSION_ZIP64, 12)
      record.writeUInt16LE(VERSION_ZIP64, 14)
      record.writeUInt32LE(0, 16)
      record.writeUInt32LE(0, 20)
      record.writeBigUInt64LE(BigInt(count), 24)
      record.writeBigUInt64LE(BigInt(count), 32)
      record.writeBigUInt64LE(BigInt(directory.length), 40)
      record.writeBigUInt64LE(BigInt(directoryOffset), 48)
      const locator = Buffer.alloc(20)
      locator.writeUInt32LE(0x07064b50, 0)
      locator.writeUInt32LE(0, 4)
      locator.writeBigUInt64LE(BigInt(directoryOffset + directory.length), 8)
      locator.writeUInt32LE(1, 16)
      tail.push(record, locator)
    }
    const end = Buffer.alloc(22)
    end.writeUInt32LE(0x06054b50, 0)
    end.writeUInt16LE(0, 4)
    end.writeUInt16LE(0, 6)
    end.writeUInt16LE(archive64 ? U16_MAX : count, 8)
    end.writeUInt16LE(archive64 ? U16_MAX : count, 10)
    end.writeUInt32LE(archive64 ? U32_MAX : directory.length, 12)
    end.writeUInt32LE(archive64 ? U32_MAX : directoryOffset, 16)
    end.writeUInt16LE(0, 20)
    tail.push(end)
    const tailBytes = Buffer.concat(tail)
    segments.push({ kind: 'bytes', startBytes: offset, data: tailBytes })
    this.segments = segments
    this.sizeBytes = offset + tailBytes.length
  }

  /** The pieces that make up archive bytes [startBytes, endBytes), in order. */
  * pieces (startBytes: number, endBytes: number): Generator<ZipPiece> {
    for (const segment of this.segments) {
      const segmentEnd = segment.startBytes + (segment.kind === 'bytes' ? segment.data.length : segment.sizeBytes)
      if (segmentEnd <= startBytes) continue
      if (segment.startBytes >= endBytes) break
      const from = Math.max(startBytes, segment.startBytes) - segment.startBytes
      const to = Math.min(endBytes, segmentEnd) - segment.startBytes
      if (segment.kind === 'bytes') yield { kind: 'bytes', data: segment.data.subarray(from, to) }
      else yield { kind: 'file', path: segment.path, startBytes: from, endBytes: to }
    }
  }
}

/** A ZIP64 extended-information extra field (header id 1) holding the given 64-bit values in order. */
function zip64Extra (values: number[]): Buffer {
  if (values.length === 0) return Buffer.alloc(0)
  const extra = Buffer.alloc(4 + 8 * values.length)
  extra.writeUInt16LE(0x0001, 0)
  extra.writeUInt16LE(8 * values.length, 2)
  values.forEach((value, i) => extra.writeBigUInt64LE(BigInt(value), 4 + 8 * i))
  return extra
}

/** MS-DOS date and time fields (UTC, 2-second resolution); dates before 1980 become 1980-01-01. */
export function dosDateTime (ms: number): { time: number, date: number } {
  const d = new Date(ms)
  if (d.getUTCFullYear() < 1980) return { time: 0, date: (1 << 5) | 1 }
  const year = Math.min(d.getUTCFullYear(), 2107)
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate()
  }
}
