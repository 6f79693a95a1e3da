// The package workflow through the real API: a real in-process SMTP server, a loopback node stand-in, node-signed receipts, expiry.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { SMTPServer } from 'smtp-server'
import { simpleParser, type ParsedMail } from 'mailparser'
import { verifyTransferToken } from '@ferry/protocol/token/transfer-token'
import { testPortal, type TestPortal } from '../fixtures/test-portal.js'
import { startFakeNode, type FakeNode } from '../fixtures/fake-node.js'

interface Mail { to: string, subject: string, text: string }

describe('package workflow (SMTP, receipts, expiry)', () => {
  let smtp: SMTPServer
  let smtpPort = 0
  const mails: Mail[] = []
  let portal: TestPortal
  let node: FakeNode

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData (stream, _session, callback) {
        simpleParser(stream).then((mail: ParsedMail) => {
          const to = Array.isArray(mail.to) ? mail.to[0]!.text : mail.to!.text
          mails.push({ to, subject: mail.subject ?? '', text: mail.text ?? '' })
          callback()
        }, callback)
      }
    })
    await new Promise<void>(resolve => smtp.listen(0, '127.0.0.1', resolve))
    smtpPort = (smtp.server.address() as { port: number }).port
    portal = await testPortal({ smtp: { host: '127.0.0.1', port: smtpPort, from: 'ferry@portal.test' } })
    node = await startFakeNode('near')
  })

  afterAll(async () => {
    await portal.close()
    await node.close()
    await new Promise<void>(resolve => smtp.close(() => resolve()))
  })

  it('delivers to a user, a group and an outside address; sends on receipt; reports downloads; expires', async () => {
    const admin = await portal.user('root', { role: 'admin' })
    const alice = await portal.user('alice')
    const bob = await portal.user('bob')
    const carol = await portal.user('carol')
    const dave = await portal.user('dave')
    const { app } = portal

    const group = await app.inject({ method: 'POST', url: '/api/v1/groups', headers: admin.auth, payload: { name: 'team', memberIds: [carol.user.id, dave.user.id] } })
    expect(group.statusCode).toBe(200)
    const enrol = await app.inject({ method: 'POST', url: '/api/v1/nodes', headers: admin.auth, payload: { opsUrl: node.url, adminToken: node.adminToken } })
    expect(enrol.statusCode, enrol.body).toBe(200)
    expect(enrol.json().id).toBe(node.id)

    const files = [{ path: 'a.bin', sizeBytes: 10 }, { path: 'dir/b.txt', sizeBytes: 3 }]
    const created = await app.inject({
      method: 'POST', url: '/api/v1/packages', headers: alice.auth,
      payload: { title: 'Quarterly figures', note: 'see attached', recipients: ['bob', 'group:team', 'Ext@Outside.example'], files, expiresInSec: 3600 }
    })
    expect(created.statusCode, created.body).toBe(200)
    const pkg = created.json()
    expect(pkg.state).toBe('draft')

    const up = await app.inject({ method: 'POST', url: `/api/v1/packages/${pkg.id}/upload-token`, headers: alice.auth, payload: {} })
    expect(up.statusCode, up.body).toBe(200)
    const grant = up.json()
    expect(grant.node.id).toBe(node.id)
    const jwks = (await app.inject({ method: 'GET', url: '/api/v1/keys' })).json()
    const claims = await verifyTransferToken(grant.token, { keys: jwks, audience: node.id, nowMs: portal.clock.nowMs(), expect: { pkg: pkg.id, dir: 'upload' } })
    expect(claims.maxBytes).toBe(13)
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(3600)

    // Not sent yet: no mail, and a receipt from a key the portal does not know is refused.
    await portal.services.notifier.idle()
    expect(mails).toHaveLength(0)
    const stranger = await startFakeNode('stranger')
    const forged = await stranger.receipt(grant.token, [])
    await stranger.close()
    const refused = await app.inject({ method: 'POST', url: `/api/v1/packages/${pkg.id}/receipts`, payload: { receipt: forged, nodeId: node.id } })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().code).toBe('FERRY_RECEIPT_INVALID')

    const stored = [{ path: 'a.bin', sizeBytes: 10, sha256: 'a'.repeat(64) }, { path: 'dir/b.txt', sizeBytes: 3, sha256: 'b'.repeat(64) }]
    const receipt = await node.receipt(grant.token, stored)
    const sent = await app.inject({ method: 'POST', url: `/api/v1/packages/${pkg.id}/receipts`, payload: { receipt, nodeId: node.id } })
    expect(sent.statusCode, sent.body).toBe(200)
    expect(sent.json()).toEqual({ applied: true, state: 'sent' })
    const again = await app.inject({ method: 'POST', url: `/api/v1/packages/${pkg.id}/receipts`, payload: { receipt, nodeId: node.id } })
    expect(again.json()).toEqual({ applied: false, state: 'sent' })

    await portal.services.notifier.idle()
    const to = (addr: string): Mail[] => mails.filter(m => m.to.toLowerCase() === addr)
    for (const who of ['bob', 'carol', 'dave']) {
      const [mail] = to(`${who}@example.org`)
      expect(mail, who).toBeDefined()
      expect(mail!.subject).toContain('Quarterly figures')
      const link = /http:\/\/portal\.test\/packages\/([\w-]+)/.exec(mail!.text)
      expect(link?.[1]).toBe(pkg.id)
    }
    // The link in each mail opens the package for that person.
    const bobView = await app.inject({ method: 'GET', url: `/api/v1/packages/${pkg.id}`, headers: bob.auth })
    expect(bobView.statusCode).toBe(200)
    expect(bobView.json().files.map((f: { sha256: string }) => f.sha256)).toEqual(stored.map(f => f.sha256))
    expect((await app.inject({ method: 'GET', url: `/api/v1/packages/${pkg.id}`, headers: carol.auth })).statusCode).toBe(200)
    const inbox = (await app.inject({ method: 'GET', url: '/api/v1/packages/inbox', headers: dave.auth })).json()
    expect(inbox.items.map((i: { id: string }) => i.id)).toEqual([pkg.id])

    const [outsideMail] = to('ext@outside.example')
    const key = /\?key=([\w-]+)/.exec(outsideMail!.text)![1]!
    const viaLink = await app.inject({ method: 'GET', url: `/api/v1/links/${key}` })
    expect(viaLink.statusCode).toBe(200)
    expect(viaLink.json().title).toBe('Quarterly figures')
    const linkToken = await app.inject({ method: 'POST', url: `/api/v1/links/${key}/download-token`, payload: {} })
    expect(linkToken.statusCode, linkToken.body).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/api/v1/links/not-a-real-key-123' })).statusCode).toBe(404)

    // Bob downloads; the node's download receipt reaches the portal; Alice hears of it.
    const down = await app.inject({ method: 'POST', url: `/api/v1/packages/${pkg.id}/download-token`, headers: bob.auth, payload: {} })
    expect(down.statusCode, down.body).toBe(200)
    const downClaims = await verifyTransferToken(down.json().token, { keys: jwks, audience: node.id, nowMs: portal.clock.nowMs(), expect: { pkg: pkg.id, dir: 'download' } })
    expect(downClaims.sub).toBe(bob.user.id)
    const downReceipt = await node.receipt(down.json().token, stored)
    const recorded = await app.inject({ method: 'POST', url: `/api/v1/packages/${pkg.id}/receipts`, payload: { receipt: downReceipt, nodeId: node.id } })
    expect(recorded.json()).toEqual({ applied: true, state: 'downloaded' })
    await portal.services.notifier.idle()
    const receiptMail = to('alice@example.org').find(m => m.subject.includes('downloaded'))
    expect(receiptMail?.subject).toContain('bob downloaded "Quarterly figures"')
    const feed = (await app.inject({ method: 'GET', url: '/api/v1/notifications', headers: alice.auth })).json()
    expect(feed.items[0].kind).toBe('download-receipt')
    const aliceView = (await app.inject({ method: 'GET', url: `/api/v1/packages/${pkg.id}`, headers: alice.auth })).json()
    expect(aliceView.downloads).toHaveLength(1)
    expect(aliceView.downloads[0].by).toBe(bob.user.id)

    // Past expiry the sweep asks the node to delete and the package shows expired.
    portal.clock.advance(3601 * 1000)
    const sweep = await app.inject({ method: 'POST', url: '/api/v1/admin/sweep', headers: admin.auth })
    expect(sweep.json().expired).toEqual([pkg.id])
    expect(node.deleted).toEqual([pkg.id])
    expect((await app.inject({ method: 'GET', url: `/api/v1/packages/${pkg.id}`, headers: bob.auth })).json().state).toBe('expired')
    expect((await app.inject({ method: 'GET', url: '/api/v1/packages/inbox', headers: bob.auth })).json().items[0].state).toBe('expired')
    const late = await app.inject({ method: 'POST', url: `/api/v1/packages/${pkg.id}/download-token`, headers: bob.auth, payload: {} })
    expect(late.json().code).toBe('FERRY_PORTAL_PACKAGE_EXPIRED')
    const audit = (await app.inject({ method: 'GET', url: `/api/v1/admin/audit?target=${pkg.id}`, headers: admin.auth })).json()
    expect(audit.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['package.create', 'package.sent', 'package.download', 'package.expire', 'node.package-delete']))
  })
})
