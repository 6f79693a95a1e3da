// <ferry-package-page>: one package: who, what, its files with sizes and SHA-256, download as one zip or file by file,
// and the `ferry download` command that fetches it from a terminal.
import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from 'lit'
import type { PackageDetail, TransferGrant, User } from '../api/api-types.js'
import { fetchDownloadReceipt, fileDownloadUrl, zipDownloadUrl } from '../api/gateway-client.js'
import type { PortalApi } from '../api/portal-api.js'
import { formatBytes } from '../format/format-bytes.js'
import { formatDate } from '../format/format-date.js'
import { themeStyles } from '../theme-styles.js'
import '../agent/agent-download.js'
import type { AgentDownloadHost } from '../agent/agent-download.js'

/** Files listed at most; the zip and the CLI still carry all of them. */
const maxRows = 1000
/** How often the page asks the node whether a browser download finished (ms), and for how long (ms). */
const receiptPollMs = 2_000
const receiptWatchMs = 60 * 60_000

export class PackagePage extends LitElement {
  static override properties = {
    api: { attribute: false },
    user: { attribute: false },
    packageId: {},
    pkg: { state: true },
    grant: { state: true },
    error: { state: true },
    grantError: { state: true },
    copied: { state: true }
  }

  declare api: PortalApi
  declare user: User
  declare packageId: string
  declare pkg: PackageDetail | undefined
  declare grant: TransferGrant | undefined
  declare error: string
  declare grantError: string
  declare copied: boolean

  constructor () {
    super()
    this.error = ''
    this.grantError = ''
    this.copied = false
  }

  override willUpdate (changed: PropertyValues<this>): void {
    if (changed.has('packageId')) void this.load()
  }

