// One SHA-256 over a directory tree (each file's relative path and contents, in sorted order), so a many-file transfer is checked in one comparison.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

function filesUnder (root: string, dir = root): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...filesUnder(root, path))
    else if (entry.isFile()) out.push(relative(root, path).split(sep).join('/'))
  }
  return out
}

export function treeDigest (root: string): { sha256: string, files: number, bytes: number } {
  const hash = createHash('sha256')
  let bytes = 0
  const files = filesUnder(root).sort()
  for (const file of files) {
    const contents = readFileSync(join(root, file))
    bytes += contents.length
    hash.update(file).update('\0').update(createHash('sha256').update(contents).digest())
  }
  return { sha256: hash.digest('hex'), files: files.length, bytes }
}
