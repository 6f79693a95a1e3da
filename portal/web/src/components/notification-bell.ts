// <ferry-notification-bell>: unread count and the recent notifications, kept live by the portal's Server-Sent Events feed.
import { LitElement, css, html, nothing, type TemplateResult } from 'lit'
import type { Notification } from '../api/api-types.js'
import type { PortalApi } from '../api/portal-api.js'
import { formatDate } from '../format/format-date.js'
import { themeStyles } from '../theme-styles.js'

/** How many notifications the panel keeps; older ones stay in the portal. */
const keptCount = 30

export class NotificationBell extends LitElement {
  static override properties = { api: { attribute: false }, items: { state: true }, open: { state: true }, live: { state: true } }

  declare api: PortalApi
  declare items: Notification[]
  declare open: boolean
  /** Whether the SSE stream is connected (shown to the user: a bell that silently stopped is worse than none). */
  declare live: boolean
  private source: EventSource | undefined
  private readonly onKey = (event: KeyboardEvent): void => {
    if (event.key === 'Escape' && this.open) {
      this.open = false
      this.renderRoot.querySelector<HTMLButtonElement>('button.bell')?.focus()
    }
  }

  private readonly onOutside = (event: MouseEvent): void => {
    if (this.open && !event.composedPath().includes(this)) this.open = false
  }

  constructor () {
    super()
    this.items = []
    this.open = false
    this.live = false
  }

  override connectedCallback (): void {
    super.connectedCallback()
    document.addEventListener('keydown', this.onKey)
    document.addEventListener('click', this.onOutside)
    void this.load()
    this.connect()
  }

  override disconnectedCallback (): void {
    document.removeEventListener('keydown', this.onKey)
    document.removeEventListener('click', this.onOutside)
    this.source?.close()
    this.source = undefined
    super.disconnectedCallback()
  }

  private async load (): Promise<void> {
    try {
      const list = await this.api.listNotifications()
      this.merge(list)
    } catch {
      // The feed below still brings new ones.
    }
  }

  private connect (): void {
    // EventSource reconnects by itself (honouring the server's retry:), resending Last-Event-ID so nothing is missed.
    const source = this.source = new EventSource(this.api.notificationStreamUrl(), { withCredentials: true })
    const onData = (event: MessageEvent<string>): void => {
      try {
        const parsed = JSON.parse(event.data) as Notification | { notification: Notification }
        const item = 'notification' in parsed ? parsed.notification : parsed
        if (typeof item.id === 'string') {
          this.merge([item])
          this.dispatchEvent(new CustomEvent('ferry-notification', { detail: item, bubbles: true, composed: true }))
        }
      } catch {
        // Keep-alives and other event kinds carry no notification.
      }
    }
    source.addEventListener('message', onData)
    source.addEventListener('notification', onData as EventListener)
    source.addEventListener('open', () => { this.live = true })
    source.addEventListener('error', () => { this.live = source.readyState === EventSource.OPEN })
  }

  private merge (incoming: Notification[]): void {
    const byId = new Map(this.items.map(n => [n.id, n]))
    for (const n of incoming) byId.set(n.id, n)
    this.items = [...byId.values()].sort((a, b) => b.atMs - a.atMs).slice(0, keptCount)
  }

  private get unread (): number {
    return this.items.filter(n => !n.read).length
  }

  private async toggle (): Promise<void> {
    this.open = !this.open
    if (this.open) {
      await this.updateComplete
      this.renderRoot.querySelector<HTMLElement>('.panel')?.focus()
      const unreadIds = this.items.filter(n => !n.read).map(n => n.id)
      if (unreadIds.length > 0) {
        try {
          await this.api.markNotificationsRead(unreadIds)
          this.items = this.items.map(n => unreadIds.includes(n.id) ? { ...n, read: true } : n)
        } catch {
          // Stays unread; harmless.
        }
      }
    }
  }

  override render (): TemplateResult {
    const unread = this.unread
    const label = unread === 0 ? 'Notifications, none unread' : `Notifications, ${unread} unread`
    return html`
      <button class="bell" aria-label=${label} aria-expanded=${String(this.open)} aria-controls="panel" @click=${() => { void this.toggle() }}>
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"/></svg>
        ${unread === 0 ? nothing : html`<span class="count" data-testid="unread-count">${unread}</span>`}
        <span class="dot ${this.live ? 'live' : ''}" title=${this.live ? 'Live' : 'Reconnecting'}></span>
      </button>
      <div id="panel" class="panel" role="region" aria-label="Notifications" tabindex="-1" ?hidden=${!this.open}>
        ${this.items.length === 0
          ? html`<p class="hint">Nothing yet.</p>`
          : html`<ul>${this.items.map(n => html`
              <li class=${n.read ? '' : 'unread'}>
                ${n.packageId === undefined ? html`<span>${n.title}</span>` : html`<a href="/packages/${encodeURIComponent(n.packageId)}" @click=${() => { this.open = false }}>${n.title}</a>`}
                <span class="hint">${formatDate(n.atMs)}</span>
              </li>`)}</ul>`}
      </div>`
  }

  static override styles = [themeStyles, css`
    :host { position: relative; display: inline-block; }
    .bell { position: relative; padding: .35rem .55rem; }
    .count { background: var(--ferry-danger); color: #fff; border-radius: 999px; font-size: .7rem; padding: 0 .35rem; min-width: 1.1rem; text-align: center; }
    .dot { width: .4rem; height: .4rem; border-radius: 50%; background: var(--ferry-muted); position: absolute; right: 3px; bottom: 3px; }
    .dot.live { background: var(--ferry-ok); }
    .panel { position: absolute; right: 0; top: calc(100% + .35rem); width: min(22rem, 92vw); max-height: 60vh; overflow: auto;
      background: var(--ferry-surface); border: 1px solid var(--ferry-border); border-radius: var(--ferry-radius);
      box-shadow: 0 6px 24px rgba(0,0,0,.15); padding: .5rem; z-index: 20; }
    .panel[hidden] { display: none; }
    ul { list-style: none; margin: 0; padding: 0; }
    li { padding: .45rem .35rem; border-bottom: 1px solid var(--ferry-border); display: flex; flex-direction: column; gap: .1rem; }
    li.unread a, li.unread span:first-child { font-weight: 700; }
    @media (max-width: 720px) { .panel { position: fixed; left: 4vw; right: 4vw; width: auto; top: 3.5rem; } }
  `]
}

customElements.define('ferry-notification-bell', NotificationBell)
