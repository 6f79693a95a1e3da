// Package-level gateway calls for uploaders: record an empty folder, and finish a package to get the node's signed receipt.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { FerryError } from '@ferry/protocol/errors/ferry-error'
import { tokenCoversPath, type TransferTokenClaims } from '@ferry/protocol/token/transfer-token'
import type { GatewayContext } from './gateway-context.js'
import { checkPackageId } from './package-id.js'
import { checkPackagePath } from './package-path.js'
import { checkNoPathConflict } from './path-conflict.js'
import { requestToken } from './request-token.js'
import { requireCovered, tokenRequired } from './tus-upload-routes.js'

export function registerPackageRoutes (app: FastifyInstance, ctx: GatewayContext): void {
  const { store } = ctx

  /** Body {path}: an (empty) folder of the package, kept in the manifest and the zip. */
  app.post('/gateway/v1/packages/:pkg/folders', async (request, reply) => {
    const pkg = checkPackageId((request.params as { pkg: string }).pkg)
    const claims = await uploadClaims(request, pkg)
    const path = checkPackagePath((request.body as { path?: unknown } | undefined)?.path)
    requireCovered(claims, path)
    checkNoPathConflict(await store.listEntries(pkg), path, 'folder')
    const entry = await store.addFolder(pkg, path, ctx.now())
    return await reply.code(201).send({ path: entry.path, kind: entry.kind })
  })

  /**
   * Optional body {paths: string[]}: what the uploader meant to send, so a file whose upload never started is noticed.
   * Answers {receipt} once every manifest entry (and every listed path) is complete; 409 with the missing paths otherwise.
   */
  app.post('/gateway/v1/packages/:pkg/complete', async (request, reply) => {
    const pkg = checkPackageId((request.params as { pkg: string }).pkg)
    const claims = await uploadClaims(request, pkg)
    const body = request.body as { paths?: unknown } | undefined | null
    const expected = Array.isArray(body?.paths) ? body.paths.map(checkPackagePath) : []
    const entries = (await store.listEntries(pkg))?.filter(entry => tokenCoversPath(claims, entry.path)) ?? []
    if (entries.length === 0 && expected.length === 0) {
      throw new FerryError('FERRY_GATEWAY_PACKAGE_UNKNOWN', 'this node holds nothing of this package', { statusCode: 404 })
    }
    const present = new Set(entries.filter(entry => entry.complete).map(entry => entry.path))
    const missing = [...new Set([...entries.filter(entry => !entry.complete).map(entry => entry.path), ...expected.filter(path => !present.has(path))])]
    if (missing.length > 0) {
      throw new FerryError('FERRY_GATEWAY_PACKAGE_INCOMPLETE', 'some files of the package are not complete on this node', {
        statusCode: 409, details: { missing: missing.slice(0, 100), missingCount: missing.length }
      })
    }
    const files = entries.filter(entry => entry.kind === 'file').map(entry => ({ path: entry.path, sizeBytes: entry.sizeBytes, sha256: entry.sha256 ?? '' }))
    const receipt = await ctx.signReceipt({ pkg, dir: 'upload', jti: claims.jti, sub: claims.sub, files, iat: Math.floor(ctx.now() / 1000) })
    return await reply.send({ receipt, files, folders: entries.filter(entry => entry.kind === 'folder').map(entry => entry.path) })
  })

  /**
   * The manifest as this node holds it, for an uploader resuming after a page reload (which files are done) or a
   * downloader listing files: entries the token covers, with sizes, checksums and whether each is complete.
   */
  app.get('/gateway/v1/packages/:pkg/manifest', async (request, reply) => {
    const pkg = checkPackageId((request.params as { pkg: string }).pkg)
    const token = requestToken(request)
    if (token === undefined) throw tokenRequired()
    const claims = await ctx.verifyToken(token, { pkg, dir: (request.query as { dir?: string }).dir === 'download' ? 'download' : 'upload' })
    let entries = await store.listEntries(pkg)
    if (claims.dir === 'download' && (entries === undefined || entries.some(entry => !entry.complete)) && ctx.remote !== undefined) {
      entries = await ctx.remote.listEntries(pkg, token) ?? entries
    }
    if (entries === undefined) throw new FerryError('FERRY_GATEWAY_PACKAGE_UNKNOWN', 'this node holds nothing of this package', { statusCode: 404 })
    return await reply.header('Cache-Control', 'no-store').send({
      pkg,
      entries: entries.filter(entry => tokenCoversPath(claims, entry.path)).map(({ path, kind, sizeBytes, complete, sha256 }) => ({ path, kind, sizeBytes, complete, ...(sha256 === undefined ? {} : { sha256 }) }))
    })
  })

  async function uploadClaims (request: FastifyRequest, pkg: string): Promise<TransferTokenClaims> {
    const token = requestToken(request)
    if (token === undefined) throw tokenRequired()
    return await ctx.verifyToken(token, { pkg, dir: 'upload' })
  }
}
