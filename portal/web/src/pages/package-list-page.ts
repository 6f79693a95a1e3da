// <ferry-package-list>: one mailbox view (inbox, sent, drafts, or a shared inbox) as a table of packages, newest first.
import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from 'lit'
import type { PackageSummary } from '../api/api-types.js'
import type { Box, PortalApi } from '../api/portal-api.js'
import { formatBytes } from '../format/format-bytes.js'
import { formatDate } from '../format/format-date.js'
import { themeStyles } from '../theme-styles.js'

const boxTitles: Record<Box, string> = { inbox: 'Inbox', sent: 'Sent', drafts: 'Drafts' }

export class PackageListPage extends LitElement {
  static override properties = {
    api: { attribute: false },
    box: {},
    inboxId: {},
    inboxName: {},
    packages: { state: true },
    error: { state: true },
    loaded: { state: true }
  }

  declare api: PortalApi
  declare box: Box | undefined
  declare inboxId: string | undefined
  declare inboxName: string | undefined
  declare packages: PackageSummary[]
  declare error: string
  declare loaded: boolean
  private abort: AbortController | undefined

  constructor () {
    super()
    this.packages = []
    this.error = ''
    this.loaded = false
  }

  override willUpdate (changed: PropertyValues<this>): void {
    if (changed.has('box') || changed.has('inboxId') || changed.has('api')) void this.load()
  }

  override disconnectedCallback (): void {
    this.abort?.abort()
    super.disconnectedCallback()
  }

  private async load (): Promise<void> {
    this.abort?.abort()
    const abort = this.abort = new AbortController()
    this.loaded = false
    this.error = ''
    try {
      const page = this.inboxId !== undefined
        ? await this.api.listInboxPackages(this.inboxId, { limit: 50 }, abort.signal)
        : await this.api.listPackages(this.box ?? 'inbox', { limit: 50 }, abort.signal)
      if (!abort.signal.aborted) this.packages = page.items
    } catch (err) {
      if (!abort.signal.aborted) this.error = err instanceof Error ? err.message : String(err)
    }
    if (!abort.signal.aborted) this.loaded = true
  }

  private get heading (): string {
    return this.inboxId !== undefined ? (this.inboxName ?? 'Shared inbox') : boxTitles[this.box ?? 'inbox']
  }

  override render (): TemplateResult {
    const drafts = this.box === 'drafts'
    const who = this.box === 'sent' || drafts ? 'To' : 'From'
    return html`
      <h1>${this.heading}</h1>
      ${this.error === '' ? nothing : html`<p class="error" role="alert">${this.error}</p>`}
      ${!this.loaded
        ? html`<p role="status">Loading…</p>`
        : this.packages.length === 0
          ? html`<p class="empty">No packages here yet. <a href="/new">Send one</a>.</p>`
          : html`
            <table class="stack" aria-label=${this.heading}>
              <thead><tr><th>Title</th><th>${this.box === 'sent' || drafts ? 'State' : who}</th><th class="num">Size</th><th class="num">Files</th><th>${drafts ? 'Created' : 'Sent'}</th><th>Expires</th></tr></thead>
              <tbody>
                ${this.packages.map(p => html`
                  <tr>
                    <td data-label="Title"><a href=${drafts ? `/drafts/${encodeURIComponent(p.id)}` : `/packages/${encodeURIComponent(p.id)}`}>${p.title || '(untitled)'}</a></td>
                    <td data-label=${this.box === 'sent' || drafts ? 'State' : who}>${this.box === 'sent' || drafts ? html`<span class="state ${p.state}">${p.state}</span>` : p.senderName}</td>
                    <td class="num" data-label="Size">${formatBytes(p.sizeBytes)}</td>
                    <td class="num" data-label="Files">${p.fileCount}</td>
                    <td data-label=${drafts ? 'Created' : 'Sent'}>${formatDate(drafts ? p.createdAtMs : p.sentAtMs)}</td>
                    <td data-label="Expires">${formatDate(p.expiresAtMs)}</td>
                  </tr>`)}
              </tbody>
            </table>`}`
  }

  static override styles = [themeStyles, css`
    :host { display: block; }
    .state { font-size: .8rem; padding: .1rem .45rem; border-radius: 999px; border: 1px solid var(--ferry-border); }
    .state.sent, .state.downloaded { color: var(--ferry-ok); border-color: var(--ferry-ok); }
    .state.expired, .state.deleted { color: var(--ferry-muted); }
    .empty { color: var(--ferry-muted); }
  `]
}

customElements.define('ferry-package-list', PackageListPage)
