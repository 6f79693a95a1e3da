// <ferry-agent-download>: "Download with the desktop client" — hands the package to the local Ferry agent (fast UDP path) and shows its live progress; without an agent, falls back to the browser download.
import { LitElement, css, html, nothing, type TemplateResult } from 'lit'
import { AgentClient, AgentUnavailableError, type AgentNode, type AgentTransferView } from './agent-client.js'
import { formatBytes } from '../format/format-bytes.js'
import { themeStyles } from '../theme-styles.js'

/** What the element needs from the page: the package, a fresh download grant with its node, and a way back to the portal. */
export interface AgentDownloadHost {
  packageId: string
  title: string
  files: Array<{ path: string, sizeBytes: number, sha256?: string }>
  grant: () => Promise<{ token: string, node: AgentNode }>
  submitReceipt: (receipt: string, nodeId: string) => Promise<void>
  /** The browser download (gateway zip), used when the agent is not there. */
  fallback: () => void
}

/** Gap between two looks at the agent's progress (ms). */
const POLL_MS = 400

export class AgentDownload extends LitElement {
  static override properties = {
    host: { attribute: false },
    running: { state: true },
    pairingCode: { state: true },
    view: { state: true },
    message: { state: true }
  }

  declare host: AgentDownloadHost
  declare running: boolean
  declare pairingCode: string
  declare view: AgentTransferView | undefined
  declare message: string
  private readonly client = new AgentClient()
  private readonly aborter = new AbortController()
  private nodeId = ''

  constructor () {
    super()
    this.running = false
    this.pairingCode = ''
    this.message = ''
  }

  override connectedCallback (): void {
    super.connectedCallback()
    void this.client.detect(this.aborter.signal).then(d => { this.running = d.running }).catch(() => {})
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.aborter.abort() // the agent's transfer goes on: it does not need this tab
  }

  private async start (): Promise<void> {
    this.message = ''
    try {
      const detected = await this.client.detect(this.aborter.signal)
      if (!detected.running) throw new AgentUnavailableError('not running')
      if (!detected.paired) {
        const pairing = await this.client.startPairing()
        this.pairingCode = pairing.code
        const paired = await this.client.finishPairing(pairing.pairingId, this.aborter.signal)
        this.pairingCode = ''
        if (!paired) { this.message = 'Pairing was refused at the desktop client.'; return }
      }
      const grant = await this.host.grant()
      this.nodeId = grant.node.id
      this.view = await this.client.submit({ direction: 'download', packageId: this.host.packageId, title: this.host.title, token: grant.token, node: grant.node, files: this.host.files })
      await this.follow()
    } catch (err) {
      if (this.aborter.signal.aborted) return
      if (err instanceof AgentUnavailableError) {
        this.running = false
        this.message = 'The desktop client is not running: downloading through the browser instead.'
        this.host.fallback()
        return
      }
      this.message = err instanceof Error ? err.message : String(err)
    }
  }

  private async follow (): Promise<void> {
    while (this.view !== undefined && !this.aborter.signal.aborted) {
      this.view = await this.client.transfer(this.view.id, this.aborter.signal)
      if (this.view.state === 'complete') {
        if (this.view.receipt !== undefined) await this.host.submitReceipt(this.view.receipt, this.nodeId)
        return
      }
      if (this.view.state === 'failed' || this.view.state === 'denied') return
      await new Promise(resolve => setTimeout(resolve, POLL_MS))
    }
  }

  override render (): TemplateResult | typeof nothing {
    if (!this.running && this.message === '') return nothing
    const v = this.view
    const pct = v === undefined || v.bytesTotal === 0 ? (v?.state === 'complete' ? 100 : 0) : Math.floor(100 * v.bytesDone / v.bytesTotal)
    return html`
      <div class="agent card" data-testid="agent-panel">
        ${v === undefined && this.pairingCode === ''
          ? html`<button type="button" class="primary" data-testid="agent-download" ?disabled=${!this.running} @click=${() => { void this.start() }}>Download with the desktop client</button>
                 <span class="hint">fast UDP path, resumable, keeps going if you close this tab</span>`
          : nothing}
        ${this.pairingCode === '' ? nothing : html`<p role="status" data-testid="agent-pairing">Pair this browser with your desktop client: run <code>ferry agent approve ${this.pairingCode}</code></p>`}
        ${v === undefined ? nothing : html`
          ${v.state === 'awaiting-approval' ? html`<p role="status">Approve the download at the desktop client: <code>ferry agent approve ${v.approvalCode}</code></p>` : nothing}
          <label for="agent-progress">Desktop client: ${v.state}${v.via === undefined ? '' : ` (${v.via})`}</label>
          <progress id="agent-progress" max="100" .value=${pct} aria-valuetext="${pct} %"></progress>
          <p class="hint" data-testid="agent-progress" data-state=${v.state} data-percent=${pct}>
            ${pct} % · ${formatBytes(v.bytesDone)} of ${formatBytes(v.bytesTotal)} · ${v.filesDone}/${v.filesTotal} files
            ${v.state === 'running' ? html` · ${(v.rateBitsPerSec / 1e6).toFixed(1)} Mbit/s${v.etaSeconds === null ? '' : ` · ${Math.ceil(v.etaSeconds)} s left`}${v.currentFile === undefined ? '' : html` · ${v.currentFile}`}` : nothing}
          </p>
          ${v.state === 'complete' && v.destination !== undefined ? html`<p role="status">Saved to <code>${v.destination}</code></p>` : nothing}
          ${v.error === undefined ? nothing : html`<p class="error" role="alert">${v.error.message} (${v.error.code})</p>`}`}
        ${this.message === '' ? nothing : html`<p role="status" data-testid="agent-message">${this.message}</p>`}
      </div>`
  }

  static override styles = [themeStyles, css`
    :host { display: block; margin: .75rem 0; }
    progress { width: 100%; height: 1rem; }
    code { overflow-wrap: anywhere; }
  `]
}

customElements.define('ferry-agent-download', AgentDownload)
