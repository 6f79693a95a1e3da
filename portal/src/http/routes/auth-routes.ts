// Sign-in and credentials: browser sessions (cookie + CSRF token), CLI API tokens, sign-out, and who am I.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { SESSION_TTL_MS } from '../../auth/account-service.js'
import type { RouteOptions } from '../route-options.js'
import { userView } from '../route-options.js'
import { currentUser } from '../request-context.js'
import { errors, IdParams, Me, Ok, User } from '../schemas.js'

export const SESSION_COOKIE = 'ferry_session'

const Credentials = Type.Object({ name: Type.String({ minLength: 1, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 1024 }) })

export const authRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services, cookieSecure, loginLimit }) => {
  const rateLimit = { max: loginLimit.max, timeWindow: loginLimit.timeWindowMs }

  app.post('/auth/login', {
    config: { rateLimit },
    schema: { tags: ['auth'], summary: 'Sign in; sets the session cookie', body: Credentials, response: { 200: Type.Object({ user: User, csrfToken: Type.String() }), ...errors } }
  }, async (request, reply) => {
    const user = await services.accounts.checkPassword(request.body.name, request.body.password)
    const session = await services.accounts.createSession(user)
    reply.setCookie(SESSION_COOKIE, session.sessionId, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookieSecure, maxAge: Math.floor(SESSION_TTL_MS / 1000) })
    return { user: userView(user), csrfToken: session.csrfToken }
  })

  app.post('/auth/tokens', {
    config: { rateLimit },
    schema: {
      tags: ['auth'],
      summary: 'Exchange user name and password for an API token (the CLI\'s login)',
      body: Type.Intersect([Credentials, Type.Object({ label: Type.Optional(Type.String({ maxLength: 200 })) })]),
      response: { 200: Type.Object({ id: Type.String(), token: Type.String(), user: User }), ...errors }
    }
  }, async (request) => {
    const user = await services.accounts.checkPassword(request.body.name, request.body.password)
    const { id, token } = await services.accounts.createApiToken(user, request.body.label ?? 'cli')
    return { id, token, user: userView(user) }
  })

  app.get('/auth/tokens', {
    schema: { tags: ['auth'], summary: 'My API tokens', response: { 200: Type.Object({ items: Type.Array(Type.Object({ id: Type.String(), label: Type.String(), createdAtMs: Type.Number() })) }) } }
  }, async (request) => ({ items: await services.accounts.listApiTokens(currentUser(request).id) }))

  app.delete('/auth/tokens/:id', {
    schema: { tags: ['auth'], summary: 'Revoke one of my API tokens', params: IdParams, response: { 200: Ok, ...errors } }
  }, async (request) => {
    await services.accounts.revokeApiToken(currentUser(request).id, request.params.id)
    return { ok: true }
  })

  app.post('/auth/logout', {
    schema: { tags: ['auth'], summary: 'End the session', response: { 200: Ok } }
  }, async (request, reply) => {
    const sessionId = request.cookies[SESSION_COOKIE]
    if (sessionId !== undefined) await services.accounts.endSession(sessionId)
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return { ok: true }
  })

  app.get('/me', {
    schema: { tags: ['auth'], summary: 'The signed-in user, and the CSRF token for cookie sessions', response: { 200: Me } }
  }, async (request) => {
    const principal = request.principal!
    return { user: userView(principal.user), ...(principal.csrfToken === undefined ? {} : { csrfToken: principal.csrfToken }) }
  })
}
