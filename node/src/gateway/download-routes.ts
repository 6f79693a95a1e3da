// Browser downloads: one file with HTTP Range, or a whole package as one stored zip with an exact size, resumable by Range.
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { crc32 } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { FerryError } from '@ferry/protocol/errors/ferry-error'
import { tokenCoversPath, type TransferTokenClaims } from '@ferry/protocol/token/transfer-token'
import { attachmentDisposition } from './content-disposition.js'
import type { GatewayContext } from './gateway-context.js'
import type { PackageEntry } from './gateway-store.js'
import { parseRangeHeader, type ByteRange } from './http-range.js'
import { checkPackageId } from './package-id.js'
import { checkPackagePath } from './package-path.js'
import { requestToken } from './request-token.js'
import { requireCovered, tokenRequired } from './tus-upload-routes.js'
import { ZipLayout, type ZipMember } from './zip-layout.js'

/** Bumped whenever the zip layout changes, so old ETags stop matching and If-Range falls back to a full response. */
const ZIP_FORMAT_VERSION = 2
/**
 * The time every zip entry carries. Each node records its own time for a file (when it stored it), so per-file times
 * would make the same package zip differently on the holder and on a replica, and `curl -C -` (which sends no
 * If-Range) would splice two different archives. One fixed time keeps the zip byte-identical everywhere.
 */
export const ZIP_ENTRY_TIME_MS = Date.UTC(2020, 0, 1)

