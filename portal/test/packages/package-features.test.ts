// Shared inboxes with metadata and roles, "request files" links, forward, recall, download limits and nearest-node replication, through the API.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { testPortal, type TestPortal } from '../fixtures/test-portal.js'
import { startFakeNode, type FakeNode } from '../fixtures/fake-node.js'

let portal: TestPortal
let near: FakeNode
let far: FakeNode
let admin: Awaited<ReturnType<TestPortal['user']>>
let alice: Awaited<ReturnType<TestPortal['user']>>
let bob: Awaited<ReturnType<TestPortal['user']>>
let carol: Awaited<ReturnType<TestPortal['user']>>

const files = [{ path: 'x.bin', sizeBytes: 5 }]
const stored = [{ path: 'x.bin', sizeBytes: 5, sha256: 'c'.repeat(64) }]

async function call (method: string, url: string, auth: Record<string, string> | undefined, payload?: unknown) {
  const res = await portal.app.inject({ method: method as 'GET', url, ...(auth === undefined ? {} : { headers: auth }), ...(payload === undefined ? {} : { payload: payload as object }) })
  return { status: res.statusCode, body: res.json() }
}

/** Creates, uploads (token + node receipt) and so sends a package from `who`. */
async function send (who: typeof alice, input: Record<string, unknown>): Promise<string> {
  const created = await call('POST', '/api/v1/packages', who.auth, { files, ...input })
  expect(created.status, JSON.stringify(created.body)).toBe(200)
  const grant = await call('POST', `/api/v1/packages/${created.body.id as string}/upload-token`, who.auth, {})
  const node = grant.body.node.id === near.id ? near : far
  const receipt = await node.receipt(grant.body.token, stored)
  expect((await call('POST', `/api/v1/packages/${created.body.id as string}/receipts`, undefined, { receipt, nodeId: node.id })).body.state).toBe('sent')
  return created.body.id
}

beforeAll(async () => {
  portal = await testPortal()
  near = await startFakeNode('near')
  far = await startFakeNode('far')
  admin = await portal.user('root', { role: 'admin' })
  alice = await portal.user('alice')
  bob = await portal.user('bob')
  carol = await portal.user('carol')
  expect((await call('POST', '/api/v1/nodes', admin.auth, { opsUrl: far.url, adminToken: far.adminToken })).status).toBe(200)
  expect((await call('POST', '/api/v1/nodes', admin.auth, { opsUrl: near.url, adminToken: near.adminToken })).status).toBe(200)
})

afterAll(async () => {
  await portal.close()
  await near.close()
  await far.close()
})

describe('shared inboxes', () => {
  it('checks metadata against the inbox fields and shows packages to members, not to submit-only senders', async () => {
    const inbox = await call('POST', '/api/v1/inboxes', admin.auth, {
      name: 'legal', kind: 'shared',
      members: [{ userId: bob.user.id, role: 'member' }, { userId: alice.user.id, role: 'submit-only' }],
      metadataFields: [
        { name: 'matter', type: 'string', required: true },
        { name: 'priority', type: 'option', required: false, options: ['low', 'high'] },
        { name: 'pages', type: 'number', required: false }
      ]
    })
    expect(inbox.status).toBe(200)
    const bad = await call('POST', '/api/v1/packages', alice.auth, { title: 'contract', recipients: ['inbox:legal'], metadata: { priority: 'urgent', pages: 'many' } })
    expect(bad.body.code).toBe('FERRY_PORTAL_METADATA_INVALID')
    expect(bad.body.details.problems).toEqual(['matter is required', 'priority must be one of low, high', 'pages must be a number'])
    const outsider = await call('POST', '/api/v1/packages', carol.auth, { title: 'contract', recipients: ['inbox:legal'], metadata: { matter: 'M-1' } })
    expect(outsider.status).toBe(403)
    const id = await send(alice, { title: 'contract', recipients: ['inbox:legal'], metadata: { matter: 'M-1', pages: '12' } })
    const listed = await call('GET', `/api/v1/inboxes/${inbox.body.id as string}/packages`, bob.auth)
    expect(listed.body.items.map((p: { id: string }) => p.id)).toEqual([id])
    expect((await call('GET', `/api/v1/inboxes/${inbox.body.id as string}/packages`, alice.auth)).status).toBe(403)
    expect((await call('GET', `/api/v1/packages/${id}`, bob.auth)).body.metadata).toEqual({ matter: 'M-1', pages: 12 })
    const found = await call('GET', '/api/v1/packages/search?q=contr', bob.auth)
    expect(found.body.items.map((p: { id: string }) => p.id)).toEqual([id])
    expect((await call('POST', '/api/v1/inboxes', admin.auth, { name: 'team', kind: 'workgroup', members: [{ userId: bob.user.id, role: 'submit-only' }] })).status).toBe(400)
  })
})

