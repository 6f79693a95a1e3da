// Admin tools: the mail outbox, editable mail templates, webhooks, the audit log, signing-key rotation and an on-demand expiry sweep.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { RouteOptions } from '../route-options.js'
import { currentUser } from '../request-context.js'
import { errors, IdParams, Ok } from '../schemas.js'
import { randomId } from '../../store/random-id.js'
import { notFound } from '../../portal-errors.js'

const Template = Type.Object({ subject: Type.String({ minLength: 1, maxLength: 500 }), text: Type.String({ minLength: 1, maxLength: 50000 }) })
const Mail = Type.Object({ id: Type.String(), to: Type.String(), subject: Type.String(), text: Type.String(), template: Type.String(), atMs: Type.Number(), status: Type.String(), error: Type.Optional(Type.String()) })
const Webhook = Type.Object({ id: Type.String(), url: Type.String(), events: Type.Array(Type.String()), createdAtMs: Type.Number() })
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) })

export const adminRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services, clock }) => {
  const { mailer, templates, audit, keys, packages } = services
  const admin = { admin: true }

  app.get('/admin/outbox', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: 'Every mail the portal sent or would have sent (the outbox page when no SMTP server is configured)',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })), to: Type.Optional(Type.String()) }),
      response: { 200: Type.Object({ smtp: Type.Boolean(), items: Type.Array(Mail) }) }
    }
  }, async (request) => ({ smtp: mailer.configured, items: await mailer.list({ limit: request.query.limit ?? 100, ...(request.query.to === undefined ? {} : { to: request.query.to }) }) }))

  app.get('/admin/templates', {
    config: admin,
    schema: { tags: ['admin'], summary: 'Mail templates (with {{placeholders}})', response: { 200: Type.Object({ items: Type.Array(Type.Intersect([Type.Object({ name: Type.String() }), Template])) }) } }
  }, async () => ({ items: await Promise.all(templates.names().map(async name => ({ name, ...(await templates.get(name))! }))) }))

  app.put('/admin/templates/:name', {
    config: admin,
    schema: { tags: ['admin'], summary: 'Replace a mail template', params: NameParams, body: Template, response: { 200: Ok, ...errors } }
  }, async (request) => {
    if (!templates.names().includes(request.params.name)) throw notFound(`template ${request.params.name}`)
    await templates.set(request.params.name, request.body)
    await audit.record(currentUser(request).id, 'template.update', request.params.name)
    return { ok: true }
  })

  app.delete('/admin/templates/:name', {
    config: admin,
    schema: { tags: ['admin'], summary: 'Restore a mail template\'s default', params: NameParams, response: { 200: Ok, ...errors } }
  }, async (request) => {
    await templates.reset(request.params.name)
    await audit.record(currentUser(request).id, 'template.reset', request.params.name)
    return { ok: true }
  })

  app.get('/admin/webhooks', {
    config: admin,
    schema: { tags: ['admin'], summary: 'Webhooks', response: { 200: Type.Object({ items: Type.Array(Webhook) }) } }
  }, async () => ({ items: (await services.components.db.webhooks.list()).map(r => r.value) }))

  app.post('/admin/webhooks', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: 'Add a webhook; events are POSTed with x-ferry-signature: sha256=HMAC(secret, body)',
      body: Type.Object({ url: Type.String({ pattern: '^https?://', maxLength: 2000 }), events: Type.Optional(Type.Array(Type.String())), secret: Type.Optional(Type.String({ minLength: 16, maxLength: 200 })) }),
      response: { 200: Type.Intersect([Webhook, Type.Object({ secret: Type.String() })]), ...errors }
    }
  }, async (request) => {
    const hook = { id: randomId(), url: request.body.url, secret: request.body.secret ?? randomId(32), events: request.body.events ?? [], createdAtMs: clock.nowMs() }
    await services.components.db.webhooks.put(hook.id, hook)
    await audit.record(currentUser(request).id, 'webhook.create', hook.id, { url: hook.url, events: hook.events })
    return hook
  })

  app.delete('/admin/webhooks/:id', {
    config: admin,
    schema: { tags: ['admin'], summary: 'Remove a webhook', params: IdParams, response: { 200: Ok, ...errors } }
  }, async (request) => {
    if (await services.components.db.webhooks.get(request.params.id) === undefined) throw notFound('webhook')
    await services.components.db.webhooks.del(request.params.id)
    await audit.record(currentUser(request).id, 'webhook.delete', request.params.id)
    return { ok: true }
  })

  app.get('/admin/audit', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: 'The audit log, newest first',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })), cursor: Type.Optional(Type.String()), target: Type.Optional(Type.String()) }),
      response: {
        200: Type.Object({
          items: Type.Array(Type.Object({ id: Type.String(), atMs: Type.Number(), actor: Type.String(), action: Type.String(), target: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) })),
          nextCursor: Type.Optional(Type.String())
        })
      }
    }
  }, async (request) => await audit.list({ limit: request.query.limit ?? 100, ...(request.query.cursor === undefined ? {} : { cursor: request.query.cursor }), ...(request.query.target === undefined ? {} : { target: request.query.target }) }))

  app.post('/admin/keys/rotate', {
    config: admin,
    schema: { tags: ['admin'], summary: 'Rotate the token signing key; old public keys stay in the JWKS', response: { 200: Type.Object({ kid: Type.String() }) } }
  }, async (request) => {
    const kid = await keys.rotate()
    await audit.record(currentUser(request).id, 'keys.rotate', kid)
    return { kid }
  })

  app.post('/admin/sweep', {
    config: admin,
    schema: { tags: ['admin'], summary: 'Run the expiry sweep now', response: { 200: Type.Object({ expired: Type.Array(Type.String()) }) } }
  }, async () => ({ expired: await packages.sweepExpired() }))
}
