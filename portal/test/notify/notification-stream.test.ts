// The notification feed over Server-Sent Events: a signed-in browser's open stream receives each new entry as it is written.
import { describe, it, expect, afterEach } from 'vitest'
import { request } from 'node:http'
import { testPortal, type TestPortal } from '../fixtures/test-portal.js'

let portal: TestPortal | undefined
afterEach(async () => { await portal?.close(); portal = undefined })

describe('GET /api/v1/notifications/stream', () => {
  it('pushes a notification event to the user\'s open stream, and only to that user', async () => {
    portal = await testPortal()
    const alice = await portal.user('alice')
    const bob = await portal.user('bob')
    const url = await portal.app.listen({ host: '127.0.0.1', port: 0 })
    const received: string[] = []
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request(`${url}/api/v1/notifications/stream`, { headers: alice.auth }, resolve)
      req.on('error', reject)
      req.end()
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/event-stream')
    const event = new Promise<string>((resolve) => {
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        received.push(chunk)
        const joined = received.join('')
        if (joined.includes('event: notification')) resolve(joined)
      })
    })
    // Wait until the server has registered the stream before publishing.
    for (let i = 0; i < 100 && portal.services.bus.subscriberCount(alice.user.id) === 0; i++) await new Promise(resolve => setImmediate(resolve))
    await portal.services.feed.add(bob.user.id, 'package-received', 'not for alice')
    await portal.services.feed.add(alice.user.id, 'package-received', 'for alice', 'pkg-1')
    const text = await event
    const data = JSON.parse(/data: (.*)\n/.exec(text)![1]!)
    expect(data).toMatchObject({ kind: 'package-received', title: 'for alice', packageId: 'pkg-1', read: false })
    expect(text).not.toContain('not for alice')
    res.destroy()
    const feed = (await portal.app.inject({ method: 'GET', url: '/api/v1/notifications', headers: alice.auth })).json()
    expect(feed.unread).toBe(1)
    expect((await portal.app.inject({ method: 'POST', url: '/api/v1/notifications/read', headers: alice.auth, payload: {} })).json().marked).toBe(1)
  })
})
