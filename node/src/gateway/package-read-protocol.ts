// /ferry/package-read/1: one node reads another's complete package files over the mesh (one request per stream, length-prefixed).
import type { PackageEntry } from './gateway-store.js'

export const PACKAGE_READ_PROTOCOL = '/ferry/package-read/1'

/** Largest data message: big enough to keep yamux busy, small enough to bound memory per stream. */
export const PACKAGE_READ_CHUNK_BYTES = 256 * 1024
/** Largest JSON message (a manifest of tens of thousands of entries). */
export const PACKAGE_READ_MAX_MESSAGE_BYTES = 32 * 1024 * 1024

/**
 * The one request a stream carries. Answer: a JSON header (PackageReadAnswer); for `read`, then data messages and a
 * zero-length message that marks the end.
 */
export type PackageReadRequest =
  | { type: 'manifest', pkg: string }
  | { type: 'read', pkg: string, path: string, startBytes: number, endBytes: number }

export type PackageReadAnswer =
  | { ok: true, entries?: PackageEntry[] }
  | { ok: false, code: string, message: string }
