// <ferry-admin-groups>: groups of users (a recipient that fans out to its members): list, create, edit members, delete.
import { LitElement, css, html, nothing, type TemplateResult } from 'lit'
import type { Group, User } from '../api/api-types.js'
import type { PortalApi } from '../api/portal-api.js'
import { themeStyles } from '../theme-styles.js'

export class AdminGroupsPage extends LitElement {
  static override properties = { api: { attribute: false }, groups: { state: true }, users: { state: true }, error: { state: true }, editing: { state: true } }

  declare api: PortalApi
  declare groups: Group[] | undefined
  declare users: User[]
  declare error: string
  /** Id of the group whose members are being edited. */
  declare editing: string | undefined

  constructor () {
    super()
    this.users = []
    this.error = ''
  }

  override connectedCallback (): void {
    super.connectedCallback()
    void this.load()
  }

  private async load (): Promise<void> {
    try {
      const [groups, users] = await Promise.all([this.api.listGroups(), this.api.listUsers()])
      this.groups = groups
      this.users = users
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  private async create (event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const formEl = event.target as HTMLFormElement
    const form = new FormData(formEl)
    try {
      await this.api.createGroup({ name: String(form.get('name')), memberIds: form.getAll('members').map(String) })
      formEl.reset()
      await this.load()
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  private async saveMembers (group: Group, event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const form = new FormData(event.target as HTMLFormElement)
    try {
      await this.api.updateGroup(group.id, { memberIds: form.getAll('members').map(String) })
      this.editing = undefined
      await this.load()
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  private async removeGroup (group: Group): Promise<void> {
    if (!confirm(`Delete the group ${group.name}? Packages already sent to it stay with its members.`)) return
    try {
      await this.api.deleteGroup(group.id)
      await this.load()
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  private memberPicker (selected: string[], idPrefix: string): TemplateResult {
    return html`<fieldset><legend>Members</legend><div class="members">${this.users.map(u => html`
      <label class="check"><input type="checkbox" name="members" value=${u.id} id="${idPrefix}-${u.id}" ?checked=${selected.includes(u.id)}> ${u.displayName || u.name}</label>`)}</div></fieldset>`
  }

  override render (): TemplateResult {
    const nameOf = new Map(this.users.map(u => [u.id, u.displayName || u.name]))
    return html`
      <h1>Groups</h1>
      ${this.error === '' ? nothing : html`<p class="error" role="alert">${this.error}</p>`}
      ${this.groups === undefined ? html`<p role="status">Loading…</p>` : this.groups.length === 0 ? html`<p class="hint">No groups yet.</p>` : html`
        <table class="stack" aria-label="Groups">
          <thead><tr><th>Group</th><th>Members</th><th>Actions</th></tr></thead>
          <tbody>${this.groups.map(g => html`
            <tr>
              <td data-label="Group">${g.name}</td>
              <td data-label="Members">${this.editing === g.id
                ? html`<form @submit=${(e: SubmitEvent) => { void this.saveMembers(g, e) }}>${this.memberPicker(g.memberIds, g.id)}
                    <p class="row"><button class="primary" type="submit">Save</button><button type="button" @click=${() => { this.editing = undefined }}>Cancel</button></p></form>`
                : g.memberIds.map(id => nameOf.get(id) ?? id).join(', ') || '–'}</td>
              <td data-label="Actions" class="row">
                <button @click=${() => { this.editing = g.id }} aria-label="Edit members of ${g.name}">Members</button>
                <button class="danger" @click=${() => { void this.removeGroup(g) }} aria-label="Delete ${g.name}">Delete</button>
              </td>
            </tr>`)}</tbody>
        </table>`}
      <h2>New group</h2>
      <form class="card" @submit=${(e: SubmitEvent) => { void this.create(e) }}>
        <label for="group-name">Name</label><input id="group-name" name="name" required>
        ${this.memberPicker([], 'new')}
        <p><button class="primary" type="submit">Create group</button></p>
      </form>`
  }

  static override styles = [themeStyles, css`
    :host { display: block; }
    fieldset { border: 1px solid var(--ferry-border); border-radius: var(--ferry-radius); margin-top: .75rem; }
    .members { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); }
    label.check { display: flex; gap: .4rem; align-items: center; font-weight: 400; margin: .2rem 0; }
    label.check input { width: auto; min-height: 0; }
  `]
}

customElements.define('ferry-admin-groups', AdminGroupsPage)
