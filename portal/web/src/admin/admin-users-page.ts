// <ferry-admin-users>: the administrator's list of accounts, with a form to add one and controls for role and access.
import { LitElement, css, html, nothing, type TemplateResult } from 'lit'
import type { Role, User } from '../api/api-types.js'
import type { PortalApi } from '../api/portal-api.js'
import { formatDate } from '../format/format-date.js'
import { themeStyles } from '../theme-styles.js'

export class AdminUsersPage extends LitElement {
  static override properties = { api: { attribute: false }, users: { state: true }, error: { state: true }, notice: { state: true } }

  declare api: PortalApi
  declare users: User[] | undefined
  declare error: string
  declare notice: string

  constructor () {
    super()
    this.error = ''
    this.notice = ''
  }

  override connectedCallback (): void {
    super.connectedCallback()
    void this.load()
  }

  private async load (): Promise<void> {
    try {
      this.users = await this.api.listUsers()
    } catch (err) {
      this.error = String((err as Error).message ?? err)
    }
  }

  private async create (event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const formEl = event.target as HTMLFormElement
    const form = new FormData(formEl)
    this.error = ''
    try {
      const user = await this.api.createUser({
        name: String(form.get('name')), email: String(form.get('email')), displayName: String(form.get('displayName') || form.get('name')),
        role: String(form.get('role')) as Role, password: String(form.get('password'))
      })
      this.notice = `Added ${user.name}.`
      formEl.reset()
      await this.load()
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  private async saveUser (user: User, patch: Partial<Pick<User, 'role' | 'disabled'>>): Promise<void> {
    try {
      await this.api.updateUser(user.id, patch)
      this.notice = `Updated ${user.name}.`
      await this.load()
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  override render (): TemplateResult {
    return html`
      <h1>Users</h1>
      ${this.error === '' ? nothing : html`<p class="error" role="alert">${this.error}</p>`}
      <p class="visually-hidden" role="status">${this.notice}</p>
      ${this.users === undefined ? html`<p role="status">Loading…</p>` : html`
        <table class="stack" aria-label="Users">
          <thead><tr><th>Name</th><th>Email</th><th>Role</th><th>Since</th><th>Access</th></tr></thead>
          <tbody>${this.users.map(u => html`
            <tr>
              <td data-label="Name">${u.displayName || u.name} <span class="hint">${u.name}${u.external === true ? ', external' : ''}</span></td>
              <td data-label="Email">${u.email}</td>
              <td data-label="Role"><select aria-label="Role of ${u.name}" .value=${u.role}
                @change=${(e: Event) => { void this.saveUser(u, { role: (e.target as HTMLSelectElement).value as Role }) }}>
                <option value="user">user</option><option value="admin">admin</option></select></td>
              <td data-label="Since">${formatDate(u.createdAtMs)}</td>
              <td data-label="Access"><button class=${u.disabled === true ? '' : 'danger'} @click=${() => { void this.saveUser(u, { disabled: u.disabled !== true }) }}>
                ${u.disabled === true ? 'Enable' : 'Disable'}</button></td>
            </tr>`)}</tbody>
        </table>`}
      <h2>Add a user</h2>
      <form class="card grid" @submit=${(e: SubmitEvent) => { void this.create(e) }}>
        <div><label for="name">Login name</label><input id="name" name="name" required autocomplete="off"></div>
        <div><label for="displayName">Display name</label><input id="displayName" name="displayName"></div>
        <div><label for="email">Email</label><input id="email" name="email" type="email" required></div>
        <div><label for="role">Role</label><select id="role" name="role"><option>user</option><option>admin</option></select></div>
        <div><label for="password">Initial password</label><input id="password" name="password" type="password" minlength="8" required autocomplete="new-password"></div>
        <div class="end"><button class="primary" type="submit">Add user</button></div>
      </form>`
  }

  static override styles = [themeStyles, css`
    :host { display: block; }
    select { width: auto; }
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 0 1rem; }
    .end { display: flex; align-items: flex-end; padding-top: 1rem; }
  `]
}

customElements.define('ferry-admin-users', AdminUsersPage)