describe('request files', () => {
  it('lets an outsider upload into the requester\'s inbox through the link', async () => {
    const made = await call('POST', '/api/v1/requests', bob.auth, { title: 'Send me the scans', note: 'PDF please' })
    expect(made.status).toBe(200)
    const secret = made.body.secret as string
    expect(made.body.link).toContain(secret)
    expect((await call('GET', `/api/v1/requests/${secret}`, undefined)).body).toMatchObject({ title: 'Send me the scans', ownerName: 'bob' })
    const sub = await call('POST', `/api/v1/requests/${secret}/packages`, undefined, { senderName: 'Vera', senderEmail: 'vera@outside.example', files })
    expect(sub.status, JSON.stringify(sub.body)).toBe(200)
    expect(sub.body.package.state).toBe('uploading')
    const node = sub.body.upload.node.id === near.id ? near : far
    const receipt = await node.receipt(sub.body.upload.token, stored)
    expect((await call('POST', `/api/v1/packages/${sub.body.package.id as string}/receipts`, undefined, { receipt, nodeId: node.id })).body.state).toBe('sent')
    const inbox = await call('GET', '/api/v1/packages/inbox', bob.auth)
    expect(inbox.body.items[0]).toMatchObject({ id: sub.body.package.id, title: 'Send me the scans', senderName: 'Vera <vera@outside.example>' })
    expect((await call('GET', '/api/v1/requests/not-a-secret-at-all', undefined)).status).toBe(404)
  })
})

describe('forward, recall, download limits, nearest node', () => {
  it('forward adds recipients; recall removes from inboxes and deletes on the nodes', async () => {
    const id = await send(alice, { title: 'memo', recipients: ['bob'] })
    expect((await call('GET', `/api/v1/packages/${id}`, carol.auth)).status).toBe(404)
    expect((await call('POST', `/api/v1/packages/${id}/forward`, bob.auth, { recipients: ['carol'] })).status).toBe(200)
    expect((await call('GET', '/api/v1/packages/inbox', carol.auth)).body.items.map((p: { id: string }) => p.id)).toContain(id)
    expect((await call('DELETE', `/api/v1/packages/${id}`, bob.auth)).status).toBe(403)
    expect((await call('DELETE', `/api/v1/packages/${id}`, alice.auth)).body.state).toBe('deleted')
    expect((await call('GET', '/api/v1/packages/inbox', carol.auth)).body.items.map((p: { id: string }) => p.id)).not.toContain(id)
    expect((await call('GET', `/api/v1/packages/${id}`, bob.auth)).status).toBe(404)
    expect([...near.deleted, ...far.deleted]).toContain(id)
  })

  it('refuses downloads past the limit, the sender excepted', async () => {
    const id = await send(alice, { title: 'once', recipients: ['bob', 'carol'], downloadLimit: 1 })
    const grant = await call('POST', `/api/v1/packages/${id}/download-token`, bob.auth, {})
    const node = grant.body.node.id === near.id ? near : far
    await call('POST', `/api/v1/packages/${id}/receipts`, undefined, { receipt: await node.receipt(grant.body.token, stored), nodeId: node.id })
    const again = await call('POST', `/api/v1/packages/${id}/download-token`, carol.auth, {})
    expect(again.body.code).toBe('FERRY_PORTAL_DOWNLOAD_LIMIT')
    expect((await call('POST', `/api/v1/packages/${id}/download-token`, alice.auth, {})).status).toBe(200)
  })

  it('uploads go to the sender\'s nearest node; a recipient near another node gets a replication there', async () => {
    await call('POST', '/api/v1/nodes/rtt', alice.auth, { samples: [{ nodeId: far.id, rttMs: 70 }, { nodeId: near.id, rttMs: 4 }] })
    const rtt = await call('POST', '/api/v1/nodes/rtt', carol.auth, { samples: [{ nodeId: far.id, rttMs: 3 }, { nodeId: near.id, rttMs: 60 }] })
    expect(rtt.body.nearest.id).toBe(far.id)
    const id = await send(alice, { title: 'big', recipients: ['carol'] })
    const pkg = (await call('GET', `/api/v1/packages/${id}`, alice.auth)).body
    expect(pkg.nodeIds).toEqual([near.id])
    const grant = await call('POST', `/api/v1/packages/${id}/download-token`, carol.auth, {})
    expect(grant.body.node.id).toBe(far.id)
    expect(grant.body.replicationId).toBe(`rep-${near.replications.length}`)
    const request = near.replications[near.replications.length - 1]!
    expect(request).toMatchObject({ pkg: id, targetPeerId: far.id })
    // The replication receipt from the target node (signed by it) counts; it marks nothing sent twice.
    const receipt = await far.receipt(request.targetToken as string, stored)
    expect((await call('POST', `/api/v1/packages/${id}/receipts`, undefined, { receipt, nodeId: far.id })).body).toEqual({ applied: true, state: 'sent' })
    expect((await call('GET', `/api/v1/packages/${id}`, alice.auth)).body.nodeIds.sort()).toEqual([near.id, far.id].sort())
  })

  it('lets recipients download while the upload is still running', async () => {
    portal.clock.advance(60_000)
    const created = await call('POST', '/api/v1/packages', alice.auth, { title: 'live', recipients: ['bob'], files })
    await call('POST', `/api/v1/packages/${created.body.id as string}/upload-token`, alice.auth, {})
    expect((await call('GET', '/api/v1/packages/inbox', bob.auth)).body.items[0]).toMatchObject({ id: created.body.id, state: 'uploading' })
    expect((await call('POST', `/api/v1/packages/${created.body.id as string}/download-token`, bob.auth, { nodeId: near.id })).status).toBe(200)
  })
})

