// <ferry-admin-nodes>: enrolled storage nodes, a live mesh map (SVG: links, RTTs, transfer rates), and node enrolment.
import { LitElement, css, html, nothing, svg, type TemplateResult } from 'lit'
import type { NodeInfo, NodeStatus } from '../api/api-types.js'
import type { PortalApi } from '../api/portal-api.js'
import { formatRate } from '../format/format-bytes.js'
import { formatDate } from '../format/format-date.js'
import { themeStyles } from '../theme-styles.js'
import { layoutMesh } from './mesh-layout.js'

/** Map refresh period (ms): live enough to watch a transfer, light enough for the portal to ask every node. */
const refreshMs = 2000
const mapWidthPx = 640
const mapHeightPx = 420

export class AdminNodesPage extends LitElement {
  static override properties = { api: { attribute: false }, nodes: { state: true }, status: { state: true }, error: { state: true }, statusError: { state: true } }

  declare api: PortalApi
  declare nodes: NodeInfo[] | undefined
  declare status: NodeStatus[]
  declare error: string
  declare statusError: string
  private timer: ReturnType<typeof setInterval> | undefined

  constructor () {
    super()
    this.status = []
    this.error = ''
    this.statusError = ''
  }

  override connectedCallback (): void {
    super.connectedCallback()
    void this.load()
    void this.poll()
    this.timer = setInterval(() => { void this.poll() }, refreshMs)
  }

  override disconnectedCallback (): void {
    clearInterval(this.timer)
    super.disconnectedCallback()
  }

