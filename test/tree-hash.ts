// Test helper: the SHA-256 of every regular file in a folder, to compare what was sent with what arrived.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

/** Every regular file under `root` → its SHA-256, by `/`-separated relative path. */
export function hashTree (root: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    out[relative(root, path).split(sep).join('/')] = createHash('sha256').update(readFileSync(path)).digest('hex')
  }
  return out
}
