// Webhooks: HMAC-signed bodies a receiver can check, and retries with doubling back-off driven by a manual scheduler.
import { describe, it, expect } from 'vitest'
import { createHmac } from 'node:crypto'
import { MemoryLevel } from 'memory-level'
import { LevelCollection } from '../../src/store/level-collection.js'
import { ManualScheduler } from '../../src/notify/scheduler.js'
import { WebhookDispatcher, WEBHOOK_FIRST_RETRY_MS, WEBHOOK_MAX_ATTEMPTS } from '../../src/notify/webhook-dispatcher.js'
import type { WebhookRecord } from '../../src/store/records.js'

async function setup (answers: number[]) {
  let nowMs = 0
  const scheduler = new ManualScheduler(() => nowMs)
  const hooks = new LevelCollection<WebhookRecord>(new MemoryLevel({ valueEncoding: 'json' }), 'hooks')
  await hooks.put('h1', { id: 'h1', url: 'http://hooks.test/in', secret: 'shared-secret-0123456789', events: ['package.sent'], createdAtMs: 0 })
  const calls: Array<{ body: string, headers: Record<string, string> }> = []
  const fetchFn = (async (_url: string, init: { body: string, headers: Record<string, string> }) => {
    calls.push({ body: init.body, headers: init.headers })
    const status = answers[Math.min(calls.length - 1, answers.length - 1)]!
    return new Response('', { status })
  }) as unknown as typeof fetch
  const dispatcher = new WebhookDispatcher(hooks, scheduler, fetchFn)
  return { dispatcher, scheduler, calls, advance: (ms: number) => { nowMs += ms } }
}

async function settle (): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
  await new Promise(resolve => setImmediate(resolve))
}

describe('WebhookDispatcher', () => {
  it('signs the exact body with HMAC-SHA256 of the shared secret', async () => {
    const { dispatcher, calls } = await setup([200])
    await dispatcher.dispatch('package.sent', { id: 'p1' })
    expect(calls).toHaveLength(1)
    const expected = 'sha256=' + createHmac('sha256', 'shared-secret-0123456789').update(calls[0]!.body).digest('hex')
    expect(calls[0]!.headers['x-ferry-signature']).toBe(expected)
    expect(calls[0]!.headers['x-ferry-event']).toBe('package.sent')
    expect(JSON.parse(calls[0]!.body)).toEqual({ event: 'package.sent', payload: { id: 'p1' } })
  })

  it('skips events the hook did not ask for', async () => {
    const { dispatcher, calls } = await setup([200])
    await dispatcher.dispatch('package.downloaded', { id: 'p1' })
    expect(calls).toHaveLength(0)
  })

  it('retries a failing receiver after 1 s, 2 s, 4 s … and stops at the attempt limit', async () => {
    const { dispatcher, scheduler, calls, advance } = await setup([500])
    await dispatcher.dispatch('package.sent', { id: 'p1' })
    expect(calls).toHaveLength(1)
    for (let attempt = 1; attempt < WEBHOOK_MAX_ATTEMPTS; attempt++) {
      const delay = WEBHOOK_FIRST_RETRY_MS * 2 ** (attempt - 1)
      advance(delay - 1)
      expect(scheduler.runDue()).toBe(0)
      advance(1)
      expect(scheduler.runDue()).toBe(1)
      await settle()
      expect(calls).toHaveLength(attempt + 1)
    }
    expect(scheduler.pending).toBe(0)
    expect(dispatcher.deliveries.every(d => !d.ok)).toBe(true)
  })

  it('stops retrying once the receiver accepts', async () => {
    const { dispatcher, scheduler, calls, advance } = await setup([503, 200])
    await dispatcher.dispatch('package.sent', { id: 'p1' })
    advance(WEBHOOK_FIRST_RETRY_MS)
    scheduler.runDue()
    await settle()
    expect(calls).toHaveLength(2)
    expect(scheduler.pending).toBe(0)
    expect(dispatcher.deliveries.map(d => d.ok)).toEqual([false, true])
  })
})