  private async load (): Promise<void> {
    try {
      this.nodes = await this.api.listNodes()
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  private async poll (): Promise<void> {
    if (document.hidden) return
    try {
      this.status = await this.api.nodeStatus()
      this.statusError = ''
    } catch (err) {
      this.statusError = (err as Error).message
    }
  }

  private async enrol (event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const formEl = event.target as HTMLFormElement
    const form = new FormData(formEl)
    try {
      await this.api.enrolNode({ name: String(form.get('name')), opsUrl: String(form.get('opsUrl')), adminToken: String(form.get('adminToken')) })
      formEl.reset()
      await this.load()
      await this.poll()
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  private renderMap (): TemplateResult {
    const source: NodeStatus[] = this.status.length > 0
      ? this.status
      : (this.nodes ?? []).map(n => ({ id: n.id, name: n.name, online: false, peers: [], transfers: [] }))
    const { placed, edges } = layoutMesh(source, mapWidthPx, mapHeightPx)
    const at = new Map(placed.map(p => [p.id, p]))
    const nameOf = (id: string): string => at.get(id)?.name ?? id
    const summary = `${placed.length} nodes, ${placed.filter(p => p.online).length} online, ${edges.length} links`
    return html`
      <figure>
        <svg viewBox="0 0 ${mapWidthPx} ${mapHeightPx}" role="img" aria-labelledby="map-title map-desc">
          <title id="map-title">Mesh map</title>
          <desc id="map-desc">${summary}. ${edges.map(e => `${nameOf(e.a)} to ${nameOf(e.b)}${e.rateBytesPerSec > 0 ? `, ${formatRate(e.rateBytesPerSec)}` : ''}`).join('; ')}</desc>
          ${edges.map(e => {
            const a = at.get(e.a)
            const b = at.get(e.b)
            if (a === undefined || b === undefined) return nothing
            const busy = e.rateBytesPerSec > 0
            const label = [e.rttMs === undefined ? '' : `${Math.round(e.rttMs)} ms`, busy ? formatRate(e.rateBytesPerSec) : ''].filter(s => s !== '').join(' · ')
            return svg`
              <line x1=${a.x} y1=${a.y} x2=${b.x} y2=${b.y} class=${busy ? 'link busy' : 'link'}></line>
              ${label === '' ? nothing : svg`<text x=${(a.x + b.x) / 2} y=${(a.y + b.y) / 2 - 6} class="edge-label" text-anchor="middle">${label}</text>`}`
          })}
          ${placed.map(p => svg`
            <g class=${p.online ? 'node online' : 'node offline'} transform="translate(${p.x} ${p.y})">
              <circle r="26"></circle>
              <text y="4" text-anchor="middle" class="node-name">${p.name.slice(0, 10)}</text>
              <text y="44" text-anchor="middle" class="node-rate">${p.online ? (p.rateBytesPerSec > 0 ? formatRate(p.rateBytesPerSec) : 'idle') : 'offline'}</text>
            </g>`)}
        </svg>
        <figcaption class="hint">${summary}. Refreshed every ${refreshMs / 1000} s.${this.statusError === '' ? '' : ` Live status unavailable: ${this.statusError}`}</figcaption>
      </figure>`
  }

  override render (): TemplateResult {
    const live = new Map(this.status.map(s => [s.id, s]))
    return html`
      <h1>Nodes</h1>
      ${this.error === '' ? nothing : html`<p class="error" role="alert">${this.error}</p>`}
      ${this.renderMap()}
      ${this.nodes === undefined ? html`<p role="status">Loading…</p>` : html`
        <table class="stack" aria-label="Nodes">
          <thead><tr><th>Name</th><th>State</th><th>Gateway</th><th class="num">Peers</th><th class="num">Transfers</th><th>Enrolled</th></tr></thead>
          <tbody>${this.nodes.map(n => {
            const s = live.get(n.id)
            return html`<tr>
              <td data-label="Name">${n.name}<br><code class="hint">${n.id}</code></td>
              <td data-label="State">${s === undefined ? '–' : s.online ? html`<span class="ok">online</span>` : html`<span class="error" title=${s.error ?? ''}>offline</span>`}</td>
              <td data-label="Gateway"><code>${n.httpUrl}</code></td>
              <td class="num" data-label="Peers">${s?.peers.length ?? '–'}</td>
              <td class="num" data-label="Transfers">${s?.transfers.length ?? '–'}</td>
              <td data-label="Enrolled">${formatDate(n.enrolledAtMs)}</td>
            </tr>`
          })}</tbody>
        </table>`}
      <h2>Enrol a node</h2>
      <form class="card grid" @submit=${(e: SubmitEvent) => { void this.enrol(e) }}>
        <div><label for="node-name">Name</label><input id="node-name" name="name" required></div>
        <div><label for="opsUrl">Ops URL</label><input id="opsUrl" name="opsUrl" type="url" placeholder="http://10.0.0.5:9100" required></div>
        <div><label for="adminToken">Admin token</label><input id="adminToken" name="adminToken" type="password" required autocomplete="off"></div>
        <div class="end"><button class="primary" type="submit">Enrol</button></div>
      </form>`
  }

  static override styles = [themeStyles, css`
    :host { display: block; }
    figure { margin: 0 0 1rem; }
    svg { width: 100%; max-width: 40rem; height: auto; background: var(--ferry-surface); border: 1px solid var(--ferry-border); border-radius: var(--ferry-radius); display: block; }
    .link { stroke: var(--ferry-border); stroke-width: 2; }
    .link.busy { stroke: var(--ferry-accent); stroke-width: 4; stroke-dasharray: 10 6; animation: flow 1s linear infinite; }
    @keyframes flow { to { stroke-dashoffset: -16; } }
    @media (prefers-reduced-motion: reduce) { .link.busy { animation: none; } }
    .edge-label { font-size: 12px; fill: var(--ferry-text); paint-order: stroke; stroke: var(--ferry-surface); stroke-width: 4px; }
    .node circle { fill: var(--ferry-surface); stroke: var(--ferry-muted); stroke-width: 3; }
    .node.online circle { stroke: var(--ferry-ok); }
    .node.offline circle { stroke: var(--ferry-danger); stroke-dasharray: 4 3; }
    .node-name { font-size: 12px; font-weight: 700; fill: var(--ferry-text); }
    .node-rate { font-size: 11px; fill: var(--ferry-muted); }
    .ok { color: var(--ferry-ok); }
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 0 1rem; }
    .end { display: flex; align-items: flex-end; padding-top: 1rem; }
  `]
}

customElements.define('ferry-admin-nodes', AdminNodesPage)
