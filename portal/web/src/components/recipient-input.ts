// <ferry-recipient-input>: recipients as removable chips, with an accessible autocomplete (ARIA combobox) over the
// portal's users, groups and shared inboxes; a typed email address becomes an outside recipient.
import { LitElement, css, html, nothing, type TemplateResult } from 'lit'
import type { Recipient, RecipientSuggestion } from '../api/api-types.js'
import type { PortalApi } from '../api/portal-api.js'
import { themeStyles } from '../theme-styles.js'

/** Wait after the last keystroke before asking the portal (ms): one request per pause in typing, not per key. */
const suggestDelayMs = 150
const emailPattern = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/

export class RecipientInput extends LitElement {
  static override properties = {
    api: { attribute: false },
    value: { attribute: false },
    label: {},
    query: { state: true },
    suggestions: { state: true },
    active: { state: true },
    expanded: { state: true }
  }

  declare api: PortalApi
  declare value: Recipient[]
  declare label: string
  declare query: string
  declare suggestions: RecipientSuggestion[]
  declare active: number
  declare expanded: boolean
  private timer: ReturnType<typeof setTimeout> | undefined
  private abort: AbortController | undefined

  constructor () {
    super()
    this.value = []
    this.label = 'Recipients'
    this.query = ''
    this.suggestions = []
    this.active = -1
    this.expanded = false
  }

  private onInput (event: InputEvent): void {
    this.query = (event.target as HTMLInputElement).value
    clearTimeout(this.timer)
    if (this.query.trim() === '') {
      this.close()
      return
    }
    this.timer = setTimeout(() => { void this.suggest() }, suggestDelayMs)
  }

  private async suggest (): Promise<void> {
    this.abort?.abort()
    const abort = this.abort = new AbortController()
    const q = this.query.trim()
    try {
      const found = await this.api.suggestRecipients(q, abort.signal)
      if (abort.signal.aborted) return
      const taken = new Set(this.value.map(r => `${r.kind}:${r.ref}`))
      this.suggestions = found.filter(s => !taken.has(`${s.kind}:${s.ref}`))
    } catch {
      if (abort.signal.aborted) return
      this.suggestions = []
    }
    if (emailPattern.test(q) && !this.suggestions.some(s => s.kind === 'email' && s.ref === q)) {
      this.suggestions = [...this.suggestions, { kind: 'email', ref: q, label: q, detail: 'outside address' }]
    }
    this.expanded = this.suggestions.length > 0
    this.active = this.expanded ? 0 : -1
  }

