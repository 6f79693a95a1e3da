// Refuses manifest paths that could escape the destination folder or mean different things on different systems (SPEC.md §5.1).
import { FerryError } from '../errors/ferry-error.js'

/** Longest accepted relative path (UTF-8 bytes), the usual PATH_MAX. */
export const MAX_RELATIVE_PATH_BYTES = 4096

function refuse (code: `FERRY_${string}`, message: string, path: string): never {
  throw new FerryError(code, message, { statusCode: 400, details: { path: path.slice(0, 200) } })
}

/**
 * Accepts `a/b/c.txt` style paths only: '/'-separated, no empty, `.` or `..` segment, not absolute, no NUL,
 * no backslash and no drive letter or other ':' (Windows alternate streams). Returns the path unchanged.
 */
export function validateRelativePath (path: string): string {
  if (typeof path !== 'string' || path.length === 0) refuse('FERRY_MANIFEST_PATH_EMPTY', 'the path is empty', String(path))
  // A UTF-16 unit is at most 3 UTF-8 bytes: only a long path needs counting (a manifest checks 10,000 paths twice).
  if (path.length * 3 > MAX_RELATIVE_PATH_BYTES && Buffer.byteLength(path, 'utf8') > MAX_RELATIVE_PATH_BYTES) refuse('FERRY_MANIFEST_PATH_TOO_LONG', 'the path is longer than 4096 bytes', path)
  if (path.includes('\0')) refuse('FERRY_MANIFEST_PATH_CHARACTER', 'the path contains a NUL character', path)
  if (path.includes('\\') || path.includes(':')) refuse('FERRY_MANIFEST_PATH_CHARACTER', 'the path contains a backslash or colon (Windows separators and drive letters are refused)', path)
  if (path.startsWith('/')) refuse('FERRY_MANIFEST_PATH_ABSOLUTE', 'the path is absolute', path)
  // Segment by segment without splitting: no array and no strings per path.
  for (let start = 0; start <= path.length;) {
    const slash = path.indexOf('/', start)
    const end = slash === -1 ? path.length : slash
    const length = end - start
    if (length === 2 && path.charCodeAt(start) === 46 && path.charCodeAt(start + 1) === 46) refuse('FERRY_MANIFEST_PATH_TRAVERSAL', 'the path contains a `..` segment', path)
    if (length === 0 || (length === 1 && path.charCodeAt(start) === 46)) refuse('FERRY_MANIFEST_PATH_SEGMENT', 'the path contains an empty or `.` segment', path)
    start = end + 1
  }
  return path
}
