// Reads an HTTP Range header (RFC 9110 §14) against a known size: one byte range, a full response, or 416.

export type ByteRange =
  | { kind: 'full' }
  /** Bytes [startBytes, endBytes) — endBytes exclusive. */
  | { kind: 'partial', startBytes: number, endBytes: number }
  | { kind: 'unsatisfiable' }

/**
 * Interprets `Range: bytes=…` for a representation of `sizeBytes` bytes. Anything that is not a single well-formed
 * byte range is ignored (a full 200 answer), as RFC 9110 allows; multiple ranges are answered in full too, which every
 * resuming client accepts.
 */
export function parseRangeHeader (header: string | undefined, sizeBytes: number): ByteRange {
  if (header === undefined) return { kind: 'full' }
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header)
  if (match === null) return { kind: 'full' }
  const [, first, last] = match
  if (first === '' && last === '') return { kind: 'full' }
  if (first === '') {
    const suffixBytes = Number(last)
    if (suffixBytes === 0 || sizeBytes === 0) return { kind: 'unsatisfiable' }
    return { kind: 'partial', startBytes: Math.max(0, sizeBytes - suffixBytes), endBytes: sizeBytes }
  }
  const startBytes = Number(first)
  const lastBytes = last === '' ? Number.MAX_SAFE_INTEGER : Number(last)
  if (!Number.isSafeInteger(startBytes) || !Number.isSafeInteger(lastBytes) || lastBytes < startBytes) return { kind: 'full' }
  if (startBytes >= sizeBytes) return { kind: 'unsatisfiable' }
  return { kind: 'partial', startBytes, endBytes: Math.min(lastBytes + 1, sizeBytes) }
}
