// People and how they are organised: users (admins manage), the recipient directory, invitations, groups, shared inboxes and workgroups.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { RouteOptions } from '../route-options.js'
import { userView } from '../route-options.js'
import { currentUser } from '../request-context.js'
import { errors, Group, IdParams, Inbox, InboxRole, MetadataField, Ok, PackagePage, PageQuery, Role, SecretParams, User, UserBrief } from '../schemas.js'
import type { InboxRecord, InboxRole as Role_, UserRecord } from '../../store/records.js'
import type { InboxService } from '../../directory/inbox-service.js'

const InboxInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^:\\s][^:]*$' }),
  kind: Type.Optional(Type.Union([Type.Literal('shared'), Type.Literal('workgroup')])),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  members: Type.Optional(Type.Array(Type.Object({ userId: Type.String(), role: InboxRole }))),
  metadataFields: Type.Optional(Type.Array(MetadataField))
})

function inboxView (inboxes: InboxService, inbox: InboxRecord, viewer: UserRecord): InboxRecord & { myRole?: Role_ } {
  const myRole = inboxes.roleOf(inbox, viewer)
  return { ...inbox, ...(myRole === undefined ? {} : { myRole }) }
}

export const accountRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { accounts, groups, inboxes, invitations, packages } = services

  app.get('/users', {
    config: { admin: true },
    schema: { tags: ['users'], summary: 'All users (admin)', response: { 200: Type.Object({ items: Type.Array(User) }) } }
  }, async () => ({ items: (await accounts.listUsers()).map(userView) }))

  app.post('/users', {
    config: { admin: true },
    schema: {
      tags: ['users'],
      summary: 'Create a local user (admin)',
      body: Type.Object({ name: Type.String(), email: Type.String({ maxLength: 320 }), displayName: Type.Optional(Type.String({ maxLength: 200 })), password: Type.String({ minLength: 8, maxLength: 1024 }), role: Type.Optional(Role) }),
      response: { 200: User, ...errors }
    }
  }, async (request) => userView(await accounts.createUser(request.body, currentUser(request).id)))

  app.patch('/users/:id', {
    config: { admin: true },
    schema: {
      tags: ['users'],
      summary: 'Change a user (admin): name shown, role, disabled, password',
      params: IdParams,
      body: Type.Object({ displayName: Type.Optional(Type.String({ maxLength: 200 })), role: Type.Optional(Role), disabled: Type.Optional(Type.Boolean()), password: Type.Optional(Type.String({ minLength: 8, maxLength: 1024 })) }),
      response: { 200: User, ...errors }
    }
  }, async (request) => userView(await accounts.updateUser(request.params.id, request.body, currentUser(request).id)))

  app.get('/directory', {
    schema: {
      tags: ['users'],
      summary: 'Recipient autocomplete: users, groups and inboxes matching q',
      querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 100 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) }),
      response: { 200: Type.Object({ users: Type.Array(UserBrief), groups: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })), inboxes: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String() })) }) }
    }
  }, async (request) => {
    const me = currentUser(request)
    const q = (request.query.q ?? '').toLowerCase()
    const limit = request.query.limit ?? 20
    const match = (...s: string[]): boolean => s.some(x => x.toLowerCase().includes(q))
    const users = (await accounts.listUsers()).filter(u => !u.disabled && match(u.name, u.displayName, u.email)).slice(0, limit)
    return {
      users: users.map(u => ({ id: u.id, name: u.name, displayName: u.displayName })),
      groups: (await groups.list()).filter(g => match(g.name)).slice(0, limit).map(g => ({ id: g.id, name: g.name })),
      inboxes: (await inboxes.forUser(me)).filter(x => match(x.inbox.name)).slice(0, limit).map(x => ({ id: x.inbox.id, name: x.inbox.name, kind: x.inbox.kind }))
    }
  })

  app.post('/invitations', {
    schema: {
      tags: ['users'],
      summary: 'Invite an outside person by email (admins may invite admins)',
      body: Type.Object({ email: Type.String({ minLength: 3, maxLength: 320, pattern: '^[^\\s@]+@[^\\s@]+$' }), role: Type.Optional(Role) }),
      response: { 200: Type.Object({ id: Type.String(), email: Type.String(), expiresAtMs: Type.Number(), link: Type.String() }), ...errors }
    }
  }, async (request) => {
    const me = currentUser(request)
    const role = me.role === 'admin' ? (request.body.role ?? 'user') : 'user'
    const { invitation, link } = await invitations.invite(me, request.body.email, role)
    return { id: invitation.id, email: invitation.email, expiresAtMs: invitation.expiresAtMs, link }
  })

  app.get('/invitations/:secret', {
    schema: { tags: ['users'], summary: 'What an invitation link is for (public: the link is the credential)', params: SecretParams, response: { 200: Type.Object({ email: Type.String(), expiresAtMs: Type.Number() }), ...errors } }
  }, async (request) => {
    const invitation = await invitations.lookup(request.params.secret)
    return { email: invitation.email, expiresAtMs: invitation.expiresAtMs }
  })

  app.post('/invitations/:secret/accept', {
    schema: {
      tags: ['users'],
      summary: 'Accept an invitation: create the account (public: the link is the credential)',
      params: SecretParams,
      body: Type.Object({ name: Type.String(), password: Type.String({ minLength: 8, maxLength: 1024 }), displayName: Type.Optional(Type.String({ maxLength: 200 })) }),
      response: { 200: User, ...errors }
    }
  }, async (request) => userView(await invitations.accept(request.params.secret, request.body)))

  app.get('/groups', {
    schema: { tags: ['groups'], summary: 'Groups', response: { 200: Type.Object({ items: Type.Array(Group) }) } }
  }, async () => ({ items: await groups.list() }))

  app.post('/groups', {
    config: { admin: true },
    schema: { tags: ['groups'], summary: 'Create a group (admin)', body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), memberIds: Type.Array(Type.String()) }), response: { 200: Group, ...errors } }
  }, async (request) => await groups.create(request.body.name, request.body.memberIds, currentUser(request).id))

  app.patch('/groups/:id', {
    config: { admin: true },
    schema: { tags: ['groups'], summary: 'Rename a group or set its members (admin)', params: IdParams, body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), memberIds: Type.Optional(Type.Array(Type.String())) }), response: { 200: Group, ...errors } }
  }, async (request) => await groups.update(request.params.id, request.body, currentUser(request).id))

  app.delete('/groups/:id', {
    config: { admin: true },
    schema: { tags: ['groups'], summary: 'Delete a group (admin)', params: IdParams, response: { 200: Ok, ...errors } }
  }, async (request) => { await groups.remove(request.params.id, currentUser(request).id); return { ok: true } })

  app.get('/inboxes', {
    schema: { tags: ['inboxes'], summary: 'Shared inboxes and workgroups I belong to (all, for admins)', response: { 200: Type.Object({ items: Type.Array(Inbox) }) } }
  }, async (request) => {
    const me = currentUser(request)
    return { items: (await inboxes.forUser(me)).map(x => inboxView(inboxes, x.inbox, me)) }
  })

  app.post('/inboxes', {
    config: { admin: true },
    schema: { tags: ['inboxes'], summary: 'Create a shared inbox or workgroup (admin)', body: InboxInput, response: { 200: Inbox, ...errors } }
  }, async (request) => inboxView(inboxes, await inboxes.create(request.body, currentUser(request).id), currentUser(request)))

  app.get('/inboxes/:id', {
    schema: { tags: ['inboxes'], summary: 'One inbox (any role in it)', params: IdParams, response: { 200: Inbox, ...errors } }
  }, async (request) => {
    const me = currentUser(request)
    const inbox = await inboxes.require(request.params.id)
    inboxes.assertRole(inbox, me, 'submit-only')
    return inboxView(inboxes, inbox, me)
  })

  app.patch('/inboxes/:id', {
    schema: { tags: ['inboxes'], summary: 'Change an inbox: members, fields (inbox admin)', params: IdParams, body: Type.Partial(InboxInput), response: { 200: Inbox, ...errors } }
  }, async (request) => {
    const me = currentUser(request)
    inboxes.assertRole(await inboxes.require(request.params.id), me, 'admin')
    return inboxView(inboxes, await inboxes.update(request.params.id, request.body, me.id), me)
  })

  app.delete('/inboxes/:id', {
    config: { admin: true },
    schema: { tags: ['inboxes'], summary: 'Delete an inbox (admin)', params: IdParams, response: { 200: Ok, ...errors } }
  }, async (request) => { await inboxes.remove(request.params.id, currentUser(request).id); return { ok: true } })

  app.get('/inboxes/:id/packages', {
    schema: { tags: ['inboxes'], summary: 'Packages in a shared inbox (member role)', params: IdParams, querystring: PageQuery, response: { 200: PackagePage, ...errors } }
  }, async (request) => {
    const inbox = await inboxes.require(request.params.id)
    inboxes.assertRole(inbox, currentUser(request), 'member')
    return await packages.repo.inbox(inbox.id, { limit: request.query.limit ?? 50, ...(request.query.cursor === undefined ? {} : { cursor: request.query.cursor }) })
  })
}
