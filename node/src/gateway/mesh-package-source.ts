// RemotePackageSource over the libp2p mesh: finds a peer holding the package whole and streams its files with /ferry/package-read/1.
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { FerryError } from '@ferry/protocol/errors/ferry-error'
import type { PackageEntry } from './gateway-store.js'
import { PACKAGE_READ_MAX_MESSAGE_BYTES, PACKAGE_READ_PROTOCOL, type PackageReadAnswer, type PackageReadRequest } from './package-read-protocol.js'
import type { RemotePackageSource } from './remote-package-source.js'

export interface MeshPackageSourceComponents {
  /** Opens a stream to a peer (MeshHost.dialProtocol). */
  dialProtocol: (peerId: string, protocol: string, signal?: AbortSignal) => Promise<Stream>
  /** Peers to ask, nearest first (the node's connected mesh peers). */
  peers: () => string[]
}

/** How long one peer may take to answer a manifest question before the next is asked, in ms. */
const MANIFEST_TIMEOUT_MS = 5_000

export class MeshPackageSource implements RemotePackageSource {
  private readonly components: MeshPackageSourceComponents
  /** Which peer last answered for a package, asked first next time. */
  private readonly holders = new Map<string, string>()

  constructor (components: MeshPackageSourceComponents) {
    this.components = components
  }

  async listEntries (pkg: string, token: string, signal?: AbortSignal): Promise<PackageEntry[] | undefined> {
    const known = this.holders.get(pkg)
    const peers = [...new Set([...(known === undefined ? [] : [known]), ...this.components.peers()])]
    for (const peer of peers) {
      signal?.throwIfAborted()
      try {
        const timeout = AbortSignal.timeout(MANIFEST_TIMEOUT_MS)
        const { answer } = await this.ask(peer, { type: 'manifest', pkg, token }, signal === undefined ? timeout : AbortSignal.any([signal, timeout]))
        if (answer.ok && answer.entries !== undefined && answer.entries.length > 0 && answer.entries.every(e => e.complete)) {
          this.holders.set(pkg, peer)
          return answer.entries
        }
      } catch (_err) {
        // An unreachable or failing peer is skipped: another may hold the package.
      }
    }
    return undefined
  }

  async * readFile (pkg: string, path: string, startBytes: number, endBytes: number, token: string, signal?: AbortSignal): AsyncIterable<Uint8Array> {
    let peer = this.holders.get(pkg)
    if (peer === undefined) {
      await this.listEntries(pkg, token, signal)
      peer = this.holders.get(pkg)
    }
    if (peer === undefined) throw new FerryError('FERRY_GATEWAY_PACKAGE_UNKNOWN', 'no node of the mesh holds this package', { statusCode: 404 })
    const { answer, stream, lp } = await this.ask(peer, { type: 'read', pkg, path, startBytes, endBytes, token }, signal)
    if (!answer.ok) throw remoteError(answer)
    let done = false
    try {
      let received = 0
      for (;;) {
        const message = (await lp.read({ signal })).subarray()
        if (message.byteLength === 0) break
        received += message.byteLength
        yield message
      }
      if (received !== endBytes - startBytes) {
        throw new FerryError('FERRY_GATEWAY_REMOTE_FAILED', 'the holding node sent fewer bytes than asked', { statusCode: 502 })
      }
      done = true
    } finally {
      // Closing early (the browser went away) or failing: drop the stream so the holder stops reading.
      if (done) await stream.close().catch(() => {})
      else stream.abort(new Error('read cancelled'))
    }
  }

  private async ask (peer: string, request: PackageReadRequest, signal?: AbortSignal) {
    const stream = await this.components.dialProtocol(peer, PACKAGE_READ_PROTOCOL, signal)
    const lp = lpStream(stream, { maxDataLength: PACKAGE_READ_MAX_MESSAGE_BYTES })
    try {
      await lp.write(Buffer.from(JSON.stringify(request)), { signal })
      const answer = JSON.parse(Buffer.from((await lp.read({ signal })).subarray()).toString('utf8')) as PackageReadAnswer
      if (request.type === 'manifest') await stream.close().catch(() => {})
      return { answer, stream, lp }
    } catch (err) {
      stream.abort(err as Error)
      throw new FerryError('FERRY_GATEWAY_REMOTE_FAILED', 'reading from the holding node failed', { statusCode: 502, cause: err })
    }
  }
}

function remoteError (answer: { code: string, message: string }): FerryError {
  const code = answer.code.startsWith('FERRY_') ? answer.code as `FERRY_${string}` : 'FERRY_GATEWAY_REMOTE_FAILED'
  return new FerryError(code, `holding node: ${answer.message}`, { statusCode: 502 })
}