describe('expiry', () => {
  it('asks a node that failed to delete again on the next sweep', async () => {
    await call('POST', '/api/v1/nodes/rtt', alice.auth, { samples: [{ nodeId: far.id, rttMs: 70 }, { nodeId: near.id, rttMs: 4 }] })
    const id = await send(alice, { title: 'short-lived', recipients: ['bob'], expiresInSec: 60 })
    near.failDeletes = true
    portal.clock.advance(61_000)
    expect((await call('POST', '/api/v1/admin/sweep', admin.auth, {})).body.expired).toEqual([id])
    expect(near.deleted).not.toContain(id)
    expect((await call('GET', `/api/v1/packages/${id}`, bob.auth)).body.state).toBe('expired')
    near.failDeletes = false
    expect((await call('POST', '/api/v1/admin/sweep', admin.auth, {})).body.expired).toEqual([])
    expect(near.deleted.filter(d => d === id)).toHaveLength(1)
    await call('POST', '/api/v1/admin/sweep', admin.auth, {})
    expect(near.deleted.filter(d => d === id)).toHaveLength(1)
  })
})

describe('invitations', () => {
  it('mails a one-time link that creates an external account', async () => {
    const inv = await call('POST', '/api/v1/invitations', alice.auth, { email: 'guest@outside.example', role: 'admin' })
    expect(inv.status).toBe(200)
    const secret = (inv.body.link as string).split('/invite/')[1]!
    await portal.services.notifier.idle()
    const mail = (await call('GET', '/api/v1/admin/outbox?to=guest@outside.example', admin.auth)).body.items[0]
    expect(mail.text).toContain(inv.body.link)
    expect(mail.status).toBe('kept')
    const user = await call('POST', `/api/v1/invitations/${secret}/accept`, undefined, { name: 'guest', password: 'guest password 1' })
    expect(user.body).toMatchObject({ email: 'guest@outside.example', external: true, role: 'user' })
    expect((await call('POST', `/api/v1/invitations/${secret}/accept`, undefined, { name: 'guest2', password: 'guest password 1' })).status).toBe(404)
  })
})