export function registerDownloadRoutes (app: FastifyInstance, ctx: GatewayContext): void {
  const { store } = ctx

  // GET and HEAD together: fastify's automatic HEAD would read the whole stream only to discard it.
  app.route({ method: ['GET', 'HEAD'], url: '/gateway/v1/packages/:pkg/files/*', handler: async (request, reply) => {
    const params = request.params as { pkg: string, '*': string }
    const pkg = checkPackageId(params.pkg)
    const { claims, token } = await downloadAccess(request, pkg)
    const path = checkPackagePath(params['*'])
    requireCovered(claims, path)
    let entry = await store.getEntry(pkg, path)
    let read = (start: number, end: number): AsyncIterable<Uint8Array> => store.readFile(pkg, path, start, end)
    if ((entry === undefined || !entry.complete) && ctx.remote !== undefined) {
      // Not here (yet): stream it from the node that holds it while serving.
      const { remote } = ctx
      const held = (await remote.listEntries(pkg, token))?.find(e => e.path === path)
      if (held !== undefined) {
        entry = held
        read = (start, end) => remote.readFile(pkg, path, start, end, token)
      }
    }
    if (entry === undefined || entry.kind !== 'file') {
      throw new FerryError('FERRY_GATEWAY_FILE_UNKNOWN', 'the package has no file at this path', { statusCode: 404, details: { path } })
    }
    if (!entry.complete || entry.sha256 === undefined) {
      throw new FerryError('FERRY_GATEWAY_FILE_INCOMPLETE', 'this file has not finished arriving on this node', { statusCode: 409, details: { path } })
    }
    const etag = `"sha256-${entry.sha256}"`
    const range = chooseRange(request, reply, etag, entry.completedAtMs, entry.sizeBytes)
    reply.header('Content-Type', 'application/octet-stream')
    reply.header('Content-Disposition', attachmentDisposition(path.slice(path.lastIndexOf('/') + 1)))
    return await sendRange(reply, claims, range, entry.sizeBytes, [entry], read)
  } })

  app.route({ method: ['GET', 'HEAD'], url: '/gateway/v1/packages/:pkg/zip', handler: async (request, reply) => {
    const pkg = checkPackageId((request.params as { pkg: string }).pkg)
    const { claims, token } = await downloadAccess(request, pkg)
    let stored = await store.listEntries(pkg)
    let read = (path: string, start: number, end: number): AsyncIterable<Uint8Array> => store.readFile(pkg, path, start, end)
    if ((stored === undefined || stored.some(entry => !entry.complete)) && ctx.remote !== undefined) {
      const { remote } = ctx
      const held = await remote.listEntries(pkg, token)
      if (held !== undefined) {
        stored = held
        read = (path, start, end) => remote.readFile(pkg, path, start, end, token)
      }
    }
    const entries = stored?.filter(entry => tokenCoversPath(claims, entry.path))
    if (entries === undefined || entries.length === 0) {
      throw new FerryError('FERRY_GATEWAY_PACKAGE_UNKNOWN', 'this node holds no such package', { statusCode: 404 })
    }
    const incomplete = entries.filter(entry => !entry.complete).map(entry => entry.path)
    if (incomplete.length > 0) {
      throw new FerryError('FERRY_GATEWAY_PACKAGE_INCOMPLETE', 'some files have not finished arriving on this node', { statusCode: 409, details: { incomplete: incomplete.slice(0, 100) } })
    }
    const members: ZipMember[] = []
    for (const entry of entries) {
      members.push({ path: entry.path, kind: entry.kind, sizeBytes: entry.sizeBytes, crc32: entry.crc32 ?? await fileCrc32(pkg, entry, read), modifiedAtMs: ZIP_ENTRY_TIME_MS })
    }
    members.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)))
    const layout = new ZipLayout(members)
    const etag = `"zip${ZIP_FORMAT_VERSION}-${createHash('sha256').update(JSON.stringify(members)).digest('hex').slice(0, 40)}"`
    // No Last-Modified: only the ETag (from names, sizes and CRCs, the same on every node) validates a resumed zip.
    const range = chooseRange(request, reply, etag, undefined, layout.sizeBytes)
    reply.header('Content-Type', 'application/zip')
    reply.header('Content-Disposition', attachmentDisposition(`${pkg}.zip`))
    return await sendRange(reply, claims, range, layout.sizeBytes, entries, async function * (start, end) {
      for (const piece of layout.pieces(start, end)) {
        if (piece.kind === 'bytes') yield piece.data
        else yield * read(piece.path, piece.startBytes, piece.endBytes)
      }
    })
  } })

  /** The request's download token, verified for this package; the token goes on to a holding node that checks it too. */
  async function downloadAccess (request: FastifyRequest, pkg: string): Promise<{ claims: TransferTokenClaims, token: string }> {
    const token = requestToken(request)
    if (token === undefined) throw tokenRequired()
    return { claims: await ctx.verifyToken(token, { pkg, dir: 'download' }), token }
  }

  /** A file stored without a CRC-32 (e.g. by another path into the node) gets one computed once and remembered. */
  async function fileCrc32 (pkg: string, entry: PackageEntry, read: (path: string, start: number, end: number) => AsyncIterable<Uint8Array>): Promise<number> {
    if (entry.kind === 'folder' || entry.sizeBytes === 0) return 0
    let crc = 0
    for await (const chunk of read(entry.path, 0, entry.sizeBytes)) crc = crc32(chunk, crc)
    await store.setCrc32(pkg, entry.path, crc >>> 0).catch(() => {}) // a remote entry has no local record to remember it in
    return crc >>> 0
  }

  /** Sets the validators and answers with the byte range to send (honouring If-Range), or full. */
  function chooseRange (request: FastifyRequest, reply: FastifyReply, etag: string, modifiedAtMs: number | undefined, sizeBytes: number): ByteRange {
    reply.header('Accept-Ranges', 'bytes')
    reply.header('ETag', etag)
    reply.header('Cache-Control', 'private, no-transform')
    if (modifiedAtMs !== undefined) reply.header('Last-Modified', new Date(modifiedAtMs).toUTCString())
    const ifRangeHeader = request.headers['if-range']
    const ifRange = Array.isArray(ifRangeHeader) ? ifRangeHeader[0] : ifRangeHeader
    if (ifRange !== undefined) {
      const matches = ifRange.startsWith('"') || ifRange.startsWith('W/')
        ? ifRange === etag
        : modifiedAtMs !== undefined && Date.parse(ifRange) === Math.floor(modifiedAtMs / 1000) * 1000
      if (!matches) return { kind: 'full' }
    }
    return parseRangeHeader(request.headers.range, sizeBytes)
  }

  async function sendRange (
    reply: FastifyReply, claims: TransferTokenClaims, range: ByteRange, sizeBytes: number, files: PackageEntry[],
    read: (startBytes: number, endBytes: number) => AsyncIterable<Uint8Array>
  ): Promise<FastifyReply> {
    if (range.kind === 'unsatisfiable') {
      reply.header('Content-Range', `bytes */${sizeBytes}`)
      throw new FerryError('FERRY_GATEWAY_RANGE_UNSATISFIABLE', 'the requested range lies outside the content', { statusCode: 416, details: { sizeBytes } })
    }
    const startBytes = range.kind === 'partial' ? range.startBytes : 0
    const endBytes = range.kind === 'partial' ? range.endBytes : sizeBytes
    ctx.budget.check(claims, endBytes - startBytes)
    if (range.kind === 'partial') {
      reply.code(206).header('Content-Range', `bytes ${startBytes}-${endBytes - 1}/${sizeBytes}`)
    }
    reply.header('Content-Length', String(endBytes - startBytes))
    if (reply.request.method === 'HEAD' || endBytes === startBytes) {
      if (endBytes === sizeBytes && reply.request.method !== 'HEAD') await downloaded(claims, files)
      return await reply.send()
    }
    const { budget } = ctx
    const reachesEnd = endBytes === sizeBytes
    const counted = async function * (): AsyncIterable<Uint8Array> {
      for await (const chunk of read(startBytes, endBytes)) {
        budget.charge(claims, chunk.byteLength)
        yield chunk
      }
      if (reachesEnd) await downloaded(claims, files)
    }
    return await reply.send(Readable.from(counted(), { objectMode: false }))
  }

  /** The last byte went out: note it for GET …/download-receipt, and tell the node (contract D) when it listens. */
  async function downloaded (claims: TransferTokenClaims, files: PackageEntry[]): Promise<void> {
    const receiptFiles = files.filter(f => f.kind === 'file').map(f => ({ path: f.path, sizeBytes: f.sizeBytes, sha256: f.sha256 ?? '' }))
    ctx.downloads.record(claims.jti, claims.exp * 1000, receiptFiles)
    ctx.downloads.prune(ctx.now())
    ctx.budget.prune(ctx.now())
    if (ctx.onDownloaded === undefined) return
    try {
      const receipt = await ctx.signReceipt({ pkg: claims.pkg, dir: 'download', jti: claims.jti, sub: claims.sub, files: receiptFiles, iat: Math.floor(ctx.now() / 1000) })
      ctx.onDownloaded({ claims, files, receipt })
    } catch (_err) {
      // The bytes are delivered; a missing receipt only means the node is not told of this download.
    }
  }

  /**
   * The download receipt for the files this token was served to the last byte (a zip counts for all its files), for the
   * browser to hand to the portal (POST /api/v1/packages/:id/receipts). 409 until something was served whole.
   */
  app.get('/gateway/v1/packages/:pkg/download-receipt', async (request, reply) => {
    const pkg = checkPackageId((request.params as { pkg: string }).pkg)
    const { claims } = await downloadAccess(request, pkg)
    const files = ctx.downloads.files(claims.jti)
    if (files.length === 0) {
      throw new FerryError('FERRY_GATEWAY_DOWNLOAD_INCOMPLETE', 'nothing has been served whole with this token yet', { statusCode: 409 })
    }
    const receipt = await ctx.signReceipt({ pkg, dir: 'download', jti: claims.jti, sub: claims.sub, files, iat: Math.floor(ctx.now() / 1000) })
    return await reply.header('Cache-Control', 'no-store').send({ receipt, files })
  })
}
