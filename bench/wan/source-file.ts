// Makes the file the tools move (random bytes, so nothing compresses) and hashes files, the check every transfer must pass.
import { createHash, randomFillSync } from 'node:crypto'
import { createReadStream, openSync, writeSync, closeSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** Writes `sizeBytes` random bytes to `path` and returns their SHA-256 (hex). */
export function writeRandomFile (path: string, sizeBytes: number): string {
  const hash = createHash('sha256')
  const chunk = Buffer.alloc(1 << 20)
  const fd = openSync(path, 'w')
  try {
    for (let done = 0; done < sizeBytes;) {
      const n = Math.min(chunk.length, sizeBytes - done)
      const part = chunk.subarray(0, n)
      randomFillSync(part)
      hash.update(part)
      writeSync(fd, part)
      done += n
    }
  } finally {
    closeSync(fd)
  }
  return hash.digest('hex')
}

export async function sha256File (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Bytes under a directory, partial and temporary files included: what has arrived so far. */
export function bytesUnder (dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) total += bytesUnder(path)
    else if (entry.isFile()) total += statSync(path).size
  }
  return total
}
