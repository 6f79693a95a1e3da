// The built web UI is served from web-dist with an SPA fallback for client-side routes; API misses stay JSON 404s.
import { describe, it, expect, afterAll, beforeAll } from 'vitest'
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testPortal, type TestPortal } from '../fixtures/test-portal.js'

let dir: string
let portal: TestPortal

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-web-dist-'))
  await mkdir(join(dir, 'assets'))
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Ferry</title>')
  await writeFile(join(dir, 'assets', 'app.js'), 'console.log(1)')
  portal = await testPortal({ webDistDir: dir })
})

afterAll(async () => {
  await portal.close()
  await rm(dir, { recursive: true, force: true })
})

describe('web UI', () => {
  it('serves files, falls back to index.html for app routes, keeps API 404s as JSON', async () => {
    const root = await portal.app.inject({ method: 'GET', url: '/' })
    expect(root.body).toContain('<title>Ferry</title>')
    const asset = await portal.app.inject({ method: 'GET', url: '/assets/app.js' })
    expect(asset.body).toBe('console.log(1)')
    const route = await portal.app.inject({ method: 'GET', url: '/packages/abc?key=xyz' })
    expect(route.statusCode).toBe(200)
    expect(route.headers['content-type']).toContain('text/html')
    const api = await portal.app.inject({ method: 'GET', url: '/api/v1/nope' })
    expect(api.statusCode).toBe(404)
    expect(api.json().code).toBe('FERRY_PORTAL_NOT_FOUND')
  })
})
