// Checks a package id taken from a URL or tus metadata: printable ASCII without separators (disk paths hash it anyway).
import { FerryError } from '@ferry/protocol/errors/ferry-error'

/** Longest package id accepted; the portal's ids are far shorter. */
export const MAX_PACKAGE_ID_CHARS = 200

export function checkPackageId (raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_PACKAGE_ID_CHARS || !/^[\x21-\x7e]+$/.test(raw) || /[/\\]/.test(raw)) {
    throw new FerryError('FERRY_GATEWAY_PACKAGE_ID', 'package id is missing or malformed', { statusCode: 400 })
  }
  return raw
}
