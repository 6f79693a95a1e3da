// The two interfaces through which a pure session reaches file bytes without doing I/O itself (SPEC.md §6).
import type { ManifestEntry } from '../manifest/manifest.js'

/**
 * Gives a sending session the bytes it must send. Synchronous by design: a disk source prefetches into a bounded
 * buffer and answers `undefined` for what is not loaded yet, then calls the driver back so it polls the session again.
 */
export interface BlockSource {
  /** Bytes [offsetBytes, offsetBytes + lengthBytes) of file `fileIndex` (a manifest entry index), or undefined if not loaded yet. */
  read (fileIndex: number, offsetBytes: number, lengthBytes: number): Uint8Array | undefined
  /** The file's SHA-256, or undefined until the source has hashed the whole file. */
  digest (fileIndex: number): Uint8Array | undefined
  /** The session will need bytes from here on soon (its new-data cursor): a hint for prefetching. */
  advise? (fileIndex: number, offsetBytes: number): void
  /** Every byte of [offsetBytes, offsetBytes + lengthBytes) of the file is acknowledged: the source may drop it. */
  release? (fileIndex: number, offsetBytes: number, lengthBytes: number): void
  /** The driver registers here to poll the session again whenever the source has more bytes (async sources). */
  subscribe? (listener: () => void): void
}

/** Why a sink refused a manifest. */
export interface SinkRefusal { code: `FERRY_${string}`, message: string }

/** Takes a receiving session's bytes. Synchronous: a disk sink queues writes in a bounded buffer. */
export interface BlockSink {
  /** The manifest arrived: create folders, open partial files. Return a refusal (quota, bad destination) to close the session. */
  open (entries: readonly ManifestEntry[]): SinkRefusal | undefined
  /** Takes payload bytes at an offset; false when the buffer is full (the session drops the datagram, the sender resends). */
  write (fileIndex: number, offsetBytes: number, bytes: Uint8Array): boolean
  /**
   * Every byte of the file arrived. The sink checks its SHA-256 against `expectedSha256`: it returns the verdict
   * when it has it at once, or undefined and later calls `ReceiverSession.fileVerified(fileIndex, ok, nowMs)`.
   */
  finish (fileIndex: number, expectedSha256: Uint8Array): boolean | undefined
}
