// The receiver's resumable state as plain JSON (SPEC.md §9): written by the driver after the data it names is on disk.
import { FerryError } from '../errors/ferry-error.js'

/** Journal format written now; versions 1 (no block checks) and 2 (block SHA-256s, not used any more) are still read. */
export const JOURNAL_VERSION = 3

export interface ResumeJournal {
  version: 3
  connectionId: string
  /** The encoded manifest (SPEC.md §5.1), base64. */
  manifestBase64: string
  /** Global byte ranges held (SPEC.md §5.1), ascending, disjoint. */
  receivedRanges: Array<[number, number]>
  /** Digests the sender sent, by file index, hex. */
  digestsHex: Record<string, string>
  /** CRC-32 of the integrity blocks checked on disk (SPEC.md §5.2), by file index: one per block index, null where not checked. */
  blockCrc32: Record<string, Array<number | null>>
}

/** Serializes a journal (stable JSON). */
export function serializeJournal (journal: ResumeJournal): string {
  return JSON.stringify(journal)
}

/** Parses and checks a journal; a damaged one raises FERRY_PROTOCOL_JOURNAL (the caller then starts afresh). */
export function parseJournal (text: string): ResumeJournal {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new FerryError('FERRY_PROTOCOL_JOURNAL', 'the resume journal is not valid JSON', { cause: err })
  }
  const j = value as Partial<Omit<ResumeJournal, 'version'>> & { version?: number, blockSha256Hex?: unknown }
  if (j !== null && typeof j === 'object' && (j.version === 1 || j.version === 2) && j.blockCrc32 === undefined) {
    // Older journals: their ranges hold; blocks they recorded are taken unchecked (the whole-file SHA-256 still covers them).
    j.version = JOURNAL_VERSION
    j.blockCrc32 = {}
    delete j.blockSha256Hex
  }
  const ok = j !== null && typeof j === 'object' && j.version === JOURNAL_VERSION && typeof j.connectionId === 'string' &&
    typeof j.manifestBase64 === 'string' && Array.isArray(j.receivedRanges) &&
    j.receivedRanges.every(r => Array.isArray(r) && r.length === 2 && Number.isSafeInteger(r[0]) && Number.isSafeInteger(r[1]) && r[0] >= 0 && r[1] > r[0]) &&
    j.digestsHex !== null && typeof j.digestsHex === 'object' &&
    Object.entries(j.digestsHex).every(([k, v]) => /^\d+$/.test(k) && typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)) &&
    j.blockCrc32 !== null && typeof j.blockCrc32 === 'object' &&
    Object.entries(j.blockCrc32).every(([k, list]) => /^\d+$/.test(k) && Array.isArray(list) &&
      list.every(v => v === null || (Number.isInteger(v) && v >= 0 && v <= 0xffffffff)))
  if (!ok) throw new FerryError('FERRY_PROTOCOL_JOURNAL', 'the resume journal is malformed')
  return j as ResumeJournal
}
