// Builds the portal's fastify app (never listens: main.ts does, tests inject): auth, CSRF, rate limits, OpenAPI, routes, web UI.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fastifyStatic from '@fastify/static'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Level } from 'level'
import { MemoryLevel } from 'memory-level'
import { FerryError, isFerryError } from '@ferry/protocol/errors/ferry-error'
import { systemClock, type Clock } from '../clock.js'
import { PortalDatabase } from '../store/portal-database.js'
import type { PortalLevel } from '../store/level-collection.js'
import { PortalServices } from '../portal-services.js'
import type { SmtpSettings } from '../notify/mailer.js'
import { timerScheduler, type Scheduler } from '../notify/scheduler.js'
import { isPublicRoute } from './public-routes.js'
import './request-context.js'
import { authRoutes, SESSION_COOKIE } from './routes/auth-routes.js'
import { accountRoutes } from './routes/account-routes.js'
import { packageRoutes } from './routes/package-routes.js'
import { nodeRoutes } from './routes/node-routes.js'
import { notificationRoutes } from './routes/notification-routes.js'
import { adminRoutes } from './routes/admin-routes.js'
import { requestRoutes } from './routes/request-routes.js'

export interface PortalOptions {
  /** Where LevelDB and the signing keys live; undefined runs in memory (unit tests). */
  dataDir?: string
  /** The URL people open; links in mail point here. */
  publicUrl: string
  /** The `iss` of transfer tokens; defaults to publicUrl. */
  issuer?: string
  smtp?: SmtpSettings
  /** Login attempts per socket address per window. */
  loginRateLimit?: { max: number, timeWindowMs: number }
  /** Mark session cookies Secure; defaults to true when publicUrl is https. */
  cookieSecure?: boolean
  /** Built web UI to serve; defaults to portal/web-dist next to this package when it exists. */
  webDistDir?: string
  logger?: boolean
  /** scrypt cost N for new password hashes (default 2^15; tests lower it to stay fast). */
  scryptN?: number
  /** Answer behind a reverse proxy (X-Forwarded-*): off unless the operator says so. */
  trustProxy?: boolean
}

export interface PortalComponents {
  clock?: Clock
  scheduler?: Scheduler
  fetch?: typeof fetch
  level?: PortalLevel
}

export type PortalApp = FastifyInstance<any, any, any, any, TypeBoxTypeProvider>

