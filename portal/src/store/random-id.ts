// Unguessable identifiers and secrets, and the hash under which secrets are stored (a leaked database reveals no live secret).
import { createHash, randomBytes } from 'node:crypto'

/**
 * A random id, base64url, `bytes` of entropy (12 bytes = 96 bits for ids, 32 for secrets). Never one that starts with
 * '-': on a command line (`ferry package show <id>`) it would read as an option, and 1 id in 64 did.
 */
export function randomId (bytes = 12): string {
  for (;;) {
    const id = randomBytes(bytes).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

export function secretHash (secret: string): string {
  return createHash('sha256').update(secret).digest('base64url')
}
