// The application shell <ferry-app>: session check, header with navigation and the notification bell, and the routed page.
import { LitElement, css, html, nothing, type TemplateResult } from 'lit'
import { PortalApi } from '../api/portal-api.js'
import type { Inbox, User } from '../api/api-types.js'
import { PortalApiError } from '../api/portal-api-error.js'
import { reportNodeRtts } from '../api/node-probe.js'
import { isAdminRoute, matchRoute, type AppRoute } from '../app-route.js'
import { navigate, navigateEvent } from '../navigate.js'
import { themeStyles } from '../theme-styles.js'
import './notification-bell.js'
import '../pages/sign-in-page.js'
import '../pages/package-list-page.js'
import '../pages/new-package-page.js'
import '../pages/package-page.js'
import '../admin/admin-users-page.js'
import '../admin/admin-groups-page.js'
import '../admin/admin-nodes-page.js'
import '../admin/admin-audit-page.js'

export class FerryApp extends LitElement {
  static override properties = {
    user: { state: true },
    route: { state: true },
    inboxes: { state: true },
    loading: { state: true },
    menuOpen: { state: true },
    fatal: { state: true }
  }

  declare user: User | undefined
  declare route: AppRoute
  declare inboxes: Inbox[]
  declare loading: boolean
  declare menuOpen: boolean
  declare fatal: string

  readonly api = new PortalApi()
  private readonly onLocation = (): void => { this.syncRoute() }
  private readonly onClick = (event: MouseEvent): void => { this.interceptLink(event) }

  constructor () {
    super()
    this.user = undefined
    this.route = matchRoute(location.pathname, location.search)
    this.inboxes = []
    this.loading = true
    this.menuOpen = false
    this.fatal = ''
  }

  override connectedCallback (): void {
    super.connectedCallback()
    window.addEventListener('popstate', this.onLocation)
    window.addEventListener(navigateEvent, this.onLocation)
    document.addEventListener('click', this.onClick)
    void this.loadSession()
  }

  override disconnectedCallback (): void {
    window.removeEventListener('popstate', this.onLocation)
    window.removeEventListener(navigateEvent, this.onLocation)
    document.removeEventListener('click', this.onClick)
    super.disconnectedCallback()
  }

  private async loadSession (): Promise<void> {
    try {
      this.user = await this.api.me()
      this.fatal = ''
    } catch (err) {
      this.fatal = err instanceof PortalApiError ? err.message : String(err)
    }
    this.loading = false
    if (this.user !== undefined) this.afterSignIn()
    this.syncRoute()
  }

  /** Per session: shared inboxes for the navigation, and RTTs to the nodes so transfers go to the nearest one. */
  private afterSignIn (): void {
    void this.loadInboxes()
    void reportNodeRtts(this.api).catch(() => { /* the portal falls back to its default node */ })
  }

  private async loadInboxes (): Promise<void> {
    try {
      this.inboxes = await this.api.listInboxes()
    } catch {
      this.inboxes = []
    }
  }

