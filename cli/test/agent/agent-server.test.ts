// The desktop agent answers only the configured portal's pages (after pairing) and the local user's CLI; nothing runs before the person approves.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtemp, rm, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { request } from 'node:http'
import { AgentServer, type PendingApproval } from '../../src/agent/agent-server.js'
import type { CliContext } from '../../src/cli-context.js'

const PORTAL = 'http://127.0.0.1:8080'
let dir: string
let agent: AgentServer
const approvals: PendingApproval[] = []
const logs: string[] = []

/** node:http rather than fetch: fetch forbids setting Origin and Host, which a browser (or an attacker's page) does set. */
async function call (path: string, options: { method?: string, headers?: Record<string, string>, body?: unknown } = {}): Promise<{ status: number, headers: Record<string, unknown>, body: any }> {
  const url = new URL(path, agent.url)
  const text = options.body === undefined ? undefined : JSON.stringify(options.body)
  return await new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: { ...(text === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers } }, res => {
      const chunks: Buffer[] = []
      res.on('data', c => chunks.push(c as Buffer))
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode!, headers: res.headers, body: raw === '' ? undefined : JSON.parse(raw) })
      })
    })
    req.on('error', reject)
    req.end(text)
  })
}

const page = { origin: PORTAL }
const spec = {
  direction: 'download', packageId: 'pkg-1', title: 'Rushes', token: 'tok',
  node: { id: 'peer', name: 'nowhere', multiaddrs: [], udpHost: '127.0.0.1', udpPort: 9, httpUrl: 'http://127.0.0.1:9' },
  files: [{ path: 'a.bin', sizeBytes: 10 }]
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-agent-'))
  const ctx: CliContext = { stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), env: { HOME: dir }, signal: new AbortController().signal }
  agent = new AgentServer(
    { host: '127.0.0.1', port: 0, portalOrigin: PORTAL, downloadDir: join(dir, 'downloads'), stateDir: join(dir, 'state') },
    { ctx, choice: { forceGateway: true }, stateDir: join(dir, 'transfer-state') },
    { approvalNeeded: a => approvals.push(a), log: line => logs.push(line) })
  await agent.start()
})

afterAll(async () => {
  await agent.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('agent origin policy', () => {
  it('refuses pages of any other origin with no CORS header and no information', async () => {
    for (const origin of ['http://evil.example', 'http://127.0.0.1:8081', 'null']) {
      for (const [method, path] of [['GET', '/agent/v1/hello'], ['POST', '/agent/v1/pairings'], ['GET', '/agent/v1/transfers'], ['POST', '/agent/v1/transfers'], ['OPTIONS', '/agent/v1/transfers'], ['GET', '/agent/v1/approvals']]) {
        const res = await call(path!, { method, headers: { origin }, ...(method === 'POST' ? { body: spec } : {}) })
        expect(res.status, `${origin} ${method} ${path}`).toBe(403)
        expect(res.headers['access-control-allow-origin']).toBeUndefined()
        expect(res.body ?? { error: { code: 'FERRY_AGENT_FORBIDDEN' } }).toEqual({ error: { code: 'FERRY_AGENT_FORBIDDEN', message: 'not allowed' } })
      }
    }
    expect(approvals).toEqual([])
  })

  it('refuses a rebinding page that reaches loopback under a foreign Host name', async () => {
    const res = await call('/agent/v1/hello', { headers: { origin: PORTAL, host: 'attacker.example:7710' } })
    expect(res.status).toBe(403)
  })

  it('refuses requests without an origin unless they carry the local admin secret', async () => {
    expect((await call('/agent/v1/approvals')).status).toBe(403)
    expect((await call('/agent/v1/approvals', { headers: { authorization: 'Bearer wrong' } })).status).toBe(403)
    // The admin secret is useless from a page: with an Origin header the request is judged as a page's.
    expect((await call('/agent/v1/approvals', { headers: { origin: PORTAL, authorization: `Bearer ${agent.adminSecret}` } })).body.error.code).toBe('FERRY_AGENT_NOT_PAIRED')
    expect((await call('/agent/v1/approvals', { headers: { authorization: `Bearer ${agent.adminSecret}` } })).status).toBe(200)
  })
})

describe('pairing and transfers', () => {
  it('answers the portal page, which must pair before handing over transfers', async () => {
    const hello = await call('/agent/v1/hello', { headers: page })
    expect(hello.status).toBe(200)
    expect(hello.headers['access-control-allow-origin']).toBe(PORTAL)
    expect(hello.body).toMatchObject({ agent: 'ferry', paired: false })
    const unpaired = await call('/agent/v1/transfers', { method: 'POST', headers: page, body: spec })
    expect(unpaired.body.error.code).toBe('FERRY_AGENT_NOT_PAIRED')
  })

  it('pairs once the person approves, hands the key out exactly once, then runs a transfer only after approval', async () => {
    const { body: pairing } = await call('/agent/v1/pairings', { method: 'POST', headers: page })
    expect(approvals.at(-1)).toMatchObject({ kind: 'pair', code: pairing.code })
    expect((await call(`/agent/v1/pairings/${pairing.pairingId}`, { headers: page })).body).toEqual({ state: 'pending' })
    const admin = { authorization: `Bearer ${agent.adminSecret}` }
    expect((await call(`/agent/v1/approvals/${pairing.code}`, { method: 'POST', headers: admin, body: { approve: true } })).body.state).toBe('approved')
    const first = await call(`/agent/v1/pairings/${pairing.pairingId}`, { headers: page })
    expect(first.body.state).toBe('approved')
    const key = first.body.key as string
    expect(key.length).toBeGreaterThan(30)
    expect((await call(`/agent/v1/pairings/${pairing.pairingId}`, { headers: page })).body).toEqual({ state: 'approved' })
    expect(await readFile(agent.stateFile, 'utf8')).not.toContain(key)

    const keyed = { ...page, 'x-ferry-agent-key': key }
    expect((await call('/agent/v1/hello', { headers: keyed })).body.paired).toBe(true)
    const bad = await call('/agent/v1/transfers', { method: 'POST', headers: keyed, body: { ...spec, packageId: '../etc' } })
    expect(bad.body.error.code).toBe('FERRY_AGENT_BAD_SPEC')
    const submitted = await call('/agent/v1/transfers', { method: 'POST', headers: keyed, body: spec })
    expect(submitted.status).toBe(202)
    expect(submitted.body).toMatchObject({ state: 'awaiting-approval', packageId: 'pkg-1', destination: join(dir, 'downloads', 'pkg-1') })
    expect(submitted.body.spec).toBeUndefined()
    const approval = approvals.at(-1)!
    expect(approval.description).toContain(join(dir, 'downloads', 'pkg-1'))

    await call(`/agent/v1/approvals/${approval.code}`, { method: 'POST', headers: admin, body: { approve: true } })
    // The node in the spec does not exist: the approved transfer runs and fails with a code the page can show.
    let view: any
    for (let i = 0; i < 100; i++) {
      view = (await call(`/agent/v1/transfers/${submitted.body.id}`, { headers: keyed })).body
      if (view.state === 'failed' || view.state === 'complete') break
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    expect(view.state).toBe('failed')
    expect(view.error.code).toMatch(/^FERRY_/)
  })

  it('says when nothing waits under a code', async () => {
    const res = await call('/agent/v1/approvals/000-000', { method: 'POST', headers: { authorization: `Bearer ${agent.adminSecret}` }, body: { approve: true } })
    expect(res.body.error.code).toBe('FERRY_AGENT_NO_SUCH_APPROVAL')
  })
})
