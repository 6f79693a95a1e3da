// End to end with real nodes: A sends 20 files (200 MiB) to B, a group and an outside address over the UDP path; mail arrives with
// working links; B's download is replicated node to node to B's nearest node; every SHA-256 matches; A gets the download receipt; expiry deletes on the nodes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createServer } from 'node:net'
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SMTPServer } from 'smtp-server'
import { simpleParser, type ParsedMail } from 'mailparser'
import type { Libp2p } from 'libp2p'
import { UdpEndpoint } from '../protocol/src/driver/index.js'
import { buildPortal, type Portal } from '../portal/src/http/build-portal.js'
import { ManualClock } from '../portal/src/clock.js'
import { spawnNode, waitFor, type NodeProcess } from './node-spawn.js'
import { testClientHost, openTransfer, folderFiles } from './node-client.js'

const ADMIN = 'portal-e2e-admin-token-0123456789'
const RATE = { policy: 'fixed' as const, targetBitsPerSec: 800e6, minBitsPerSec: 1e6 }
const FILES = 20
const FILE_BYTES = 10 * 1024 * 1024
const PASSWORD = 'e2e password 123'

interface Mail { to: string, subject: string, text: string }

let dir: string
let smtp: SMTPServer
const mails: Mail[] = []
let portal: Portal
let portalUrl: string
const clock = new ManualClock(Date.now())
let nodeA: NodeProcess
let nodeB: NodeProcess
let host: Libp2p
let client: UdpEndpoint

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)) })
  })
}

async function api (method: string, path: string, token: string | undefined, body?: unknown): Promise<any> {
  const res = await fetch(`${portalUrl}${path}`, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const json = await res.json()
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`)
  return json
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-portal-e2e-'))
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData (stream, _session, callback) {
      simpleParser(stream).then((mail: ParsedMail) => {
        mails.push({ to: (Array.isArray(mail.to) ? mail.to[0]! : mail.to!).text.toLowerCase(), subject: mail.subject ?? '', text: mail.text ?? '' })
        callback()
      }, callback)
    }
  })
  await new Promise<void>(resolve => smtp.listen(0, '127.0.0.1', resolve))
  const port = await freePort()
  portalUrl = `http://127.0.0.1:${port}`
  portal = await buildPortal({ dataDir: join(dir, 'portal'), publicUrl: portalUrl, scryptN: 1024, smtp: { host: '127.0.0.1', port: (smtp.server.address() as { port: number }).port, from: 'ferry@e2e.test' } }, { clock })
  await portal.app.listen({ host: '127.0.0.1', port })
  const jwksUrl = `${portalUrl}/api/v1/keys`
  nodeA = await spawnNode(['--data-dir', join(dir, 'a'), '--name', 'a', '--admin-token', ADMIN, '--portal-jwks-url', jwksUrl])
  nodeB = await spawnNode(['--data-dir', join(dir, 'b'), '--name', 'b', '--admin-token', ADMIN, '--portal-jwks-url', jwksUrl, '--bootstrap', nodeA.ready.multiaddrs[0]!])
  host = await testClientHost()
  client = await UdpEndpoint.bind({ host: '127.0.0.1', port: 0 })
  await mkdir(join(dir, 'src', 'set'), { recursive: true })
  for (let i = 0; i < FILES; i++) await writeFile(join(dir, 'src', 'set', `part-${String(i).padStart(2, '0')}.bin`), randomBytes(FILE_BYTES))
}, 120_000)

afterAll(async () => {
  await client?.close()
  await host?.stop()
  await Promise.all([nodeA?.kill('SIGTERM'), nodeB?.kill('SIGTERM')])
  await portal?.close()
  await new Promise<void>(resolve => smtp === undefined ? resolve() : smtp.close(() => resolve()))
  await rm(dir, { recursive: true, force: true })
})

