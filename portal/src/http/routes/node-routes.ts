// Storage nodes: the portal's public keys (JWKS), enrolment, the node list clients probe, RTT reports, and direct node tokens.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { RouteOptions } from '../route-options.js'
import { currentUser } from '../request-context.js'
import { errors, IdParams, NodeView, Ok } from '../schemas.js'
import { nodeView } from '../../packages/package-service.js'

const NodeAdminView = Type.Intersect([NodeView, Type.Object({ opsUrl: Type.String(), version: Type.String(), enrolledAtMs: Type.Number() })])

/** How long the mesh view waits for each node (ms): a dead node shows offline instead of stalling the page. */
const STATUS_TIMEOUT_MS = 3_000

/** The portal's version, shown at GET /api/v1/info. */
export const PORTAL_VERSION = '0.1.0'

export const nodeRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { nodes, keys } = services

  app.get('/health', { schema: { tags: ['portal'], summary: 'Liveness', response: { 200: Ok } } }, async () => ({ ok: true }))

  app.get('/info', {
    schema: { tags: ['portal'], summary: 'Portal facts a client needs before signing in', response: { 200: Type.Object({ name: Type.String(), version: Type.String(), publicUrl: Type.String(), issuer: Type.String(), smtp: Type.Boolean() }) } }
  }, async () => ({ name: 'ferry-portal', version: PORTAL_VERSION, publicUrl: services.settings.publicUrl, issuer: services.settings.issuer, smtp: services.mailer.configured }))

  app.get('/keys', {
    schema: { tags: ['nodes'], summary: 'JWKS: the public keys transfer tokens are signed with (old keys kept after rotation)', response: { 200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }) } }
  }, async () => keys.jwks())

  app.get('/nodes', {
    schema: { tags: ['nodes'], summary: 'Enrolled nodes (candidates for RTT probing); admins also see ops URLs', response: { 200: Type.Object({ items: Type.Array(Type.Intersect([NodeView, Type.Object({ opsUrl: Type.Optional(Type.String()) })])) }) } }
  }, async (request) => {
    const admin = currentUser(request).role === 'admin'
    return { items: (await nodes.list()).map(n => ({ ...nodeView(n), ...(admin ? { opsUrl: n.opsUrl } : {}) })) }
  })

  app.get('/nodes/status', {
    config: { admin: true },
    schema: {
      tags: ['nodes'],
      summary: 'Live mesh view (admin): each node\'s peers with RTT and its running transfers with rates, gathered from the ops APIs',
      response: {
        200: Type.Object({
          items: Type.Array(Type.Object({
            id: Type.String(),
            name: Type.String(),
            peerId: Type.String(),
            online: Type.Boolean(),
            error: Type.Optional(Type.String()),
            peers: Type.Array(Type.Object({ peerId: Type.String(), nodeId: Type.Optional(Type.String()), name: Type.Optional(Type.String()), connected: Type.Optional(Type.Boolean()), rttMs: Type.Optional(Type.Number()) })),
            transfers: Type.Array(Type.Object({ id: Type.String(), peerId: Type.Optional(Type.String()), direction: Type.Optional(Type.String()), pkg: Type.Optional(Type.String()), rateBitsPerSec: Type.Number(), bytesDone: Type.Optional(Type.Number()), bytesTotal: Type.Optional(Type.Number()), etaSeconds: Type.Optional(Type.Number()) }))
          }))
        })
      }
    }
  }, async () => {
    const all = await nodes.list()
    const enrolled = new Set(all.map(n => n.id))
    const items = await Promise.all(all.map(async (node) => {
      try {
        const status = await services.nodeClient.status(node.opsUrl, node.adminToken, AbortSignal.timeout(STATUS_TIMEOUT_MS))
        return {
          id: node.id,
          name: node.name,
          peerId: node.id,
          online: true,
          peers: status.peers.map(p => ({ peerId: p.peerId, ...(enrolled.has(p.peerId) ? { nodeId: p.peerId } : {}), ...(p.name == null ? {} : { name: p.name }), ...(p.connected == null ? {} : { connected: p.connected }), ...(p.rttMs == null ? {} : { rttMs: p.rttMs }) })),
          transfers: status.transfers.map(t => ({ id: t.id, rateBitsPerSec: t.rateBitsPerSec ?? 0, ...(t.peer == null ? {} : { peerId: t.peer }), ...(t.direction == null ? {} : { direction: t.direction }), ...(t.pkg == null ? {} : { pkg: t.pkg }), ...(t.bytesDone == null ? {} : { bytesDone: t.bytesDone }), ...(t.bytesTotal == null ? {} : { bytesTotal: t.bytesTotal }), ...(t.etaSeconds == null ? {} : { etaSeconds: t.etaSeconds }) }))
        }
      } catch (err) {
        return { id: node.id, name: node.name, peerId: node.id, online: false, error: (err as Error).message, peers: [], transfers: [] }
      }
    }))
    return { items }
  })

  app.post('/nodes', {
    config: { admin: true },
    schema: {
      tags: ['nodes'],
      summary: 'Enrol a node: the portal fetches {opsUrl}/api/v1/info for its peer id, addresses and receipt key',
      body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 100 })), opsUrl: Type.String({ minLength: 8, maxLength: 500, pattern: '^https?://' }), adminToken: Type.String({ minLength: 1, maxLength: 500 }) }),
      response: { 200: NodeAdminView, ...errors }
    }
  }, async (request) => {
    const node = await nodes.enrol(request.body, currentUser(request).id)
    return { ...nodeView(node), opsUrl: node.opsUrl, version: node.version, enrolledAtMs: node.enrolledAtMs }
  })

  app.delete('/nodes/:id', {
    config: { admin: true },
    schema: { tags: ['nodes'], summary: 'Remove a node (admin)', params: IdParams, response: { 200: Ok, ...errors } }
  }, async (request) => { await nodes.remove(request.params.id, currentUser(request).id); return { ok: true } })

  app.post('/nodes/rtt', {
    schema: {
      tags: ['nodes'],
      summary: 'Report RTTs my client measured to nodes; returns the node the portal now picks for me',
      body: Type.Object({ samples: Type.Array(Type.Object({ nodeId: Type.String(), rttMs: Type.Number({ minimum: 0 }) }), { maxItems: 1000 }) }),
      response: { 200: Type.Object({ nearest: NodeView }), ...errors }
    }
  }, async (request) => {
    const me = currentUser(request)
    await nodes.reportRtt(me.id, request.body.samples)
    return { nearest: nodeView(await nodes.nearest(me.id)) }
  })

  app.get('/nodes/nearest', {
    schema: { tags: ['nodes'], summary: 'The node the portal picks for me', response: { 200: Type.Object({ nearest: NodeView }), ...errors } }
  }, async (request) => ({ nearest: nodeView(await nodes.nearest(currentUser(request).id)) }))

  app.post('/nodes/:id/tokens', {
    config: { admin: true },
    schema: {
      tags: ['nodes'],
      summary: 'A direct transfer token for a node (admin; `ferry cp` and node-to-node tests)',
      params: IdParams,
      body: Type.Object({
        pkg: Type.String({ minLength: 1, maxLength: 200 }),
        dir: Type.Union([Type.Literal('upload'), Type.Literal('download')]),
        paths: Type.Optional(Type.Array(Type.String())),
        maxBytes: Type.Optional(Type.Integer({ minimum: 1 })),
        once: Type.Optional(Type.Boolean())
      }),
      response: { 200: Type.Object({ token: Type.String(), expiresAtMs: Type.Number(), node: NodeView }), ...errors }
    }
  }, async (request) => {
    const me = currentUser(request)
    const node = await nodes.require(request.params.id)
    const { token, expiresAtMs } = await services.tokens.issue({
      nodeId: node.id, pkg: request.body.pkg, dir: request.body.dir, sub: me.id, maxBytes: request.body.maxBytes ?? 2 ** 40,
      ...(request.body.paths === undefined ? {} : { paths: request.body.paths }), ...(request.body.once === undefined ? {} : { once: request.body.once })
    })
    await services.audit.record(me.id, 'node.direct-token', node.id, { pkg: request.body.pkg, dir: request.body.dir })
    return { token, expiresAtMs, node: nodeView(node) }
  })
}
