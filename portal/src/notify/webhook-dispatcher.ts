// Webhooks: each event POSTed as JSON with an HMAC-SHA256 signature, retried with exponential back-off when the receiver fails.
import { createHmac } from 'node:crypto'
import type { Collection } from '../store/level-collection.js'
import type { WebhookRecord } from '../store/records.js'
import type { Scheduler } from './scheduler.js'

/** First retry delay (ms); each further retry doubles it. */
export const WEBHOOK_FIRST_RETRY_MS = 1_000
/** Attempts in all, the first included: 1 s, 2 s, 4 s, 8 s, 16 s of back-off. */
export const WEBHOOK_MAX_ATTEMPTS = 6
const WEBHOOK_TIMEOUT_MS = 10_000

export interface WebhookDelivery { webhookId: string, event: string, attempt: number, status: number | 'error', ok: boolean }

export function signWebhookBody (secret: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex')
}

export class WebhookDispatcher {
  readonly deliveries: WebhookDelivery[] = []
  private inFlight = 0

  constructor (
    private readonly hooks: Collection<WebhookRecord>,
    private readonly scheduler: Scheduler,
    private readonly fetchFn: typeof fetch = fetch
  ) {}

  get busy (): boolean { return this.inFlight > 0 }

  async dispatch (event: string, payload: Record<string, unknown>): Promise<void> {
    for (const { value: hook } of await this.hooks.list()) {
      if (hook.events.length > 0 && !hook.events.includes(event) && !hook.events.includes('*')) continue
      const body = JSON.stringify({ event, payload })
      await this.attempt(hook, event, body, 1)
    }
  }

  private async attempt (hook: WebhookRecord, event: string, body: string, attempt: number): Promise<void> {
    this.inFlight++
    let status: number | 'error'
    try {
      const response = await this.fetchFn(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-ferry-event': event, 'x-ferry-signature': signWebhookBody(hook.secret, body), 'x-ferry-attempt': String(attempt) },
        body,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)
      })
      status = response.status
      await response.arrayBuffer()
    } catch (_err) {
      status = 'error'
    } finally {
      this.inFlight--
    }
    const ok = typeof status === 'number' && status >= 200 && status < 300
    this.deliveries.push({ webhookId: hook.id, event, attempt, status, ok })
    if (this.deliveries.length > 1000) this.deliveries.splice(0, this.deliveries.length - 1000)
    if (!ok && attempt < WEBHOOK_MAX_ATTEMPTS) {
      this.scheduler.schedule(WEBHOOK_FIRST_RETRY_MS * 2 ** (attempt - 1), () => { void this.attempt(hook, event, body, attempt + 1) })
    }
  }
}