describe('portal with real nodes', () => {
  it('sends 200 MiB to a user, a group and an outsider; replicates to the downloader\'s nearest node; receipts; expiry', { timeout: 300_000 }, async () => {
    const services = portal.services
    const admin = await services.accounts.createUser({ name: 'root', email: 'root@e2e.test', password: PASSWORD, role: 'admin' })
    for (const name of ['alice', 'bob', 'carol']) await services.accounts.createUser({ name, email: `${name}@e2e.test`, password: PASSWORD })
    const login = async (name: string): Promise<string> => (await api('POST', '/api/v1/auth/tokens', undefined, { name, password: PASSWORD })).token as string
    const [rootT, aliceT, bobT] = [await login(admin.name), await login('alice'), await login('bob')]
    const carol = await services.accounts.findByName('carol')
    await api('POST', '/api/v1/groups', rootT, { name: 'reviewers', memberIds: [carol!.id] })
    const a = await api('POST', '/api/v1/nodes', rootT, { name: 'a', opsUrl: nodeA.ready.httpUrl, adminToken: ADMIN })
    const b = await api('POST', '/api/v1/nodes', rootT, { name: 'b', opsUrl: nodeB.ready.httpUrl, adminToken: ADMIN })
    expect([a.id, b.id]).toEqual([nodeA.ready.peerId, nodeB.ready.peerId])
    // Alice is near A, Bob near B (as their clients measured).
    expect((await api('POST', '/api/v1/nodes/rtt', aliceT, { samples: [{ nodeId: a.id, rttMs: 2 }, { nodeId: b.id, rttMs: 80 }] })).nearest.id).toBe(a.id)
    expect((await api('POST', '/api/v1/nodes/rtt', bobT, { samples: [{ nodeId: a.id, rttMs: 90 }, { nodeId: b.id, rttMs: 3 }] })).nearest.id).toBe(b.id)

    const files = await folderFiles(join(dir, 'src'))
    expect(files).toHaveLength(FILES)
    const pkg = await api('POST', '/api/v1/packages', aliceT, {
      title: 'Rushes day 3', note: 'all twenty parts', recipients: ['bob', 'group:reviewers', 'editor@outside.example'],
      files: files.map(f => ({ path: f.path, sizeBytes: f.sizeBytes })), expiresInSec: 2 * 3600
    })
    const upload = await api('POST', `/api/v1/packages/${pkg.id}/upload-token`, aliceT, {})
    expect(upload.node.id).toBe(a.id)

    // Upload over /ferry/transfer/1 + UDP to A; A's receipt makes the package sent.
    const up = await openTransfer(host, nodeA.ready.multiaddrs[0]!, { token: upload.token, direction: 'upload', manifest: files.map(f => ({ path: f.path, sizeBytes: f.sizeBytes })), rate: RATE })
    const sending = client.send({
      connectionId: up.accept.connectionId, secret: Buffer.from(up.accept.secret, 'base64'), role: 'initiator', remote: { host: up.accept.udpHost, port: up.accept.udpPort },
      files: files.map(f => ({ relativePath: f.path, absolutePath: f.absolutePath, sizeBytes: f.sizeBytes })), rate: RATE
    })
    const [, upDone] = await Promise.all([sending, up.complete()])
    expect(mails).toHaveLength(0)
    expect(await api('POST', `/api/v1/packages/${pkg.id}/receipts`, undefined, { receipt: upDone.receipt, nodeId: a.id })).toEqual({ applied: true, state: 'sent' })

    await services.notifier.idle()
    for (const to of ['bob@e2e.test', 'carol@e2e.test', 'editor@outside.example']) {
      const mail = mails.find(m => m.to === to)
      expect(mail, to).toBeDefined()
      const link = new RegExp(`${portalUrl}/packages/${pkg.id}(\\?key=[\\w-]+)?`).exec(mail!.text)
      expect(link, mail!.text).not.toBeNull()
      if (link![1] !== undefined) {
        const opened = await api('GET', `/api/v1/links/${link![1].slice(5)}`, undefined)
        expect(opened.files.map((f: { sha256: string }) => f.sha256)).toEqual(files.map(f => f.sha256))
      }
    }
    expect((await api('GET', '/api/v1/packages/inbox', bobT)).items[0].id).toBe(pkg.id)

    // Bob's nearest node lacks the package: the portal asks A to replicate to B and gives Bob a token for B.
    const grant = await api('POST', `/api/v1/packages/${pkg.id}/download-token`, bobT, {})
    expect(grant.node.id).toBe(b.id)
    expect(grant.replicationId).toBeDefined()
    let status: { state: string, receipt?: string, error?: unknown } = { state: 'running' }
    await waitFor(async () => {
      status = await (await fetch(`${nodeA.ready.httpUrl}/api/v1/replications/${grant.replicationId as string}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as typeof status
      return status.state !== 'running'
    }, 120_000, 250)
    expect(status.error).toBeUndefined()
    expect(status.state).toBe('complete')
    // The replication's receipt (B's signature) records B as a holder.
    expect((await api('POST', `/api/v1/packages/${pkg.id}/receipts`, undefined, { receipt: status.receipt, nodeId: b.id })).applied).toBe(true)

    const down = await openTransfer(host, nodeB.ready.multiaddrs[0]!, { token: grant.token, direction: 'download' })
    const receiving = client.receive({
      connectionId: down.accept.connectionId, secret: Buffer.from(down.accept.secret, 'base64'), role: 'initiator',
      remote: { host: down.accept.udpHost, port: down.accept.udpPort }, destinationDir: join(dir, 'out'), journalPath: join(dir, 'out.journal')
    })
    const [, downDone] = await Promise.all([receiving, down.complete()])
    const back = await folderFiles(join(dir, 'out'))
    expect(back.map(f => [f.path, f.sizeBytes, f.sha256])).toEqual(files.map(f => [f.path, f.sizeBytes, f.sha256]))
    expect(back.reduce((s, f) => s + f.sizeBytes, 0)).toBe(FILES * FILE_BYTES)
    expect(await api('POST', `/api/v1/packages/${pkg.id}/receipts`, undefined, { receipt: downDone.receipt, nodeId: b.id })).toEqual({ applied: true, state: 'downloaded' })

    await services.notifier.idle()
    expect(mails.find(m => m.to === 'alice@e2e.test' && m.subject.includes('downloaded'))?.subject).toBe('bob downloaded "Rushes day 3"')
    const seen = await api('GET', `/api/v1/packages/${pkg.id}`, aliceT)
    expect(seen.downloads.map((d: { by: string }) => d.by)).toEqual([(await services.accounts.findByName('bob'))!.id])
    expect([...seen.nodeIds].sort()).toEqual([a.id, b.id].sort())

    // Expiry: both nodes are told to delete, and the package shows expired.
    clock.advance(2 * 3600 * 1000 + 1000)
    expect((await api('POST', '/api/v1/admin/sweep', rootT, {})).expired).toEqual([pkg.id])
    for (const n of [nodeA, nodeB]) {
      const res = await fetch(`${n.ready.httpUrl}/api/v1/packages/${pkg.id}`, { headers: { authorization: `Bearer ${ADMIN}` } })
      expect(res.status, n.ready.name).toBe(404)
    }
    expect((await api('GET', `/api/v1/packages/${pkg.id}`, bobT)).state).toBe('expired')
  })
})
