// The tus 1.0 Upload-Metadata header: comma-separated `key base64value` pairs.
import { FerryError } from '@ferry/protocol/errors/ferry-error'

/** Decodes Upload-Metadata; values are UTF-8. Throws FERRY_GATEWAY_METADATA_INVALID on a malformed header. */
export function parseUploadMetadata (header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (header === undefined || header.trim() === '') return out
  for (const pair of header.split(',')) {
    const parts = pair.trim().split(' ')
    const key = parts[0]
    if (parts.length > 2 || key === undefined || key === '' || !/^[\x21-\x7e]+$/.test(key) || Object.hasOwn(out, key)) {
      throw new FerryError('FERRY_GATEWAY_METADATA_INVALID', 'Upload-Metadata is malformed', { statusCode: 400 })
    }
    const value = parts[1] ?? ''
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
      throw new FerryError('FERRY_GATEWAY_METADATA_INVALID', `Upload-Metadata value of "${key}" is not base64`, { statusCode: 400 })
    }
    out[key] = Buffer.from(value, 'base64').toString('utf8')
  }
  return out
}

export function formatUploadMetadata (metadata: Record<string, string>): string {
  return Object.entries(metadata).map(([key, value]) => value === '' ? key : `${key} ${Buffer.from(value, 'utf8').toString('base64')}`).join(',')
}
