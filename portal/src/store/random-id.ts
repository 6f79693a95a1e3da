// Unguessable identifiers and secrets, and the hash under which secrets are stored (a leaked database reveals no live secret).
import { createHash, randomBytes } from 'node:crypto'

/** A random id, base64url, `bytes` of entropy (12 bytes = 96 bits for ids, 32 for secrets). */
export function randomId (bytes = 12): string {
  return randomBytes(bytes).toString('base64url')
}

export function secretHash (secret: string): string {
  return createHash('sha256').update(secret).digest('base64url')
}
