// SHA-256 and CRC-32 of a file computed as its bytes arrive, so finishing an upload never re-reads it (except after a restart).
import { createHash, type Hash } from 'node:crypto'
import { crc32 } from 'node:zlib'

/**
 * The running digests of one upload up to `offsetBytes`. Node's hash state cannot be saved, so it lives in memory while
 * the process does; after a restart the gateway rebuilds it by re-reading the partial file once (fromChunks).
 */
export class RunningDigest {
  private readonly sha256 = createHash('sha256')
  private crc = 0
  offsetBytes = 0

  update (chunk: Uint8Array): void {
    this.sha256.update(chunk)
    this.crc = crc32(chunk, this.crc)
    this.offsetBytes += chunk.byteLength
  }

  /** Hex SHA-256 and CRC-32 of everything so far (the digest object stays usable). */
  digests (): { sha256: string, crc32: number } {
    return { sha256: (this.sha256 as Hash).copy().digest('hex'), crc32: this.crc >>> 0 }
  }

  static async fromChunks (chunks: AsyncIterable<Uint8Array>): Promise<RunningDigest> {
    const digest = new RunningDigest()
    for await (const chunk of chunks) digest.update(chunk)
    return digest
  }
}
