// /ferry/package-read/1: one node reads another's complete package files over the mesh (one request per stream, length-prefixed).
import type { PackageEntry } from './gateway-store.js'

export const PACKAGE_READ_PROTOCOL = '/ferry/package-read/1'

/** Largest data message: big enough to keep yamux busy, small enough to bound memory per stream. */
export const PACKAGE_READ_CHUNK_BYTES = 256 * 1024
/** Largest JSON message (a manifest of tens of thousands of entries). */
export const PACKAGE_READ_MAX_MESSAGE_BYTES = 32 * 1024 * 1024

/**
 * The one request a stream carries. `token` is the user's download token the asking node admitted: the holder serves
 * only when that token is for this package and names the asking node (Noise-authenticated peer id) as its audience.
 * Answer: a JSON header (PackageReadAnswer); for `read`, then data messages and a zero-length message that marks the end.
 */
export type PackageReadRequest =
  | { type: 'manifest', pkg: string, token: string }
  | { type: 'read', pkg: string, path: string, startBytes: number, endBytes: number, token: string }

export type PackageReadAnswer =
  | { ok: true, entries?: PackageEntry[] }
  | { ok: false, code: string, message: string }
