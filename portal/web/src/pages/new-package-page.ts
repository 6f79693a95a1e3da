// <ferry-new-package>: compose a package (recipients, title, note, metadata, expiry, files and folders), upload it through
// the gateway with tus, and resume an unfinished one after a reload by picking the same files again.
import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from 'lit'
import type { Inbox, MetadataField, PackageDetail, PackageInput, Recipient, TransferGrant, User } from '../api/api-types.js'
import { completeUpload, recordEmptyFolder } from '../api/gateway-client.js'
import type { PortalApi } from '../api/portal-api.js'
import { formatBytes } from '../format/format-bytes.js'
import { navigate } from '../navigate.js'
import { themeStyles } from '../theme-styles.js'
import { PackageUploader, type UploaderSnapshot } from '../upload/package-uploader.js'
import { PendingUploadStore, type PendingUpload } from '../upload/pending-upload-store.js'
import { isTraversal, mergePicked, type PickedEntry, type PickedFile } from '../upload/picked-entry.js'
import '../components/file-drop-zone.js'
import '../components/recipient-input.js'
import '../components/upload-progress.js'

type Phase = 'compose' | 'resume' | 'uploading' | 'sealing' | 'sent'

/** Repaint progress at most this often (ms): tus reports every few KiB, and a redraw per report would eat the CPU. */
const progressPaintMs = 250

export class NewPackagePage extends LitElement {
  static override properties = {
    api: { attribute: false },
    user: { attribute: false },
    inboxes: { attribute: false },
    draftId: {},
    phase: { state: true },
    picked: { state: true },
    recipients: { state: true },
    error: { state: true },
    snapshot: { state: true },
    draft: { state: true },
    pendingList: { state: true },
    packageId: { state: true }
  }

  declare api: PortalApi
  declare user: User
  declare inboxes: Inbox[]
  declare draftId: string | undefined
  declare phase: Phase
  declare picked: PickedEntry[]
  declare recipients: Recipient[]
  declare error: string
  declare snapshot: UploaderSnapshot | undefined
  declare draft: PackageDetail | undefined
  declare pendingList: PendingUpload[]
  declare packageId: string | undefined
  private readonly pending = new PendingUploadStore(localStorage)
  private uploader: PackageUploader | undefined
  private paintTimer: ReturnType<typeof setTimeout> | undefined
  private readonly onBeforeUnload = (event: BeforeUnloadEvent): void => {
    if (this.phase === 'uploading' && this.snapshot?.paused !== true) event.preventDefault()
  }

  constructor () {
    super()
    this.phase = 'compose'
    this.picked = []
    this.recipients = []
    this.error = ''
    this.inboxes = []
    this.pendingList = []
  }

  override connectedCallback (): void {
    super.connectedCallback()
    window.addEventListener('beforeunload', this.onBeforeUnload)
  }

  override disconnectedCallback (): void {
    window.removeEventListener('beforeunload', this.onBeforeUnload)
    this.uploader?.stop()
    clearTimeout(this.paintTimer)
    super.disconnectedCallback()
  }

  override willUpdate (changed: PropertyValues<this>): void {
    // First render too: binding `undefined` to draftId is no change, yet the unfinished uploads must be listed.
    if (changed.has('draftId') || !this.hasUpdated) void this.loadDraft()
  }

  private async loadDraft (): Promise<void> {
    this.pendingList = this.pending.list()
    this.error = ''
    if (this.draftId === undefined) {
      this.phase = 'compose'
      this.draft = undefined
      return
    }
    try {
      this.draft = await this.api.getPackage(this.draftId)
      this.packageId = this.draft.id
      this.phase = this.draft.state === 'draft' || this.draft.state === 'uploading' ? 'resume' : 'sent'
      if (this.phase === 'sent') navigate(`/packages/${encodeURIComponent(this.draft.id)}`, { replace: true })
    } catch (err) {
      this.error = message(err)
    }
  }

  private get files (): PickedFile[] {
    return this.picked.filter((e): e is PickedFile => e.kind === 'file')
  }

  /** The shared inbox among the recipients, whose metadata fields the form asks for. */
  private get targetInbox (): Inbox | undefined {
    const ref = this.recipients.find(r => r.kind === 'inbox')?.ref
    return ref === undefined ? undefined : this.inboxes.find(i => i.id === ref)
  }

