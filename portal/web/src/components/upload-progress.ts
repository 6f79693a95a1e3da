// <ferry-upload-progress>: a package upload's progress in total and per file, with rate and ETA, announced politely.
import { LitElement, css, html, nothing, type TemplateResult } from 'lit'
import { formatBytes, formatRate } from '../format/format-bytes.js'
import { formatDuration } from '../format/format-duration.js'
import type { FileUploadState, UploaderSnapshot } from '../upload/package-uploader.js'
import { themeStyles } from '../theme-styles.js'

/** Rows drawn at most; a 100 000-file package would otherwise stall the page. Active and failed files come first. */
const maxRows = 200

export class UploadProgress extends LitElement {
  static override properties = { snapshot: { attribute: false } }

  declare snapshot: UploaderSnapshot | undefined

  override render (): TemplateResult {
    const s = this.snapshot
    if (s === undefined) return html``
    const { total } = s
    const percent = total.bytesTotal === 0 ? (s.done ? 100 : 0) : Math.floor(total.bytesDone * 100 / total.bytesTotal)
    const doneCount = s.files.filter(f => f.status === 'done').length
    const order: Record<FileUploadState['status'], number> = { failed: 0, uploading: 1, paused: 2, waiting: 3, done: 4 }
    const rows = [...s.files].sort((a, b) => order[a.status] - order[b.status]).slice(0, maxRows)
    const state = s.error !== undefined ? 'Failed' : s.done ? 'Done' : s.paused ? 'Paused' : 'Uploading'
    return html`
      <section aria-labelledby="progress-heading">
        <h2 id="progress-heading">${state}: ${percent}%</h2>
        <progress max="100" .value=${percent} aria-label="Total upload progress" aria-valuetext="${percent}%, ${formatBytes(total.bytesDone)} of ${formatBytes(total.bytesTotal)}"></progress>
        <p class="totals" data-testid="upload-totals">
          <span>${formatBytes(total.bytesDone)} of ${formatBytes(total.bytesTotal)}</span>
          <span>${doneCount} of ${s.files.length} files</span>
          <span>${s.paused || s.done ? '–' : formatRate(total.rateBytesPerSec)}</span>
          <span>${s.done ? 'finished' : s.paused ? 'paused' : `${formatDuration(total.etaMs)} left`}</span>
        </p>
        <p class="visually-hidden" aria-live="polite">${state}, ${Math.floor(percent / 10) * 10}%</p>
        ${s.error === undefined ? nothing : html`<p class="error" role="alert">${s.error}</p>`}
        <table class="stack" aria-label="Files">
          <thead><tr><th>File</th><th class="num">Size</th><th>Progress</th><th class="num">Rate</th><th class="num">ETA</th></tr></thead>
          <tbody>${rows.map(f => this.row(f))}</tbody>
        </table>
        ${s.files.length > maxRows ? html`<p class="hint">${s.files.length - maxRows} more files not shown.</p>` : nothing}
      </section>`
  }

  private row (f: FileUploadState): TemplateResult {
    const percent = f.bytesTotal === 0 ? (f.status === 'done' ? 100 : 0) : Math.floor(f.bytesDone * 100 / f.bytesTotal)
    return html`
      <tr class=${f.status}>
        <td data-label="File" class="path">${f.path}</td>
        <td class="num" data-label="Size">${formatBytes(f.bytesTotal)}</td>
        <td data-label="Progress"><progress max="100" .value=${percent} aria-label="${f.path}: ${percent}%"></progress> <span class="status">${f.status === 'uploading' ? `${percent}%` : f.status}</span>
          ${f.error === undefined ? nothing : html`<span class="error">${f.error}</span>`}</td>
        <td class="num" data-label="Rate">${f.status === 'uploading' ? formatRate(f.rateBytesPerSec) : '–'}</td>
        <td class="num" data-label="ETA">${f.status === 'uploading' ? formatDuration(f.etaMs) : '–'}</td>
      </tr>`
  }

  static override styles = [themeStyles, css`
    :host { display: block; }
    progress { width: 100%; height: 1rem; accent-color: var(--ferry-accent); }
    td progress { width: 6rem; height: .7rem; vertical-align: middle; }
    .totals { display: flex; flex-wrap: wrap; gap: .4rem 1.25rem; color: var(--ferry-muted); font-variant-numeric: tabular-nums; }
    .path { overflow-wrap: anywhere; }
    tr.done .status { color: var(--ferry-ok); }
    tr.failed .status { color: var(--ferry-danger); }
  `]
}

customElements.define('ferry-upload-progress', UploadProgress)
