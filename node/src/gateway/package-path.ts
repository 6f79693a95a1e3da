// Checks a client-supplied relative path inside a package (traversal, absolute, NUL, backslash, length) before anything else sees it.
import { FerryError } from '@ferry/protocol/errors/ferry-error'

/** Longest path segment in UTF-8 bytes: NAME_MAX of ext4, APFS, NTFS (in UTF-16 units) — the limit an unzipped file meets. */
export const MAX_SEGMENT_BYTES = 255
/** Longest whole relative path in UTF-8 bytes: PATH_MAX on Linux, so the package unzips anywhere. */
export const MAX_PATH_BYTES = 4096

/**
 * Returns the canonical form of a relative package path (NFC, `/`-separated, no trailing slash), or throws a coded
 * FerryError. Disk paths never come from this string (they come from ids); it is checked so that what a downloader
 * extracts can never escape its folder and fits on any common filesystem.
 */
export function checkPackagePath (raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0) {
    throw new FerryError('FERRY_GATEWAY_PATH_INVALID', 'a relative path is required', { statusCode: 400 })
  }
  if (raw.includes('\0')) {
    throw new FerryError('FERRY_GATEWAY_PATH_INVALID', 'path contains a NUL character', { statusCode: 400, details: { reason: 'nul' } })
  }
  if (raw.includes('\\')) {
    throw new FerryError('FERRY_GATEWAY_PATH_INVALID', 'path contains a backslash; use / between folders', { statusCode: 400, details: { reason: 'backslash' } })
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0001-\u001f\u007f]/.test(raw)) {
    throw new FerryError('FERRY_GATEWAY_PATH_INVALID', 'path contains a control character', { statusCode: 400, details: { reason: 'control' } })
  }
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) {
    throw new FerryError('FERRY_GATEWAY_PATH_ABSOLUTE', 'path must be relative to the package', { statusCode: 400 })
  }
  const path = raw.normalize('NFC').replace(/\/$/, '')
  const segments = path.split('/')
  for (const segment of segments) {
    if (segment === '..') {
      throw new FerryError('FERRY_GATEWAY_PATH_TRAVERSAL', 'path may not contain ".." segments', { statusCode: 400 })
    }
    if (segment === '' || segment === '.') {
      throw new FerryError('FERRY_GATEWAY_PATH_INVALID', 'path has an empty or "." segment', { statusCode: 400, details: { reason: 'segment' } })
    }
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) {
      throw new FerryError('FERRY_GATEWAY_PATH_TOO_LONG', `a file or folder name may be at most ${MAX_SEGMENT_BYTES} bytes in UTF-8`, { statusCode: 400, details: { maxSegmentBytes: MAX_SEGMENT_BYTES } })
    }
  }
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) {
    throw new FerryError('FERRY_GATEWAY_PATH_TOO_LONG', `a path may be at most ${MAX_PATH_BYTES} bytes in UTF-8`, { statusCode: 400, details: { maxPathBytes: MAX_PATH_BYTES } })
  }
  return path
}
