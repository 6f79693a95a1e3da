// Packages: create, list (inbox, sent, drafts, search), view, edit drafts, transfer tokens, receipts, forward, recall/delete.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { RouteOptions } from '../route-options.js'
import { currentUser } from '../request-context.js'
import type { Page } from '../../store/package-repository.js'
import { packageView } from '../package-view.js'
import { errors, IdParams, Package, PackageInput, PackagePage, PackageSummary, PageQuery, TransferGrant, TransferRequest } from '../schemas.js'

/**
 * JSON of page objects already sent: the repository hands out the same object for a cached first page until the owner's
 * packages change, so the hot inbox listing is serialized once per change rather than once per request.
 */
const serializedPages = new WeakMap<Page, string>()

function pageJson (page: Page): string {
  let json = serializedPages.get(page)
  if (json === undefined) {
    // Summaries hold exactly the PackageSummary schema's fields, so this equals what the response schema would write.
    json = JSON.stringify(page)
    serializedPages.set(page, json)
  }
  return json
}

export const packageRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { packages } = services
  const page = (q: { limit?: number, cursor?: string }) => ({ limit: q.limit ?? 50, ...(q.cursor === undefined ? {} : { cursor: q.cursor }) })

  app.get('/packages/inbox', {
    schema: { tags: ['packages'], summary: 'My inbox, newest first (lean summaries)', querystring: PageQuery, response: { 200: PackagePage, ...errors } }
  }, async (request, reply) => await reply.type('application/json; charset=utf-8').send(pageJson(await packages.repo.inbox(currentUser(request).id, page(request.query))) as never))

  app.get('/packages/sent', {
    schema: { tags: ['packages'], summary: 'Packages I sent, newest first', querystring: PageQuery, response: { 200: PackagePage, ...errors } }
  }, async (request, reply) => await reply.type('application/json; charset=utf-8').send(pageJson(await packages.repo.sent(currentUser(request).id, page(request.query))) as never))

  app.get('/packages/drafts', {
    schema: { tags: ['packages'], summary: 'My drafts, newest first', querystring: PageQuery, response: { 200: PackagePage, ...errors } }
  }, async (request, reply) => await reply.type('application/json; charset=utf-8').send(pageJson(await packages.repo.drafts(currentUser(request).id, page(request.query))) as never))

  app.get('/packages/search', {
    schema: {
      tags: ['packages'],
      summary: 'Search packages I sent or received (and my shared inboxes) by words of title, note and sender',
      querystring: Type.Object({ q: Type.String({ minLength: 1, maxLength: 200 }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) }),
      response: { 200: Type.Object({ items: Type.Array(PackageSummary) }), ...errors }
    }
  }, async (request) => {
    const me = currentUser(request)
    const owners = [me.id, ...(await services.inboxes.forUser(me)).filter(x => x.role !== 'submit-only').map(x => x.inbox.id)]
    return { items: await packages.repo.search(owners, request.query.q, request.query.limit ?? 50) }
  })

  app.post('/packages', {
    schema: { tags: ['packages'], summary: 'Create a package (a draft until its upload is receipted)', body: PackageInput, response: { 200: Package, ...errors } }
  }, async (request) => {
    const me = currentUser(request)
    return packageView(await packages.create(me, request.body), me)
  })

  app.get('/packages/:id', {
    schema: { tags: ['packages'], summary: 'One package: files, sizes, checksums, recipients, state', params: IdParams, response: { 200: Package, ...errors } }
  }, async (request) => {
    const me = currentUser(request)
    const pkg = await packages.require(request.params.id)
    await packages.assertCanView({ kind: 'user', user: me }, pkg)
    return packageView(pkg, me)
  })

  app.patch('/packages/:id', {
    schema: { tags: ['packages'], summary: 'Edit a draft', params: IdParams, body: Type.Partial(PackageInput), response: { 200: Package, ...errors } }
  }, async (request) => {
    const me = currentUser(request)
    return packageView(await packages.update(me, request.params.id, request.body), me)
  })

  app.delete('/packages/:id', {
    schema: { tags: ['packages'], summary: 'Recall a sent package or delete a draft; its files are deleted on the nodes', params: IdParams, response: { 200: Package, ...errors } }
  }, async (request) => {
    const me = currentUser(request)
    return packageView(await packages.remove(me, request.params.id), me)
  })

  app.post('/packages/:id/upload-token', {
    schema: {
      tags: ['transfers'],
      summary: 'A transfer token to upload the package to my nearest node (or nodeId); declares the files',
      params: IdParams,
      body: Type.Optional(TransferRequest),
      response: { 200: TransferGrant, ...errors }
    }
  }, async (request) => {
    const body = request.body ?? {}
    return await packages.uploadToken({ kind: 'user', user: currentUser(request) }, request.params.id, {
      ...(body.nodeId === undefined ? {} : { nodeId: body.nodeId }), ...(body.files === undefined ? {} : { files: body.files })
    })
  })

  app.post('/packages/:id/download-token', {
    schema: {
      tags: ['transfers'],
      summary: 'A transfer token to download from my nearest node; the portal has the holder copy it there if needed',
      params: IdParams,
      body: Type.Optional(TransferRequest),
      response: { 200: TransferGrant, ...errors }
    }
  }, async (request) => {
    const body = request.body ?? {}
    return await packages.downloadToken({ kind: 'user', user: currentUser(request) }, request.params.id, {
      ...(body.nodeId === undefined ? {} : { nodeId: body.nodeId }), ...(body.paths === undefined ? {} : { paths: body.paths })
    })
  })

  app.post('/packages/:id/receipts', {
    schema: {
      tags: ['transfers'],
      summary: 'Hand in a node-signed transfer receipt (public: the node\'s signature authenticates it)',
      params: IdParams,
      body: Type.Object({ receipt: Type.String({ minLength: 10, maxLength: 4 * 1024 * 1024 }), nodeId: Type.String({ minLength: 1, maxLength: 200 }) }),
      response: { 200: Type.Object({ applied: Type.Boolean(), state: Type.String() }), ...errors }
    }
  }, async (request) => {
    const { package: pkg, applied } = await packages.applyReceipt(request.params.id, request.body.receipt, request.body.nodeId)
    return { applied, state: pkg.state }
  })

  app.post('/packages/:id/forward', {
    schema: {
      tags: ['packages'],
      summary: 'Forward a package to more recipients',
      params: IdParams,
      body: Type.Object({ recipients: Type.Array(Type.String({ minLength: 1, maxLength: 320 }), { minItems: 1, maxItems: 500 }) }),
      response: { 200: Package, ...errors }
    }
  }, async (request) => {
    const me = currentUser(request)
    return packageView(await packages.forward(me, request.params.id, request.body.recipients), me)
  })
}