  private onKeyDown (event: KeyboardEvent): void {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (!this.expanded) return
      event.preventDefault()
      const step = event.key === 'ArrowDown' ? 1 : -1
      this.active = (this.active + step + this.suggestions.length) % this.suggestions.length
    } else if (event.key === 'Enter' || event.key === ',' || event.key === ';' || (event.key === 'Tab' && this.query.trim() !== '')) {
      const pick = this.expanded && this.active >= 0 ? this.suggestions[this.active] : undefined
      const q = this.query.trim()
      if (pick !== undefined) {
        event.preventDefault()
        this.add(pick)
      } else if (emailPattern.test(q)) {
        event.preventDefault()
        this.add({ kind: 'email', ref: q, label: q })
      } else if (event.key === 'Enter') {
        event.preventDefault() // never submit the form from a half-typed recipient
      }
    } else if (event.key === 'Escape' && this.expanded) {
      event.preventDefault()
      this.close()
    } else if (event.key === 'Backspace' && this.query === '' && this.value.length > 0) {
      this.removeRecipient(this.value.length - 1)
    }
  }

  private add (recipient: Recipient): void {
    const { kind, ref, label, spec } = recipient
    if (!this.value.some(r => r.kind === kind && r.ref === ref)) this.value = [...this.value, { kind, ref, label, ...(spec === undefined ? {} : { spec }) }]
    this.query = ''
    this.close()
    this.changed()
  }

  private removeRecipient (index: number): void {
    this.value = this.value.filter((_, i) => i !== index)
    this.changed()
    this.renderRoot.querySelector<HTMLInputElement>('input')?.focus()
  }

  private close (): void {
    this.expanded = false
    this.suggestions = []
    this.active = -1
  }

  private changed (): void {
    this.dispatchEvent(new CustomEvent('change', { detail: this.value, bubbles: true, composed: true }))
  }

  /** Commits a typed but not yet confirmed email address (called before the form is sent). */
  commitTyped (): void {
    const q = this.query.trim()
    if (emailPattern.test(q)) this.add({ kind: 'email', ref: q, label: q })
  }

  override render (): TemplateResult {
    const activeId = this.active >= 0 ? `option-${this.active}` : ''
    return html`
      <label id="label" for="input">${this.label}</label>
      <div class="box" @click=${() => { this.renderRoot.querySelector<HTMLInputElement>('input')?.focus() }}>
        <ul class="chips" aria-label="Chosen recipients">
          ${this.value.map((r, i) => html`
            <li class="chip ${r.kind}">
              <span>${r.label}</span><span class="visually-hidden"> (${r.kind})</span>
              <button type="button" aria-label="Remove ${r.label}" @click=${() => { this.removeRecipient(i) }}>×</button>
            </li>`)}
        </ul>
        <input id="input" role="combobox" autocomplete="off" aria-autocomplete="list" aria-controls="listbox"
          aria-expanded=${String(this.expanded)} aria-activedescendant=${activeId}
          aria-describedby="hint" placeholder=${this.value.length === 0 ? 'Name, group, inbox or email' : ''}
          .value=${this.query} @input=${this.onInput} @keydown=${this.onKeyDown}
          @blur=${() => { setTimeout(() => { this.close() }, 150) }}>
      </div>
      <p id="hint" class="hint">Type to search; Enter adds; Backspace removes the last one.</p>
      <ul id="listbox" role="listbox" aria-labelledby="label" ?hidden=${!this.expanded}>
        ${this.suggestions.map((s, i) => html`
          <li id="option-${i}" role="option" aria-selected=${String(i === this.active)}
            @mousedown=${(e: Event) => { e.preventDefault(); this.add(s) }}>
            <strong>${s.label}</strong> <span class="hint">${s.detail ?? s.kind}</span>
          </li>`)}
      </ul>
      ${nothing}`
  }

  static override styles = [themeStyles, css`
    :host { display: block; position: relative; }
    .box { display: flex; flex-wrap: wrap; gap: .3rem; align-items: center; border: 1px solid var(--ferry-border);
      border-radius: var(--ferry-radius); padding: .25rem; background: var(--ferry-surface); }
    .box:focus-within { outline: 3px solid var(--ferry-focus); outline-offset: 1px; }
    .chips { display: contents; list-style: none; }
    .chip { display: inline-flex; align-items: center; gap: .2rem; background: var(--ferry-bg); border: 1px solid var(--ferry-border);
      border-radius: 999px; padding: 0 .2rem 0 .6rem; max-width: 100%; overflow-wrap: anywhere; }
    .chip button { border: 0; background: none; min-height: 1.6rem; padding: 0 .4rem; }
    input { border: 0; flex: 1; min-width: 10rem; outline: none; }
    [role=listbox] { position: absolute; left: 0; right: 0; z-index: 10; list-style: none; margin: 0; padding: .25rem 0;
      background: var(--ferry-surface); border: 1px solid var(--ferry-border); border-radius: var(--ferry-radius);
      box-shadow: 0 6px 20px rgba(0,0,0,.15); max-height: 16rem; overflow: auto; }
    [role=listbox][hidden] { display: none; }
    [role=option] { padding: .4rem .7rem; cursor: pointer; }
    [role=option][aria-selected=true] { background: var(--ferry-accent); color: var(--ferry-accent-text); }
    [role=option][aria-selected=true] .hint { color: inherit; }
  `]
}

customElements.define('ferry-recipient-input', RecipientInput)
