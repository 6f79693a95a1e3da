// The browser gateway as a fastify plugin: tus uploads, Range downloads, streamed zips, receipts — mounted on the node's server.
import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify'
import { isFerryError } from '@ferry/protocol/errors/ferry-error'
import { registerDownloadRoutes } from './download-routes.js'
import { gatewayContext } from './gateway-context.js'
import type { GatewayOptions } from './gateway-options.js'
import { registerPackageRoutes } from './package-routes.js'
import { registerTusUploadRoutes, TUS_EXTENSIONS, TUS_VERSION } from './tus-upload-routes.js'

export type { GatewayOptions } from './gateway-options.js'

/** Request headers a browser may send cross-origin (the web UI is served by the portal, not the node). */
const ALLOWED_HEADERS = 'Authorization, Content-Type, Tus-Resumable, Upload-Length, Upload-Metadata, Upload-Offset, Upload-Defer-Length, Range, If-Range'
/** Response headers the browser's script may read. */
const EXPOSED_HEADERS = 'Location, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, Upload-Offset, Upload-Length, Upload-Metadata, Upload-Expires, Content-Range, Content-Length, Content-Disposition, Accept-Ranges, ETag'

/**
 * Routes (token: `Authorization: Bearer <transfer token>`, or `?token=`, or tus Upload-Metadata `token` on creation):
 * - OPTIONS /gateway/v1/*                          tus discovery (Tus-Version/Extension/Max-Size) and CORS preflight
 * - POST    /gateway/v1/uploads                    tus creation (+ with-upload); metadata `pkg`, `path`, optional `sha256`
 * - HEAD    /gateway/v1/uploads/:id                Upload-Offset / Upload-Length / Upload-Expires
 * - PATCH   /gateway/v1/uploads/:id                append at Upload-Offset (application/offset+octet-stream)
 * - DELETE  /gateway/v1/uploads/:id                tus termination
 * - POST    /gateway/v1/packages/:pkg/folders      {path}: an empty folder (upload token)
 * - GET     /gateway/v1/packages/:pkg/manifest     entries with size, sha256, complete (upload token; `?dir=download` for download tokens)
 * - POST    /gateway/v1/packages/:pkg/complete     {paths?}: signed upload receipt once every entry is complete
 * - GET/HEAD /gateway/v1/packages/:pkg/files/*     one file, Range/If-Range, ETag "sha256-<hex>" (download token)
 * - GET/HEAD /gateway/v1/packages/:pkg/zip         the package as a stored zip, exact Content-Length, Range (download token)
 * - GET     /gateway/v1/packages/:pkg/download-receipt  signed download receipt once something was served whole
 * Errors are JSON {code, message, details?} with the codes in docs/errors/node.md.
 *
 * Register with `app.register(gatewayPlugin, options)` (not wrapped in fastify-plugin: its content-type parser, hooks and
 * error handler stay inside the gateway's /gateway/v1 routes). Tokens are bearer credentials, never cookies, so any
 * origin may call it.
 */
export const gatewayPlugin: FastifyPluginAsync<GatewayOptions> = async (app: FastifyInstance, options: GatewayOptions) => {
  const ctx = gatewayContext(options)

  // tus bodies are streamed into the partial file as they arrive, never buffered.
  app.addContentTypeParser('application/offset+octet-stream', (_request, payload, done) => { done(null, payload) })

  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin
    reply.header('Access-Control-Allow-Origin', origin ?? '*')
    reply.header('Vary', 'Origin')
    reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS)
  })

  app.options('/gateway/v1/*', async (request, reply) => {
    reply.header('Tus-Resumable', TUS_VERSION)
    reply.header('Tus-Version', TUS_VERSION)
    reply.header('Tus-Extension', TUS_EXTENSIONS)
    reply.header('Tus-Max-Size', String(ctx.maxUploadBytes))
    reply.header('Access-Control-Allow-Methods', 'GET, HEAD, POST, PATCH, DELETE, OPTIONS')
    reply.header('Access-Control-Allow-Headers', ALLOWED_HEADERS)
    reply.header('Access-Control-Max-Age', '600')
    return await reply.code(204).send()
  })

  app.setErrorHandler(async (err: FastifyError, request, reply) => {
    if (reply.sent || reply.raw.headersSent) return
    if (err.statusCode === 412) reply.header('Tus-Version', TUS_VERSION)
    if (isFerryError(err)) {
      if (err.statusCode >= 500) request.log.error({ err }, 'gateway failure')
      return await reply.code(err.statusCode).send(err.toJSON())
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500
    if (status >= 500) {
      request.log.error({ err }, 'gateway failure')
      return await reply.code(500).send({ code: 'FERRY_GATEWAY_INTERNAL', message: 'the gateway failed; try again' })
    }
    const code = status === 415 ? 'FERRY_GATEWAY_CONTENT_TYPE' : 'FERRY_GATEWAY_BAD_REQUEST'
    return await reply.code(status).send({ code, message: err.message })
  })

  registerTusUploadRoutes(app, ctx)
  registerDownloadRoutes(app, ctx)
  registerPackageRoutes(app, ctx)
}
