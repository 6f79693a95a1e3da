// Turns the PATH arguments of `send` and `cp` into a package manifest: every file (empty ones included) and every empty folder.
import { readdir, stat, lstat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { FerryError } from '@ferry/protocol'

export interface LocalFile {
  /** Path inside the package, `/`-separated: a folder argument keeps its own name as the first segment. */
  relativePath: string
  absolutePath: string
  sizeBytes: number
}

export interface LocalFileSet {
  files: LocalFile[]
  /** Folders with nothing inside (relative paths), so the receiver can recreate them. */
  emptyFolders: string[]
  bytesTotal: number
}

/** Walks files and folders; symlinked folders are not followed (no loops), symlinked files are read through. */
export async function collectLocalFiles (paths: string[]): Promise<LocalFileSet> {
  const files: LocalFile[] = []
  const emptyFolders: string[] = []
  const seen = new Set<string>()
  const add = (file: LocalFile): void => {
    if (seen.has(file.relativePath)) {
      throw new FerryError('FERRY_CLI_DUPLICATE_PATH', `two arguments both give "${file.relativePath}" in the package; rename one or send its parent folder`)
    }
    seen.add(file.relativePath)
    files.push(file)
  }
  const walk = async (dir: string, relative: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true })
    entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    let count = 0
    for (const entry of entries) {
      const absolutePath = join(dir, entry.name)
      const rel = `${relative}/${entry.name}`
      if (entry.isDirectory()) {
        count++
        await walk(absolutePath, rel)
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        const info = await stat(absolutePath).catch(() => undefined)
        if (info?.isFile() !== true) continue
        count++
        add({ relativePath: rel, absolutePath, sizeBytes: info.size })
      }
    }
    if (count === 0) emptyFolders.push(relative)
  }
  for (const path of paths) {
    const absolutePath = resolve(path)
    const info = await lstat(absolutePath).then(async l => l.isSymbolicLink() ? await stat(absolutePath) : l).catch((err: NodeJS.ErrnoException) => {
      throw new FerryError('FERRY_CLI_PATH_NOT_FOUND', `cannot read ${path} (${err.code ?? err.message}); check the path`, { cause: err })
    })
    const name = basename(absolutePath)
    if (info.isDirectory()) await walk(absolutePath, name)
    else if (info.isFile()) add({ relativePath: name, absolutePath, sizeBytes: info.size })
    else throw new FerryError('FERRY_CLI_PATH_NOT_FOUND', `${path} is neither a file nor a folder`)
  }
  return { files, emptyFolders, bytesTotal: files.reduce((sum, f) => sum + f.sizeBytes, 0) }
}
