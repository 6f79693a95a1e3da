// <ferry-admin-audit>: the audit log, newest first, filterable by text, with "older" paging.
import { LitElement, css, html, nothing, type TemplateResult } from 'lit'
import type { AuditEntry } from '../api/api-types.js'
import type { PortalApi } from '../api/portal-api.js'
import { formatDate } from '../format/format-date.js'
import { themeStyles } from '../theme-styles.js'

/** Entries per page: a screenful or two, one LevelDB range scan on the portal. */
const pageSize = 100

export class AdminAuditPage extends LitElement {
  static override properties = { api: { attribute: false }, entries: { state: true }, filter: { state: true }, error: { state: true }, more: { state: true } }

  declare api: PortalApi
  declare entries: AuditEntry[] | undefined
  declare filter: string
  declare error: string
  declare more: boolean
  private nextCursor: string | undefined

  constructor () {
    super()
    this.filter = ''
    this.error = ''
    this.more = false
  }

  override connectedCallback (): void {
    super.connectedCallback()
    void this.load()
  }

  private async load (cursor?: string): Promise<void> {
    try {
      const page = await this.api.listAudit({ limit: pageSize, ...(cursor === undefined ? {} : { cursor }) })
      this.entries = cursor === undefined ? page.items : [...(this.entries ?? []), ...page.items]
      this.nextCursor = page.nextCursor
      this.more = page.nextCursor !== undefined
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  override render (): TemplateResult {
    const needle = this.filter.toLowerCase()
    const shown = (this.entries ?? []).filter(e => needle === '' || `${e.actor} ${e.action} ${e.target} ${JSON.stringify(e.details ?? {})}`.toLowerCase().includes(needle))
    const cursor = this.nextCursor
    return html`
      <h1>Audit log</h1>
      ${this.error === '' ? nothing : html`<p class="error" role="alert">${this.error}</p>`}
      <label for="filter">Filter</label>
      <input id="filter" type="search" placeholder="actor, action, package…" .value=${this.filter} @input=${(e: InputEvent) => { this.filter = (e.target as HTMLInputElement).value }}>
      ${this.entries === undefined ? html`<p role="status">Loading…</p>` : html`
        <table class="stack" aria-label="Audit entries">
          <thead><tr><th>When</th><th>Who</th><th>What</th><th>On</th><th>Details</th></tr></thead>
          <tbody>${shown.map(e => html`
            <tr>
              <td data-label="When">${formatDate(e.atMs)}</td>
              <td data-label="Who">${e.actor}</td>
              <td data-label="What"><code>${e.action}</code></td>
              <td data-label="On" class="mono">${e.target}</td>
              <td data-label="Details" class="details">${e.details === undefined ? '' : JSON.stringify(e.details)}</td>
            </tr>`)}</tbody>
        </table>
        ${this.more && cursor !== undefined ? html`<p><button @click=${() => { void this.load(cursor) }}>Older entries</button></p>` : nothing}`}`
  }

  static override styles = [themeStyles, css`
    :host { display: block; }
    input[type=search] { max-width: 24rem; margin-bottom: 1rem; }
    .details { font-size: .8rem; color: var(--ferry-muted); overflow-wrap: anywhere; max-width: 24rem; }
  `]
}

customElements.define('ferry-admin-audit', AdminAuditPage)
