// What the sender picked: files with their path inside the package, and folders (so empty ones survive).

export interface PickedFile {
  kind: 'file'
  /** `/`-separated path inside the package, NFC, as the tree was dropped or picked. */
  path: string
  file: File
}

export interface PickedFolder {
  kind: 'folder'
  path: string
}

export type PickedEntry = PickedFile | PickedFolder

/** Normalises a path from the browser: NFC, `/` separators, no leading slash, no empty segments. */
export function cleanPickedPath (path: string): string {
  return path.normalize('NFC').replace(/\\/g, '/').split('/').filter(s => s !== '' && s !== '.').join('/')
}

/** Whether a path would leave the package folder (`..` segments); such entries are refused before anything is sent. */
export function isTraversal (path: string): boolean {
  return path.split('/').some(segment => segment === '..')
}

/**
 * Merges new picks into the current list: the same path replaces the earlier pick; folders that turn out to hold files
 * are dropped (they are implied). Result sorted by path.
 */
export function mergePicked (current: PickedEntry[], added: PickedEntry[]): PickedEntry[] {
  const byPath = new Map<string, PickedEntry>()
  for (const entry of [...current, ...added]) byPath.set(entry.path, entry)
  const filePaths = [...byPath.values()].filter(e => e.kind === 'file').map(e => e.path)
  for (const entry of [...byPath.values()]) {
    if (entry.kind === 'folder' && filePaths.some(p => p.startsWith(entry.path + '/'))) byPath.delete(entry.path)
  }
  return [...byPath.values()].sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
}
