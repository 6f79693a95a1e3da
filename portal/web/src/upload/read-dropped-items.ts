// Turns a drop or a file input into PickedEntry values, walking dropped folders so the tree (and empty folders) is kept.
import { cleanPickedPath, type PickedEntry } from './picked-entry.js'

/**
 * Reads a drop's items. Must be called synchronously inside the drop handler: DataTransferItem.webkitGetAsEntry() only
 * works while the event is being dispatched; the walk itself continues asynchronously.
 */
export function readDroppedItems (dataTransfer: DataTransfer): Promise<PickedEntry[]> {
  const roots: FileSystemEntry[] = []
  const plainFiles: File[] = []
  for (const item of Array.from(dataTransfer.items)) {
    if (item.kind !== 'file') continue
    const entry = item.webkitGetAsEntry?.() ?? null
    if (entry !== null) roots.push(entry)
    else {
      const file = item.getAsFile()
      if (file !== null) plainFiles.push(file)
    }
  }
  if (roots.length === 0 && plainFiles.length === 0) plainFiles.push(...Array.from(dataTransfer.files))
  return (async () => {
    const out: PickedEntry[] = plainFiles.map(file => ({ kind: 'file', path: cleanPickedPath(file.name), file }))
    for (const root of roots) await walk(root, out)
    return out
  })()
}

/** Reads an <input type=file> (with or without webkitdirectory): webkitRelativePath keeps the tree. */
export function readInputFiles (files: FileList): PickedEntry[] {
  return Array.from(files).map(file => ({ kind: 'file', path: cleanPickedPath(file.webkitRelativePath !== '' ? file.webkitRelativePath : file.name), file }))
}

async function walk (entry: FileSystemEntry, out: PickedEntry[]): Promise<void> {
  const path = cleanPickedPath(entry.fullPath !== '' ? entry.fullPath : entry.name)
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => { (entry as FileSystemFileEntry).file(resolve, reject) })
    out.push({ kind: 'file', path, file })
    return
  }
  if (!entry.isDirectory) return
  const children = await readAllEntries((entry as FileSystemDirectoryEntry).createReader())
  if (children.length === 0) out.push({ kind: 'folder', path })
  for (const child of children) await walk(child, out)
}

/** readEntries returns at most ~100 entries per call; keep calling until it returns none. */
async function readAllEntries (reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  const all: FileSystemEntry[] = []
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => { reader.readEntries(resolve, reject) })
    if (batch.length === 0) return all
    all.push(...batch)
  }
}