  private onPicked (entries: PickedEntry[]): void {
    const bad = entries.filter(e => isTraversal(e.path))
    this.error = bad.length > 0 ? `Refused ${bad.length} name(s) with "..": ${bad.map(e => e.path).join(', ')}` : ''
    this.picked = mergePicked(this.picked, entries.filter(e => !isTraversal(e.path)))
  }

  private removePicked (path: string): void {
    this.picked = this.picked.filter(e => e.path !== path && !e.path.startsWith(path + '/'))
  }

  private async send (event: SubmitEvent): Promise<void> {
    event.preventDefault()
    this.renderRoot.querySelector<HTMLElement & { commitTyped: () => void }>('ferry-recipient-input')?.commitTyped()
    const form = new FormData(event.target as HTMLFormElement)
    if (this.recipients.length === 0) { this.error = 'Add at least one recipient.'; return }
    if (this.files.length === 0) { this.error = 'Add at least one file or folder.'; return }
    const metadata: PackageInput['metadata'] = {}
    for (const field of this.targetInbox?.metadataFields ?? []) {
      const raw = form.get(`meta-${field.name}`)
      if (field.type === 'boolean') metadata[field.name] = raw === 'on'
      else if (raw !== null && String(raw) !== '') metadata[field.name] = field.type === 'number' ? Number(raw) : String(raw)
    }
    const expires = String(form.get('expires') ?? '')
    const limit = String(form.get('downloadLimit') ?? '')
    const input: PackageInput = {
      title: String(form.get('title') ?? '').trim(),
      note: String(form.get('note') ?? ''),
      recipients: this.recipients,
      metadata,
      files: this.files.map(f => ({ path: f.path, sizeBytes: f.file.size })),
      ...(this.targetInbox === undefined ? {} : { inboxId: this.targetInbox.id }),
      // End of the chosen day in the sender's time zone.
      ...(expires === '' ? {} : { expiresAtMs: new Date(`${expires}T23:59:59`).getTime() }),
      ...(limit === '' ? {} : { downloadLimit: Number(limit) })
    }
    this.error = ''
    try {
      const created = await this.api.createPackage(input)
      this.packageId = created.id
      this.pending.save({
        packageId: created.id, title: input.title, startedAtMs: Date.now(), donePaths: [],
        files: this.files.map(f => ({ path: f.path, sizeBytes: f.file.size, lastModifiedMs: f.file.lastModified }))
      })
      history.replaceState(null, '', `/drafts/${encodeURIComponent(created.id)}`)
      await this.upload(created.id, this.files, [])
    } catch (err) {
      this.error = message(err)
    }
  }

  /** Resume: the re-picked files must be the package's files (same paths and sizes). */
  private async resume (): Promise<void> {
    const draft = this.draft
    if (draft === undefined) return
    const byPath = new Map(this.files.map(f => [f.path, f]))
    const missing = draft.files.filter(f => byPath.get(f.path)?.file.size !== f.sizeBytes)
    if (missing.length > 0) {
      this.error = `Pick the same files again: ${missing.length} of ${draft.files.length} are missing or changed (${missing.slice(0, 3).map(f => f.path).join(', ')}${missing.length > 3 ? ', …' : ''}).`
      return
    }
    this.error = ''
    const remembered = this.pending.get(draft.id)
    if (remembered === undefined) {
      this.pending.save({
        packageId: draft.id, title: draft.title, startedAtMs: Date.now(), donePaths: [],
        files: draft.files.map(f => ({ path: f.path, sizeBytes: f.sizeBytes, lastModifiedMs: byPath.get(f.path)?.file.lastModified ?? 0 }))
      })
    }
    const files = draft.files.map(f => byPath.get(f.path)).filter((f): f is PickedFile => f !== undefined)
    try {
      await this.upload(draft.id, files, remembered?.donePaths ?? [])
    } catch (err) {
      this.error = message(err)
    }
  }