  private async load (): Promise<void> {
    this.pkg = undefined
    this.grant = undefined
    this.error = ''
    try {
      this.pkg = await this.api.getPackage(this.packageId)
      if (this.downloadable) await this.refreshGrant()
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err)
    }
  }

  private get downloadable (): boolean {
    const state = this.pkg?.state
    return state === 'sent' || state === 'downloaded' || state === 'uploading'
  }

  private async refreshGrant (): Promise<void> {
    try {
      this.grant = await this.api.downloadGrant(this.packageId)
      this.grantError = ''
    } catch (err) {
      this.grantError = err instanceof Error ? err.message : String(err)
    }
  }

  /**
   * Each download gets its own fresh grant: a token's byte allowance covers one package's worth, so the zip and a file
   * must not share one, and a page left open for an hour must not hand out a dead link. The href keeps a working link
   * for "copy link" and curl.
   */
  private async follow (event: MouseEvent, build: (grant: TransferGrant) => string): Promise<void> {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    event.preventDefault()
    await this.refreshGrant()
    const grant = this.grant
    if (grant === undefined) return
    location.assign(build(grant))
    void this.reportWhenDownloaded(grant)
  }

  /** Once the node has served this grant's download to the last byte, hands its receipt to the portal (the sender's download receipt). */
  private async reportWhenDownloaded (grant: TransferGrant): Promise<void> {
    const deadlineMs = Date.now() + receiptWatchMs
    while (this.isConnected && Date.now() < deadlineMs) {
      await new Promise(resolve => setTimeout(resolve, receiptPollMs))
      const receipt = await fetchDownloadReceipt(grant, this.packageId)
      if (receipt === undefined) continue
      await this.api.submitReceipt(this.packageId, receipt, grant.nodeId).catch(() => {})
      return
    }
  }

  /** What the desktop-agent panel needs: fresh grants with the node's UDP address, the receipt route, and the browser fallback. */
  private agentHost (pkg: PackageDetail): AgentDownloadHost {
    return {
      packageId: pkg.id,
      title: pkg.title,
      files: pkg.files.map(f => ({ path: f.path, sizeBytes: f.sizeBytes, ...(f.sha256 == null ? {} : { sha256: f.sha256 }) })),
      grant: async () => {
        const grant = await this.api.downloadGrant(pkg.id)
        if (grant.node === undefined) throw new Error('the portal named no node for this download')
        return { token: grant.token, node: grant.node }
      },
      submitReceipt: async (receipt, nodeId) => { await this.api.submitReceipt(pkg.id, receipt, nodeId) },
      fallback: () => {
        void this.refreshGrant().then(() => { if (this.grant !== undefined) location.assign(zipDownloadUrl(this.grant, pkg.id)) })
      }
    }
  }

  private async copyCommand (command: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(command)
      this.copied = true
      setTimeout(() => { this.copied = false }, 2000)
    } catch {
      this.renderRoot.querySelector<HTMLElement>('#command')?.focus()
    }
  }

  override render (): TemplateResult {
    if (this.error !== '') return html`<h1>Package</h1><p class="error" role="alert">${this.error}</p>`
    const pkg = this.pkg
    if (pkg === undefined) return html`<p role="status">Loading…</p>`
    const command = `ferry download ${pkg.id}`
    const grant = this.grant
    const id = pkg.id
    return html`
      <h1>${pkg.title || '(untitled)'}</h1>
      <dl class="facts">
        <dt>From</dt><dd>${pkg.senderName}</dd>
        <dt>To</dt><dd>${pkg.recipients.map(r => r.label).join(', ') || '–'}</dd>
        <dt>State</dt><dd><span class="state ${pkg.state}" data-testid="package-state">${pkg.state}</span></dd>
        <dt>Size</dt><dd>${formatBytes(pkg.sizeBytes)} in ${pkg.files.length} files</dd>
        <dt>Sent</dt><dd>${formatDate(pkg.sentAtMs)}</dd>
        <dt>Expires</dt><dd>${formatDate(pkg.expiresAtMs)}</dd>
        ${Object.entries(pkg.metadata).map(([k, v]) => html`<dt>${k}</dt><dd>${String(v)}</dd>`)}
      </dl>
      ${pkg.note === '' ? nothing : html`<h2>Note</h2><p class="note">${pkg.note}</p>`}

      <h2>Download</h2>
      ${!this.downloadable
        ? html`<p class="hint">Nothing to download while the package is ${pkg.state}.</p>`
        : grant === undefined
          ? html`<p class=${this.grantError === '' ? 'hint' : 'error'} role="status">${this.grantError === '' ? 'Asking the portal for a download link…' : this.grantError}</p>`
          : html`<p class="row">
              <a class="button primary" data-testid="download-zip" href=${zipDownloadUrl(grant, id)}
                @click=${(e: MouseEvent) => { void this.follow(e, g => zipDownloadUrl(g, id)) }}>Download all (zip, ${formatBytes(pkg.sizeBytes)})</a>
            </p>
            <ferry-agent-download .host=${this.agentHost(pkg)}></ferry-agent-download>`}
      <p>Or from a terminal, with resume and the fast UDP path:</p>
      <div class="command row">
        <code id="command" tabindex="0" data-testid="cli-command">${command}</code>
        <button type="button" @click=${() => { void this.copyCommand(command) }}>${this.copied ? 'Copied' : 'Copy'}</button>
      </div>

      <h2>Files</h2>
      <table class="stack" aria-label="Files">
        <thead><tr><th>Path</th><th class="num">Size</th><th>SHA-256</th></tr></thead>
        <tbody>
          ${pkg.files.slice(0, maxRows).map(f => html`
            <tr>
              <td data-label="Path" class="path">${grant === undefined
                ? f.path
                : html`<a href=${fileDownloadUrl(grant, id, f.path)} @click=${(e: MouseEvent) => { void this.follow(e, g => fileDownloadUrl(g, id, f.path)) }}>${f.path}</a>`}</td>
              <td class="num" data-label="Size">${formatBytes(f.sizeBytes)}</td>
              <td data-label="SHA-256"><code class="sha">${f.sha256 ?? 'not yet verified'}</code></td>
            </tr>`)}
        </tbody>
      </table>
      ${pkg.files.length > maxRows ? html`<p class="hint">${pkg.files.length - maxRows} more files are in the zip.</p>` : nothing}
      ${pkg.downloads.length === 0 ? nothing : html`
        <h2>Downloads</h2>
        <ul>${pkg.downloads.map(d => html`<li>${d.by}: ${d.fileCount} files, ${formatBytes(d.sizeBytes)}, ${formatDate(d.atMs)}</li>`)}</ul>`}`
  }

  static override styles = [themeStyles, css`
    :host { display: block; max-width: 64rem; }
    .facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
    .facts dt { color: var(--ferry-muted); }
    .facts dd { margin: 0; overflow-wrap: anywhere; }
    .note { white-space: pre-wrap; }
    .command code { background: var(--ferry-surface); border: 1px solid var(--ferry-border); border-radius: var(--ferry-radius); padding: .45rem .6rem; }
    .path { overflow-wrap: anywhere; }
    .sha { font-size: .75rem; color: var(--ferry-muted); word-break: break-all; }
    .state { font-size: .8rem; padding: .1rem .45rem; border-radius: 999px; border: 1px solid var(--ferry-border); }
    .state.sent, .state.downloaded { color: var(--ferry-ok); border-color: var(--ferry-ok); }
  `]
}

customElements.define('ferry-package-page', PackagePage)
