// Where the gateway reads a package this node does not hold (yet): another node of the mesh, streamed while it serves.
import type { PackageEntry } from './gateway-store.js'

/**
 * A read-only view of packages held elsewhere. The gateway asks it only when the local store lacks the package or some
 * of its files; MeshPackageSource implements it over the libp2p mesh (/ferry/package-read/1).
 */
export interface RemotePackageSource {
  /**
   * The manifest of a package as a node that holds it whole sees it (every entry complete, with sha256, crc32 and
   * completedAtMs), or undefined when no reachable node has it complete.
   */
  listEntries: (pkg: string, signal?: AbortSignal) => Promise<PackageEntry[] | undefined>
  /** Streams bytes [startBytes, endBytes) of a complete file from the node that holds it; closing the iterator early cancels. */
  readFile: (pkg: string, path: string, startBytes: number, endBytes: number, signal?: AbortSignal) => AsyncIterable<Uint8Array>
}
