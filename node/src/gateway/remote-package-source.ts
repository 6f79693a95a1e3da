// Where the gateway reads a package this node does not hold (yet): another node of the mesh, streamed while it serves.
import type { PackageEntry } from './gateway-store.js'

/**
 * A read-only view of packages held elsewhere. The gateway asks it only when the local store lacks the package or some
 * of its files; MeshPackageSource implements it over the libp2p mesh (/ferry/package-read/1).
 */
export interface RemotePackageSource {
  /**
   * The manifest of a package as a node that holds it whole sees it (every entry complete, with sha256, crc32 and
   * completedAtMs), or undefined when no reachable node has it complete. `token` is the user's download token, which the
   * holder checks too (only the entries it covers come back).
   */
  listEntries: (pkg: string, token: string, signal?: AbortSignal) => Promise<PackageEntry[] | undefined>
  /** Streams bytes [startBytes, endBytes) of a complete file from the node that holds it; closing the iterator early cancels. */
  readFile: (pkg: string, path: string, startBytes: number, endBytes: number, token: string, signal?: AbortSignal) => AsyncIterable<Uint8Array>
}