  private syncRoute (): void {
    const route = matchRoute(location.pathname, location.search)
    this.menuOpen = false
    if (this.loading) {
      this.route = route
      return
    }
    if (this.user === undefined && route.page !== 'sign-in') {
      navigate(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true })
      return
    }
    if (this.user !== undefined && route.page === 'sign-in') {
      navigate(route.next ?? '/inbox', { replace: true })
      return
    }
    this.route = route
    const title = pageTitle(route)
    document.title = title === '' ? 'Ferry' : `${title} · Ferry`
  }

  /** Same-origin links inside any shadow root navigate in-app; modified clicks, downloads and new tabs keep browser behaviour. */
  private interceptLink (event: MouseEvent): void {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    const anchor = event.composedPath().find((node): node is HTMLAnchorElement => node instanceof HTMLAnchorElement)
    if (anchor === undefined || anchor.target !== '' || anchor.hasAttribute('download')) return
    const url = new URL(anchor.href, location.href)
    if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/gateway/')) return
    event.preventDefault()
    navigate(url.pathname + url.search)
  }

  private async signedIn (user: User): Promise<void> {
    this.user = user
    this.afterSignIn()
    const route = this.route
    navigate(route.page === 'sign-in' && route.next !== undefined ? route.next : '/inbox', { replace: true })
  }

  private async signOut (): Promise<void> {
    try {
      await this.api.signOut()
    } finally {
      this.user = undefined
      this.inboxes = []
      navigate('/sign-in', { replace: true })
    }
  }

  override render (): TemplateResult {
    if (this.loading) return html`<p class="loading" role="status">Loading…</p>`
    if (this.user === undefined) {
      return html`
        ${this.fatal === '' ? nothing : html`<p class="error" role="alert">${this.fatal}</p>`}
        <ferry-sign-in .api=${this.api} @signed-in=${(e: CustomEvent<User>) => { void this.signedIn(e.detail) }}></ferry-sign-in>`
    }
    const user = this.user
    return html`
      <a class="skip" href="#main">Skip to content</a>
      <header>
        <a class="brand" href="/inbox" aria-label="Ferry, inbox">${logo} Ferry</a>
        <button class="menu-toggle" aria-expanded=${String(this.menuOpen)} aria-controls="nav"
          @click=${() => { this.menuOpen = !this.menuOpen }}>Menu</button>
        <span class="spacer"></span>
        <a class="button primary new" href="/new" aria-label="New package"><span aria-hidden="true">+</span><span class="new-label" aria-hidden="true">New package</span></a>
        <ferry-notification-bell .api=${this.api}></ferry-notification-bell>
        <span class="who" title=${user.email}>${user.displayName || user.name}</span>
        <button @click=${() => { void this.signOut() }}>Sign out</button>
      </header>
      <div class="layout">
        <nav id="nav" aria-label="Main" class=${this.menuOpen ? 'open' : ''}>
          <ul>
            ${this.navLink('/inbox', 'Inbox', this.route.page === 'box' && this.route.box === 'inbox')}
            ${this.navLink('/sent', 'Sent', this.route.page === 'box' && this.route.box === 'sent')}
            ${this.navLink('/drafts', 'Drafts', this.route.page === 'box' && this.route.box === 'drafts')}
          </ul>
          ${this.inboxes.length === 0
            ? nothing
            : html`<h2 id="shared-heading">Shared inboxes</h2>
              <ul aria-labelledby="shared-heading">
                ${this.inboxes.map(inbox => this.navLink(`/inboxes/${encodeURIComponent(inbox.id)}`, inbox.name,
                  this.route.page === 'shared-inbox' && this.route.inboxId === inbox.id))}
              </ul>`}
          ${user.role === 'admin'
            ? html`<h2 id="admin-heading">Administration</h2>
              <ul aria-labelledby="admin-heading">
                ${this.navLink('/admin/users', 'Users', this.route.page === 'admin-users')}
                ${this.navLink('/admin/groups', 'Groups', this.route.page === 'admin-groups')}
                ${this.navLink('/admin/nodes', 'Nodes', this.route.page === 'admin-nodes')}
                ${this.navLink('/admin/audit', 'Audit log', this.route.page === 'admin-audit')}
              </ul>`
            : nothing}
        </nav>
        <main id="main" tabindex="-1">${this.renderPage(user)}</main>
      </div>`
  }

  private navLink (href: string, label: string, current: boolean): TemplateResult {
    return html`<li><a href=${href} aria-current=${current ? 'page' : 'false'}>${label}</a></li>`
  }

  private renderPage (user: User): TemplateResult {
    const route = this.route
    if (isAdminRoute(route) && user.role !== 'admin') return html`<h1>Not allowed</h1><p>This page is for administrators.</p>`
    switch (route.page) {
      case 'box': return html`<ferry-package-list .api=${this.api} .box=${route.box}></ferry-package-list>`
      case 'shared-inbox': {
        const inbox = this.inboxes.find(i => i.id === route.inboxId)
        return html`<ferry-package-list .api=${this.api} .inboxId=${route.inboxId} .inboxName=${inbox?.name ?? 'Shared inbox'}></ferry-package-list>`
      }
      case 'new-package': return html`<ferry-new-package .api=${this.api} .user=${user} .inboxes=${this.inboxes} .draftId=${route.draftId}></ferry-new-package>`
      case 'package': return html`<ferry-package-page .api=${this.api} .user=${user} .packageId=${route.packageId}></ferry-package-page>`
      case 'admin-users': return html`<ferry-admin-users .api=${this.api}></ferry-admin-users>`
      case 'admin-groups': return html`<ferry-admin-groups .api=${this.api}></ferry-admin-groups>`
      case 'admin-nodes': return html`<ferry-admin-nodes .api=${this.api}></ferry-admin-nodes>`
      case 'admin-audit': return html`<ferry-admin-audit .api=${this.api}></ferry-admin-audit>`
      case 'sign-in': return html``
      case 'not-found': return html`<h1>Not found</h1><p>Nothing lives at <code>${route.path}</code>. <a href="/inbox">Go to the inbox</a>.</p>`
    }
  }

  static override styles = [themeStyles, css`
    :host { display: block; min-height: 100vh; }
    .loading { padding: 2rem; }
    .skip { position: absolute; left: -999px; top: 0; background: var(--ferry-surface); padding: .5rem; z-index: 10; }
    .skip:focus { left: .5rem; }
    header {
      display: flex; align-items: center; gap: .6rem; padding: .5rem 1rem; background: var(--ferry-surface);
      border-bottom: 1px solid var(--ferry-border); position: sticky; top: 0; z-index: 5;
    }
    .brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; color: var(--ferry-text); display: inline-flex; align-items: center; gap: .35rem; }
    .spacer { flex: 1; }
    .who { color: var(--ferry-muted); max-width: 12rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .menu-toggle { display: none; }
    .layout { display: grid; grid-template-columns: 13rem 1fr; min-height: calc(100vh - 3.3rem); }
    nav { border-right: 1px solid var(--ferry-border); padding: .75rem .5rem; background: var(--ferry-surface); }
    nav h2 { font-size: .75rem; text-transform: uppercase; color: var(--ferry-muted); margin: 1rem .5rem .25rem; letter-spacing: .04em; }
    nav ul { list-style: none; margin: 0; padding: 0; }
    nav a { display: block; padding: .4rem .6rem; border-radius: var(--ferry-radius); color: var(--ferry-text); text-decoration: none; }
    nav a:hover { background: var(--ferry-bg); }
    nav a[aria-current='page'] { background: var(--ferry-accent); color: var(--ferry-accent-text); }
    main { padding: 1.25rem; min-width: 0; outline: none; }
    @media (max-width: 720px) {
      .menu-toggle { display: inline-flex; }
      .who, .new-label { display: none; }
      header { gap: .4rem; padding: .5rem .6rem; }
      .layout { grid-template-columns: 1fr; }
      nav { display: none; border-right: 0; border-bottom: 1px solid var(--ferry-border); }
      nav.open { display: block; }
      main { padding: .75rem; }
    }
  `]
}

/** The mark: a ferry's hull and sail, drawn inline (no image request, no icon font). */
const logo = html`<svg viewBox="0 0 16 16" width="20" height="20" aria-hidden="true"><path d="M1 11h14l-2 3H3z" fill="currentColor"/><path d="M7 2v8H3z" fill="var(--ferry-accent)"/></svg>`

function pageTitle (route: AppRoute): string {
  switch (route.page) {
    case 'sign-in': return 'Sign in'
    case 'box': return route.box[0].toUpperCase() + route.box.slice(1)
    case 'shared-inbox': return 'Shared inbox'
    case 'new-package': return 'New package'
    case 'package': return 'Package'
    case 'admin-users': return 'Users'
    case 'admin-groups': return 'Groups'
    case 'admin-nodes': return 'Nodes'
    case 'admin-audit': return 'Audit log'
    case 'not-found': return 'Not found'
  }
}

customElements.define('ferry-app', FerryApp)
