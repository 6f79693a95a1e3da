// SHA-256 of a file (or of its first N bytes), streamed, for verifying what arrived and resuming hashes.
import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'

/** Feeds bytes [0, endBytes) of the file into `hash` (all of it when endBytes is undefined). */
export async function hashFileInto (hash: Hash, path: string, endBytes?: number, signal?: AbortSignal): Promise<void> {
  if (endBytes === 0) return
  const stream = createReadStream(path, { end: endBytes === undefined ? undefined : endBytes - 1, highWaterMark: 1 << 20, signal })
  for await (const chunk of stream) hash.update(chunk as Buffer)
}

export async function fileSha256 (path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256')
  await hashFileInto(hash, path, undefined, signal)
  return hash.digest('hex')
}
