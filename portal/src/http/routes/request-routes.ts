// Outsiders' doors: "request files" links (upload into a user's inbox) and recipient links (open and download one package).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { RouteOptions } from '../route-options.js'
import { currentUser } from '../request-context.js'
import { packageView } from '../package-view.js'
import { errors, IdParams, KeyParams, Ok, Package, PackageFile, SecretParams, TransferGrant, TransferRequest } from '../schemas.js'
import { notFound } from '../../portal-errors.js'

const FileRequest = Type.Object({
  id: Type.String(), ownerId: Type.String(), inboxId: Type.Optional(Type.String()), title: Type.String(), note: Type.String(), createdAtMs: Type.Number(), expiresAtMs: Type.Number()
})

export const requestRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { requests, packages } = services

  app.post('/requests', {
    schema: {
      tags: ['requests'],
      summary: 'Make a "request files" link an outsider uploads through into my inbox (or a shared inbox I am member of)',
      body: Type.Object({ title: Type.String({ minLength: 1, maxLength: 500 }), note: Type.Optional(Type.String({ maxLength: 20000 })), inboxId: Type.Optional(Type.String()), expiresInSec: Type.Optional(Type.Integer({ minimum: 60 })) }),
      response: { 200: Type.Object({ request: FileRequest, secret: Type.String(), link: Type.String() }), ...errors }
    }
  }, async (request) => await requests.create(currentUser(request), request.body))

  app.get('/requests', {
    schema: { tags: ['requests'], summary: 'My request links', response: { 200: Type.Object({ items: Type.Array(FileRequest) }) } }
  }, async (request) => ({ items: await requests.list(currentUser(request)) }))

  app.delete('/requests/:id', {
    schema: { tags: ['requests'], summary: 'Revoke a request link', params: IdParams, response: { 200: Ok, ...errors } }
  }, async (request) => { await requests.revoke(currentUser(request), request.params.id); return { ok: true } })

  app.get('/requests/:secret', {
    schema: { tags: ['requests'], summary: 'What a request link asks for (public: the link is the credential)', params: SecretParams, response: { 200: Type.Object({ title: Type.String(), note: Type.String(), ownerName: Type.String(), expiresAtMs: Type.Number() }), ...errors } }
  }, async (request) => {
    const { request: r, ownerName } = await requests.lookup(request.params.secret)
    return { title: r.title, note: r.note, ownerName, expiresAtMs: r.expiresAtMs }
  })

  app.post('/requests/:secret/packages', {
    schema: {
      tags: ['requests'],
      summary: 'An outsider uploads through a request link: creates the package and returns an upload token (public: the link is the credential)',
      params: SecretParams,
      body: Type.Object({
        senderName: Type.String({ minLength: 1, maxLength: 200 }),
        senderEmail: Type.String({ minLength: 3, maxLength: 320, pattern: '^[^\\s@]+@[^\\s@]+$' }),
        title: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
        note: Type.Optional(Type.String({ maxLength: 20000 })),
        files: Type.Optional(Type.Array(PackageFile, { maxItems: 100000 }))
      }),
      response: { 200: Type.Object({ package: Package, upload: TransferGrant }), ...errors }
    }
  }, async (request) => {
    const { package: pkg, upload } = await requests.submit(request.params.secret, request.body)
    return { package: packageView(pkg, undefined), upload }
  })

  app.get('/links/:key', {
    schema: { tags: ['links'], summary: 'An outside recipient opens a package with the key from their mail (public: the key is the credential)', params: KeyParams, response: { 200: Package, ...errors } }
  }, async (request) => {
    const link = await packages.resolveLink(request.params.key)
    if (link === undefined) throw notFound('link')
    const pkg = await packages.require(link.pkgId)
    await packages.assertCanView({ kind: 'link', email: link.email, pkgId: link.pkgId }, pkg)
    return packageView(pkg, undefined)
  })

  app.post('/links/:key/download-token', {
    schema: { tags: ['links'], summary: 'An outside recipient\'s download token (public: the key is the credential)', params: KeyParams, body: Type.Optional(TransferRequest), response: { 200: TransferGrant, ...errors } }
  }, async (request) => {
    const link = await packages.resolveLink(request.params.key)
    if (link === undefined) throw notFound('link')
    const body = request.body ?? {}
    return await packages.downloadToken({ kind: 'link', email: link.email, pkgId: link.pkgId }, link.pkgId, {
      ...(body.nodeId === undefined ? {} : { nodeId: body.nodeId }), ...(body.paths === undefined ? {} : { paths: body.paths })
    })
  })
}
