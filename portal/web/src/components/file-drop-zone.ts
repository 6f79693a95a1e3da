// <ferry-file-drop-zone>: drop files or whole folders (tree kept), or pick them with buttons; fires `picked` with entries.
import { LitElement, css, html, type TemplateResult } from 'lit'
import type { PickedEntry } from '../upload/picked-entry.js'
import { readDroppedItems, readInputFiles } from '../upload/read-dropped-items.js'
import { themeStyles } from '../theme-styles.js'

export class FileDropZone extends LitElement {
  static override properties = { over: { state: true }, reading: { state: true }, prompt: {} }

  declare over: boolean
  declare reading: boolean
  declare prompt: string

  constructor () {
    super()
    this.over = false
    this.reading = false
    this.prompt = 'Drop files or folders here'
  }

  private onDragOver (event: DragEvent): void {
    event.preventDefault()
    if (event.dataTransfer !== null) event.dataTransfer.dropEffect = 'copy'
    this.over = true
  }

  private onDrop (event: DragEvent): void {
    event.preventDefault()
    this.over = false
    if (event.dataTransfer === null) return
    // readDroppedItems takes the entries synchronously, inside the event; only the folder walk is asynchronous.
    const reading = readDroppedItems(event.dataTransfer)
    this.reading = true
    void reading.then(entries => { this.emit(entries) }).finally(() => { this.reading = false })
  }

  private onInput (event: Event): void {
    const input = event.target as HTMLInputElement
    if (input.files !== null && input.files.length > 0) this.emit(readInputFiles(input.files))
    input.value = '' // picking the same folder again must fire change again
  }

  private emit (entries: PickedEntry[]): void {
    this.dispatchEvent(new CustomEvent<PickedEntry[]>('picked', { detail: entries, bubbles: true, composed: true }))
  }

  override render (): TemplateResult {
    return html`
      <div class="zone ${this.over ? 'over' : ''}" role="group" aria-labelledby="zone-label"
        @dragover=${this.onDragOver} @dragleave=${() => { this.over = false }} @drop=${this.onDrop}>
        <p id="zone-label">${this.reading ? 'Reading folders…' : this.prompt}</p>
        <div class="row">
          <button type="button" @click=${() => { this.renderRoot.querySelector<HTMLInputElement>('#files')?.click() }}>Add files…</button>
          <button type="button" @click=${() => { this.renderRoot.querySelector<HTMLInputElement>('#folder')?.click() }}>Add a folder…</button>
        </div>
        <input id="files" data-testid="file-input" class="visually-hidden" type="file" multiple tabindex="-1" aria-hidden="true" @change=${this.onInput}>
        <input id="folder" data-testid="folder-input" class="visually-hidden" type="file" webkitdirectory multiple tabindex="-1" aria-hidden="true" @change=${this.onInput}>
      </div>`
  }

  static override styles = [themeStyles, css`
    :host { display: block; }
    .zone { border: 2px dashed var(--ferry-border); border-radius: var(--ferry-radius); padding: 1.25rem; text-align: center;
      background: var(--ferry-surface); }
    .zone.over { border-color: var(--ferry-accent); background: color-mix(in srgb, var(--ferry-accent) 8%, var(--ferry-surface)); }
    .row { justify-content: center; }
    p { margin: 0 0 .75rem; color: var(--ferry-muted); }
  `]
}

customElements.define('ferry-file-drop-zone', FileDropZone)
