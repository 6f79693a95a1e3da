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

/** What a sink tells its session about integrity blocks (SPEC.md §5.2) and lost writes; the session passes itself. */
export interface SinkListener {
  /** Block `blockIndex` of the file is on disk and was checksummed (once per block and run): the journal records its CRC-32. */
  blockVerified (fileIndex: number, blockIndex: number, crc32: number): void
  /** A block's bytes on disk no longer match the CRC-32 a journal recorded (torn write, corruption) or are gone: receive it again. */
  blockCorrupt (fileIndex: number, blockIndex: number): void
  /** Bytes the sink accepted could not be written (full disk): they are not held. */
  writeFailed (fileIndex: number, offsetBytes: number, lengthBytes: number): void
}

/** What an earlier run left on disk, from its resume journal (SPEC.md §9). */
export interface SinkResume {
  /** File-relative byte ranges the earlier run wrote and fsynced. */
  held (fileIndex: number): ReadonlyArray<readonly [number, number]>
  /** CRC-32 of the blocks the earlier run checked, by block index. */
  blockCrc32 (fileIndex: number): ReadonlyMap<number, number>
}

/** Takes a receiving session's bytes. Synchronous: a disk sink queues writes in a bounded buffer. */
export interface BlockSink {
  /**
   * The manifest arrived: create folders, open partial files. Return a refusal (quota, bad destination) to close the
   * session. With `resume`, the sink reads back every complete block the earlier run held and reports each through
   * `listener` (verified, or corrupt when it differs from its recorded hash) before the session syncs.
   */
  open (entries: readonly ManifestEntry[], listener: SinkListener, resume?: SinkResume): SinkRefusal | undefined
  /** Takes payload bytes at an offset; false when the buffer is full (the session drops the datagram, the sender resends). */
  write (fileIndex: number, offsetBytes: number, bytes: Uint8Array): boolean
  /**
   * Every byte of the file arrived. The sink checks its SHA-256 against `expectedSha256`: it returns the verdict
   * when it has it at once, or undefined and later calls `ReceiverSession.fileVerified(fileIndex, ok, nowMs)`.
   */
  finish (fileIndex: number, expectedSha256: Uint8Array): boolean | undefined
}