  private async upload (packageId: string, files: PickedFile[], donePaths: string[]): Promise<void> {
    let grant: TransferGrant = await this.api.uploadGrant(packageId)
    const uploader = this.uploader = new PackageUploader({
      packageId, files, grant, pending: this.pending, donePaths,
      renewGrant: async () => { grant = await this.api.uploadGrant(packageId); return grant }
    })
    uploader.addEventListener('progress', () => { this.schedulePaint() })
    this.phase = 'uploading'
    this.snapshot = uploader.snapshot()
    try {
      await uploader.run()
    } finally {
      this.snapshot = uploader.snapshot()
    }
    this.phase = 'sealing'
    // Empty folders travel as records, not uploads: the zip and the CLI recreate them.
    for (const folder of this.picked.filter(e => e.kind === 'folder')) await recordEmptyFolder(grant, packageId, folder.path)
    const receipt = await completeUpload(grant, packageId)
    await this.api.submitReceipt(packageId, receipt, grant.nodeId)
    this.pending.remove(packageId)
    this.phase = 'sent'
    navigate(`/packages/${encodeURIComponent(packageId)}`)
  }

  private schedulePaint (): void {
    if (this.paintTimer !== undefined) return
    this.paintTimer = setTimeout(() => {
      this.paintTimer = undefined
      if (this.uploader !== undefined) this.snapshot = this.uploader.snapshot()
    }, progressPaintMs)
  }

  private togglePause (): void {
    const uploader = this.uploader
    if (uploader === undefined) return
    if (uploader.snapshot().paused) uploader.resume()
    else uploader.pause()
    this.snapshot = uploader.snapshot()
  }

  override render (): TemplateResult {
    switch (this.phase) {
      case 'compose': return this.renderCompose()
      case 'resume': return this.renderResume()
      case 'uploading':
      case 'sealing':
        return html`
          <h1>Sending ${this.draft?.title ?? ''}</h1>
          ${this.error === '' ? nothing : html`<p class="error" role="alert">${this.error}</p>`}
          <ferry-upload-progress .snapshot=${this.snapshot}></ferry-upload-progress>
          <p class="row">
            ${this.phase === 'sealing'
              ? html`<span role="status">Checking the files on the node…</span>`
              : html`<button class="primary" @click=${() => { this.togglePause() }}>${this.snapshot?.paused === true ? 'Resume' : 'Pause'}</button>`}
          </p>
          <p class="hint">You can close this page: open the draft again and pick the same files to carry on where it stopped.</p>`
      case 'sent': return html`<p role="status">Sent.</p>`
    }
  }

  private renderPendingBanner (): TemplateResult | typeof nothing {
    const list = this.pendingList.filter(p => p.packageId !== this.draftId)
    if (list.length === 0) return nothing
    return html`
      <aside class="card pending" aria-labelledby="pending-heading">
        <h2 id="pending-heading">Unfinished uploads</h2>
        <ul>${list.map(p => html`<li><a href="/drafts/${encodeURIComponent(p.packageId)}">${p.title || '(untitled)'}</a>
          <span class="hint">${p.donePaths.length} of ${p.files.length} files sent</span></li>`)}</ul>
      </aside>`
  }

  private renderResume (): TemplateResult {
    const draft = this.draft
    if (draft === undefined) return html`${this.error === '' ? html`<p role="status">Loading…</p>` : html`<p class="error" role="alert">${this.error}</p>`}`
    const remembered = this.pending.get(draft.id)
    const matched = new Set(this.files.map(f => f.path))
    const found = draft.files.filter(f => matched.has(f.path)).length
    return html`
      <h1>Resume “${draft.title || '(untitled)'}”</h1>
      <p>${remembered === undefined ? 'This draft has not been sent yet.' : `${remembered.donePaths.length} of ${draft.files.length} files were sent before.`}
        Pick the same ${draft.files.length === 1 ? 'file' : 'files or folder'} again; what is already on the node is not sent twice.</p>
      <ferry-file-drop-zone prompt="Drop the same files or folder here" @picked=${(e: CustomEvent<PickedEntry[]>) => { this.onPicked(e.detail) }}></ferry-file-drop-zone>
      <p data-testid="resume-match">${found} of ${draft.files.length} files found (${formatBytes(draft.sizeBytes)}).</p>
      ${this.error === '' ? nothing : html`<p class="error" role="alert">${this.error}</p>`}
      <p class="row"><button class="primary" ?disabled=${found === 0} @click=${() => { void this.resume() }}>Resume upload</button></p>`
  }

