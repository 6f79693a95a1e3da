// The holding node's side of /ferry/package-read/1: answers manifests and streams byte ranges of complete files to mesh peers.
import { crc32 } from 'node:zlib'
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { FerryError, isFerryError } from '@ferry/protocol/errors/ferry-error'
import { tokenCoversPath, type TransferTokenClaims } from '@ferry/protocol/token/transfer-token'
import type { GatewayStore, PackageEntry } from './gateway-store.js'
import { checkPackageId } from './package-id.js'
import { checkPackagePath } from './package-path.js'
import { PACKAGE_READ_CHUNK_BYTES, PACKAGE_READ_MAX_MESSAGE_BYTES, type PackageReadAnswer, type PackageReadRequest } from './package-read-protocol.js'

/**
 * Checks the user's download token a peer forwards: signed by the portal, for `pkg`, for downloads, unexpired, and with
 * the asking peer (its Noise-authenticated id) as audience. Mesh membership alone grants nothing: a peer reads only
 * what some user's token lets it serve.
 */
export type PackageReadAuthorizer = (token: string, requesterPeerId: string, pkg: string) => Promise<TransferTokenClaims>

/**
 * Serves one request on an inbound stream from `requesterPeerId`.
 * Register with `mesh.handle(PACKAGE_READ_PROTOCOL, (stream, connection) => servePackageRead(stream, connection.remotePeer.toString(), store, authorize))`.
 */
export async function servePackageRead (stream: Stream, requesterPeerId: string, store: GatewayStore, authorize: PackageReadAuthorizer, signal?: AbortSignal): Promise<void> {
  const lp = lpStream(stream, { maxDataLength: PACKAGE_READ_MAX_MESSAGE_BYTES })
  const answer = async (value: PackageReadAnswer): Promise<void> => { await lp.write(Buffer.from(JSON.stringify(value)), { signal }) }
  try {
    const request = parseRequest((await lp.read({ signal })).subarray())
    const pkg = checkPackageId(request.pkg)
    const claims = await authorize(request.token, requesterPeerId, pkg)
    if (request.type === 'manifest') {
      const entries = (await store.listEntries(pkg))?.filter(entry => tokenCoversPath(claims, entry.path))
      await answer({ ok: true, ...(entries === undefined ? {} : { entries: await withCrc32(store, pkg, entries) }) })
    } else {
      const path = checkPackagePath(request.path)
      if (!tokenCoversPath(claims, path)) throw new FerryError('FERRY_TOKEN_SCOPE', 'the forwarded token does not cover this path', { statusCode: 403, details: { path } })
      const entry = await store.getEntry(pkg, path)
      if (entry === undefined || entry.kind !== 'file' || !entry.complete) {
        throw new FerryError('FERRY_GATEWAY_FILE_UNKNOWN', 'no complete file at this path on the holding node', { statusCode: 404, details: { path } })
      }
      const { startBytes, endBytes } = request
      if (!Number.isSafeInteger(startBytes) || !Number.isSafeInteger(endBytes) || startBytes < 0 || endBytes > entry.sizeBytes || startBytes > endBytes) {
        throw new FerryError('FERRY_GATEWAY_RANGE_UNSATISFIABLE', 'byte range outside the file', { statusCode: 416 })
      }
      await answer({ ok: true })
      for await (const chunk of store.readFile(pkg, path, startBytes, endBytes)) {
        for (let at = 0; at < chunk.byteLength; at += PACKAGE_READ_CHUNK_BYTES) {
          await lp.write(chunk.subarray(at, Math.min(chunk.byteLength, at + PACKAGE_READ_CHUNK_BYTES)), { signal })
        }
      }
      await lp.write(new Uint8Array(0), { signal })
    }
    await stream.close({ signal: AbortSignal.timeout(5_000) }).catch(() => { stream.abort(new Error('close timed out')) })
  } catch (err) {
    const coded = isFerryError(err) ? err : new FerryError('FERRY_GATEWAY_REMOTE_FAILED', 'the holding node failed to read the package', { cause: err })
    await answer({ ok: false, code: coded.code, message: coded.message }).catch(() => {})
    stream.abort(coded)
  }
}

function parseRequest (bytes: Uint8Array): PackageReadRequest {
  let value: any
  try { value = JSON.parse(Buffer.from(bytes).toString('utf8')) } catch (_err) { value = undefined }
  if ((value?.type === 'manifest' || value?.type === 'read') && typeof value.token === 'string') return value as PackageReadRequest
  throw new FerryError('FERRY_GATEWAY_REMOTE_FAILED', 'malformed package-read request', { statusCode: 400 })
}

/** Every file the requester will zip needs a CRC-32; one stored without it (the UDP path) gets it computed once. */
async function withCrc32 (store: GatewayStore, pkg: string, entries: PackageEntry[]): Promise<PackageEntry[]> {
  const out: PackageEntry[] = []
  for (const entry of entries) {
    if (entry.kind === 'file' && entry.complete && entry.crc32 === undefined) {
      let crc = 0
      for await (const chunk of store.readFile(pkg, entry.path, 0, entry.sizeBytes)) crc = crc32(chunk, crc)
      await store.setCrc32(pkg, entry.path, crc >>> 0)
      out.push({ ...entry, crc32: crc >>> 0 })
    } else {
      out.push(entry)
    }
  }
  return out
}