export interface Portal {
  app: PortalApp
  services: PortalServices
  /** Every route registered, as `{ method, url }` (HEAD included), for the route-table audit. */
  routes: Array<{ method: string, url: string, admin: boolean }>
  /** Starts background work (expiry sweeps every `sweepIntervalMs`). */
  startBackground: (sweepIntervalMs: number) => void
  close: () => Promise<void>
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
/** Login attempts per address per minute: enough for typos, too few for guessing. */
const DEFAULT_LOGIN_LIMIT = { max: 10, timeWindowMs: 60_000 }

export async function buildPortal (options: PortalOptions, components: PortalComponents = {}): Promise<Portal> {
  const clock = components.clock ?? systemClock
  const level: PortalLevel = components.level ??
    (options.dataDir === undefined ? new MemoryLevel<string, any>({ valueEncoding: 'json' }) : new Level<string, any>(join(options.dataDir, 'db'), { valueEncoding: 'json' }))
  const publicUrl = options.publicUrl.replace(/\/+$/, '')
  const services = new PortalServices(
    { db: new PortalDatabase(level), clock, scheduler: components.scheduler ?? timerScheduler, fetch: components.fetch ?? fetch, keyDir: options.dataDir },
    { publicUrl, issuer: options.issuer ?? publicUrl, ...(options.scryptN === undefined ? {} : { scryptN: options.scryptN }), ...(options.smtp === undefined ? {} : { smtp: options.smtp }) }
  )
  await services.start()

  const app = Fastify({ logger: options.logger ?? false, trustProxy: options.trustProxy ?? false, bodyLimit: 32 * 1024 * 1024 }).withTypeProvider<TypeBoxTypeProvider>()
  const cookieSecure = options.cookieSecure ?? publicUrl.startsWith('https:')
  const loginLimit = options.loginRateLimit ?? DEFAULT_LOGIN_LIMIT

  const routes: Array<{ method: string, url: string, admin: boolean }> = []
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, admin: (route.config as { admin?: boolean } | undefined)?.admin === true })
  })
  await app.register(cookie)
  await app.register(rateLimit, {
    global: false,
    // The socket address, not a client-supplied X-Forwarded-For, unless the operator said a trusted proxy sets it.
    keyGenerator: (request) => (options.trustProxy === true ? request.ip : request.socket.remoteAddress) ?? 'unknown',
    errorResponseBuilder: (_request, context) => new FerryError('FERRY_PORTAL_RATE_LIMITED', `too many attempts; try again in ${context.after}`, { statusCode: 429 })
  })
  await app.register(swagger, {
    openapi: {
      info: { title: 'Ferry portal API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } } },
      security: [{ bearer: [] }, { session: [] }]
    }
  })
  await app.register(swaggerUi, { routePrefix: '/api/docs' })

  app.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url
    if (url === undefined) return // no route: the not-found handler answers
    if (isPublicRoute(request.method, url)) return
    const principal = await authenticate(services, request.headers.authorization, request.cookies[SESSION_COOKIE])
    if (principal === undefined) throw new FerryError('FERRY_PORTAL_UNAUTHENTICATED', 'sign in first: a session cookie or an API token (Authorization: Bearer)', { statusCode: 401 })
    if (request.routeOptions.config.admin === true && principal.user.role !== 'admin') throw new FerryError('FERRY_PORTAL_FORBIDDEN', 'this needs a portal admin', { statusCode: 403 })
    if (principal.via === 'session' && !SAFE_METHODS.has(request.method) && request.headers['x-csrf-token'] !== principal.csrfToken) {
      throw new FerryError('FERRY_PORTAL_CSRF', 'missing or wrong x-csrf-token header for a cookie-authenticated change', { statusCode: 403 })
    }
    request.principal = principal
  })

  app.addHook('preValidation', async (request) => {
    // A POST with no body at all means "no options", not a malformed request.
    if (request.body === undefined && (request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH')) request.body = {}
  })

  app.setErrorHandler((err: any, request, reply) => {
    if (isFerryError(err)) return reply.code(err.statusCode).send(err.toJSON())
    if (err.validation !== undefined) return reply.code(400).send({ code: 'FERRY_PORTAL_VALIDATION', message: err.message })
    if (typeof err.statusCode === 'number' && err.statusCode < 500) return reply.code(err.statusCode).send({ code: 'FERRY_PORTAL_BAD_REQUEST', message: err.message })
    request.log.error(err)
    return reply.code(500).send({ code: 'FERRY_PORTAL_INTERNAL', message: 'internal error' })
  })

  const routeOptions = { services, clock, cookieSecure, loginLimit }
  await app.register(async (api) => {
    await api.register(authRoutes, routeOptions)
    await api.register(accountRoutes, routeOptions)
    await api.register(packageRoutes, routeOptions)
    await api.register(nodeRoutes, routeOptions)
    await api.register(notificationRoutes, routeOptions)
    await api.register(adminRoutes, routeOptions)
    await api.register(requestRoutes, routeOptions)
  }, { prefix: '/api/v1' })

  const webDist = options.webDistDir ?? join(import.meta.dirname, '..', '..', 'web-dist')
  const hasUi = existsSync(join(webDist, 'index.html'))
  if (hasUi) await app.register(fastifyStatic, { root: webDist, wildcard: false, index: 'index.html' })
  app.setNotFoundHandler((request, reply) => {
    // The web UI routes on the client: any non-API GET that is not a file gets index.html.
    if (hasUi && request.method === 'GET' && !request.url.startsWith('/api/')) return reply.sendFile('index.html')
    return reply.code(404).send({ code: 'FERRY_PORTAL_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` })
  })

  await app.ready()
  let sweepTimer: ReturnType<typeof setInterval> | undefined
  return {
    app,
    services,
    routes,
    startBackground (sweepIntervalMs) {
      sweepTimer = setInterval(() => { void services.packages.sweepExpired().catch(err => app.log.error(err)) }, sweepIntervalMs)
      sweepTimer.unref()
    },
    async close () {
      if (sweepTimer !== undefined) clearInterval(sweepTimer)
      await app.close()
      await services.stop()
    }
  }
}

async function authenticate (services: PortalServices, authorization: string | undefined, sessionId: string | undefined) {
  if (authorization !== undefined && authorization.startsWith('Bearer ')) return await services.accounts.fromBearer(authorization.slice(7).trim())
  if (sessionId !== undefined && sessionId !== '') return await services.accounts.fromSession(sessionId)
  return undefined
}
