// The in-app notification feed: list, mark read, and a Server-Sent Events stream that pushes new entries as they happen.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { RouteOptions } from '../route-options.js'
import { currentUser } from '../request-context.js'
import { errors, Notification } from '../schemas.js'

/** SSE comment heartbeat (ms) so proxies keep the stream open. */
const HEARTBEAT_MS = 25_000

export const notificationRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { feed } = services

  app.get('/notifications', {
    schema: {
      tags: ['notifications'],
      summary: 'My notifications, newest first, and how many are unread',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) }),
      response: { 200: Type.Object({ items: Type.Array(Notification), unread: Type.Integer() }) }
    }
  }, async (request) => await feed.list(currentUser(request).id, request.query.limit ?? 50))

  app.post('/notifications/read', {
    schema: {
      tags: ['notifications'],
      summary: 'Mark notifications read (all when ids is absent)',
      body: Type.Object({ ids: Type.Optional(Type.Array(Type.String())) }),
      response: { 200: Type.Object({ marked: Type.Integer() }), ...errors }
    }
  }, async (request) => ({ marked: await feed.markRead(currentUser(request).id, request.body.ids) }))

  app.get('/notifications/stream', {
    schema: { tags: ['notifications'], summary: 'Server-Sent Events: one `notification` event per new entry (EventSource sends the session cookie)' }
  }, async (request, reply) => {
    const user = currentUser(request)
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' })
    res.write(': connected\n\n')
    const unsubscribe = feed.bus.subscribe(user.id, (event) => {
      res.write(`id: ${event.id}\nevent: notification\ndata: ${JSON.stringify(event)}\n\n`)
    })
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS)
    heartbeat.unref()
    request.raw.on('close', () => { clearInterval(heartbeat); unsubscribe() })
  })
}