  private renderCompose (): TemplateResult {
    const inbox = this.targetInbox
    const files = this.files
    const totalBytes = files.reduce((s, f) => s + f.file.size, 0)
    return html`
      ${this.renderPendingBanner()}
      <h1>New package</h1>
      <form @submit=${(e: SubmitEvent) => { void this.send(e) }} novalidate>
        <ferry-recipient-input .api=${this.api} .value=${this.recipients} label="To"
          @change=${(e: CustomEvent<Recipient[]>) => { this.recipients = e.detail }}></ferry-recipient-input>
        <label for="title">Title</label>
        <input id="title" name="title" required maxlength="200">
        <label for="note">Note</label>
        <textarea id="note" name="note" rows="4" maxlength="10000"></textarea>
        ${inbox === undefined || inbox.metadataFields.length === 0
          ? nothing
          : html`<fieldset><legend>Details for ${inbox.name}</legend>${inbox.metadataFields.map(f => this.metadataInput(f))}</fieldset>`}
        <div class="two">
          <div><label for="expires">Expires on</label><input id="expires" name="expires" type="date" aria-describedby="expires-hint">
            <p id="expires-hint" class="hint">Empty: the portal's default.</p></div>
          <div><label for="downloadLimit">Download limit</label><input id="downloadLimit" name="downloadLimit" type="number" min="1" step="1" aria-describedby="limit-hint">
            <p id="limit-hint" class="hint">Empty: no limit.</p></div>
        </div>
        <h2>Files</h2>
        <ferry-file-drop-zone @picked=${(e: CustomEvent<PickedEntry[]>) => { this.onPicked(e.detail) }}></ferry-file-drop-zone>
        ${this.picked.length === 0 ? nothing : html`
          <p data-testid="picked-summary">${files.length} files, ${formatBytes(totalBytes)}</p>
          <ul class="picked" aria-label="Chosen files">
            ${this.picked.slice(0, 300).map(e => html`<li><span class="path">${e.path}${e.kind === 'folder' ? '/' : ''}</span>
              <span class="hint">${e.kind === 'file' ? formatBytes(e.file.size) : 'empty folder'}</span>
              <button type="button" class="remove" aria-label="Remove ${e.path}" @click=${() => { this.removePicked(e.path) }}>×</button></li>`)}
            ${this.picked.length > 300 ? html`<li class="hint">and ${this.picked.length - 300} more</li>` : nothing}
          </ul>`}
        ${this.error === '' ? nothing : html`<p class="error" role="alert">${this.error}</p>`}
        <p class="row"><button class="primary" type="submit">Send</button></p>
      </form>`
  }

  private metadataInput (field: MetadataField): TemplateResult {
    const id = `meta-${field.name}`
    const label = field.label ?? field.name
    if (field.type === 'boolean') {
      return html`<label class="check"><input type="checkbox" id=${id} name=${id}> ${label}</label>`
    }
    if (field.type === 'option') {
      return html`<label for=${id}>${label}${field.required ? ' *' : ''}</label>
        <select id=${id} name=${id} ?required=${field.required}><option value="">—</option>${(field.options ?? []).map(o => html`<option>${o}</option>`)}</select>`
    }
    const type = field.type === 'number' ? 'number' : field.type === 'date' ? 'date' : 'text'
    return html`<label for=${id}>${label}${field.required ? ' *' : ''}</label><input id=${id} name=${id} type=${type} ?required=${field.required}>`
  }

  static override styles = [themeStyles, css`
    :host { display: block; max-width: 52rem; }
    .two { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
    fieldset { border: 1px solid var(--ferry-border); border-radius: var(--ferry-radius); margin-top: 1rem; }
    label.check { display: flex; gap: .5rem; align-items: center; font-weight: 400; }
    label.check input { width: auto; min-height: 0; }
    .picked { list-style: none; padding: 0; max-height: 18rem; overflow: auto; border: 1px solid var(--ferry-border); border-radius: var(--ferry-radius); }
    .picked li { display: flex; gap: .5rem; align-items: center; padding: .2rem .5rem; border-bottom: 1px solid var(--ferry-border); }
    .picked .path { flex: 1; overflow-wrap: anywhere; }
    .picked .remove { min-height: 1.6rem; padding: 0 .5rem; }
    .pending { margin-bottom: 1rem; }
    .pending ul { margin: 0; padding-left: 1.2rem; }
    @media (max-width: 640px) { .two { grid-template-columns: 1fr; } }
  `]
}

function message (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

customElements.define('ferry-new-package', NewPackagePage)
