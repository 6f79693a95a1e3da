// A package cannot hold both a file `a` and anything under `a/`: the zip would not unpack. Checked before an entry is added.
import { FerryError } from '@ferry/protocol/errors/ferry-error'
import type { PackageEntry } from './gateway-store.js'

/** Throws FERRY_GATEWAY_PATH_CONFLICT when `path` (of `kind`) would sit under a file, or a file would have entries under it. */
export function checkNoPathConflict (entries: readonly PackageEntry[] | undefined, path: string, kind: 'file' | 'folder'): void {
  for (const entry of entries ?? []) {
    const underFile = entry.kind === 'file' && path.startsWith(entry.path + '/')
    const overEntries = kind === 'file' && entry.path.startsWith(path + '/')
    if (underFile || overEntries) {
      throw new FerryError('FERRY_GATEWAY_PATH_CONFLICT', `"${path}" conflicts with "${entry.path}": a name cannot be both a file and a folder`, {
        statusCode: 409, details: { path, conflictsWith: entry.path }
      })
    }
  }
}
