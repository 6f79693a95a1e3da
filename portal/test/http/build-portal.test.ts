// The HTTP shell: every route is authenticated or explicitly public, CSRF on cookie sessions, login rate limits keyed on the socket.
import { describe, it, expect, afterEach } from 'vitest'
import { PUBLIC_API_ROUTES, isPublicRoute } from '../../src/http/public-routes.js'
import { testPortal, PASSWORD, type TestPortal } from '../fixtures/test-portal.js'

let portal: TestPortal | undefined
afterEach(async () => { await portal?.close(); portal = undefined })

function concrete (url: string): string {
  return url.replace(/:[a-zA-Z]+/g, 'some-id-123456').replace(/\*$/, 'x')
}

describe('route table', () => {
  it('every /api route is on the explicit public list or refuses anonymous callers', async () => {
    portal = await testPortal()
    const api = portal.routes.filter(r => r.url.startsWith('/api/') && !isPublicRoute(r.method, r.url))
    expect(api.length).toBeGreaterThan(40)
    for (const route of api) {
      const res = await portal.app.inject({ method: route.method as 'GET', url: concrete(route.url), payload: route.method === 'GET' || route.method === 'HEAD' ? undefined : {} })
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401)
      if (route.method !== 'HEAD') expect(res.json().code).toBe('FERRY_PORTAL_UNAUTHENTICATED')
    }
    const registered = new Set(portal.routes.map(r => `${r.method} ${r.url}`))
    for (const entry of PUBLIC_API_ROUTES.keys()) expect(registered.has(entry), entry).toBe(true)
    // Public beyond the list: only the OpenAPI docs and the web UI's files, never the REST API.
    const otherPublic = portal.routes.filter(r => isPublicRoute(r.method, r.url) && !PUBLIC_API_ROUTES.has(`${r.method === 'HEAD' ? 'GET' : r.method} ${r.url}`))
    for (const r of otherPublic) expect(r.url.startsWith('/api/v1'), r.url).toBe(false)
  })

  it('admin routes refuse signed-in non-admins', async () => {
    portal = await testPortal()
    const { auth } = await portal.user('mallory')
    const admin = portal.routes.filter(r => r.admin && r.method !== 'HEAD')
    expect(admin.length).toBeGreaterThan(10)
    for (const route of admin) {
      const res = await portal.app.inject({ method: route.method as 'GET', url: concrete(route.url), headers: auth, payload: route.method === 'GET' ? undefined : {} })
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(403)
    }
  })

  it('serves OpenAPI docs describing the REST API', async () => {
    portal = await testPortal()
    const res = await portal.app.inject({ method: 'GET', url: '/api/docs/json' })
    expect(res.statusCode).toBe(200)
    const paths = Object.keys(res.json().paths as Record<string, unknown>)
    expect(paths).toContain('/api/v1/packages/inbox')
    expect(paths).toContain('/api/v1/packages/{id}/receipts')
  })
})

describe('sessions and CSRF', () => {
  it('a cookie session needs the CSRF token for changes, not for reads', async () => {
    portal = await testPortal()
    await portal.user('alice')
    await portal.user('bob')
    const login = await portal.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { name: 'alice', password: PASSWORD } })
    expect(login.statusCode).toBe(200)
    const cookie = login.cookies.find(c => c.name === 'ferry_session')!
    expect(cookie.httpOnly).toBe(true)
    expect(cookie.sameSite).toBe('Lax')
    const csrf = login.json().csrfToken as string
    const headers = { cookie: `ferry_session=${cookie.value}` }
    const me = await portal.app.inject({ method: 'GET', url: '/api/v1/me', headers })
    expect(me.json().user.name).toBe('alice')
    expect(me.json().csrfToken).toBe(csrf)
    const payload = { title: 't', recipients: ['bob'] }
    const noToken = await portal.app.inject({ method: 'POST', url: '/api/v1/packages', headers, payload })
    expect(noToken.statusCode).toBe(403)
    expect(noToken.json().code).toBe('FERRY_PORTAL_CSRF')
    const wrong = await portal.app.inject({ method: 'POST', url: '/api/v1/packages', headers: { ...headers, 'x-csrf-token': 'nope' }, payload })
    expect(wrong.json().code).toBe('FERRY_PORTAL_CSRF')
    const ok = await portal.app.inject({ method: 'POST', url: '/api/v1/packages', headers: { ...headers, 'x-csrf-token': csrf }, payload })
    expect(ok.statusCode).toBe(200)
    await portal.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { ...headers, 'x-csrf-token': csrf } })
    expect((await portal.app.inject({ method: 'GET', url: '/api/v1/me', headers })).statusCode).toBe(401)
  })

  it('secure cookies when the portal is served over https', async () => {
    portal = await testPortal({ publicUrl: 'https://ferry.example' })
    await portal.user('alice')
    const login = await portal.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { name: 'alice', password: PASSWORD } })
    expect(login.cookies.find(c => c.name === 'ferry_session')!.secure).toBe(true)
  })

  it('a revoked API token stops working at once', async () => {
    portal = await testPortal()
    const { auth } = await portal.user('alice')
    const list = (await portal.app.inject({ method: 'GET', url: '/api/v1/auth/tokens', headers: auth })).json()
    expect(list.items).toHaveLength(1)
    expect((await portal.app.inject({ method: 'DELETE', url: `/api/v1/auth/tokens/${list.items[0].id}`, headers: auth })).statusCode).toBe(200)
    expect((await portal.app.inject({ method: 'GET', url: '/api/v1/me', headers: auth })).statusCode).toBe(401)
  })
})

describe('login rate limit', () => {
  it('is keyed on the socket address: a spoofed X-Forwarded-For buys no fresh attempts', async () => {
    portal = await testPortal({ loginRateLimit: { max: 3, timeWindowMs: 60_000 } })
    await portal.user('alice')
    const attempt = async (xff: string, remoteAddress = '10.1.1.1') => await portal!.app.inject({
      method: 'POST', url: '/api/v1/auth/login', remoteAddress, headers: { 'x-forwarded-for': xff }, payload: { name: 'alice', password: 'wrong password' }
    })
    for (let i = 0; i < 3; i++) expect((await attempt(`203.0.113.${i}`)).json().code).toBe('FERRY_PORTAL_LOGIN_FAILED')
    const limited = await attempt('198.51.100.7')
    expect(limited.statusCode).toBe(429)
    expect(limited.json().code).toBe('FERRY_PORTAL_RATE_LIMITED')
    // Another socket address is another budget.
    expect((await attempt('203.0.113.1', '10.2.2.2')).json().code).toBe('FERRY_PORTAL_LOGIN_FAILED')
  })
})
