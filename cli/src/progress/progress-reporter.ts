// Shows a transfer's progress: redrawn bars (total and current file, rate, ETA) on a terminal, NDJSON lines with --json, quiet otherwise.
import type { CliContext } from '../cli-context.js'
import { formatBitsPerSec } from '../rate-options.js'

/** What a transfer reports; the driver's TransferProgress has this shape (bytes, rate, ETA, current file). */
export interface ProgressSnapshot {
  bytesDone: number
  bytesTotal: number
  rateBitsPerSec: number
  etaSeconds: number
  filesDone?: number
  filesTotal?: number
  currentFile?: { relativePath: string, bytesDone: number, sizeBytes: number } | string
}

export interface ProgressReporter {
  /** A transfer (one package or one cp) starts. */
  start (info: { id: string, direction: 'upload' | 'download', bytesTotal: number, filesTotal: number, via: string }): void
  update (snapshot: ProgressSnapshot): void
  /** A human notice (e.g. falling back to the gateway); also an event in --json mode. */
  notice (text: string, fields?: Record<string, unknown>): void
  /** The transfer ended; clears the bars and prints one summary line. */
  finish (summary: { id: string, bytes: number, seconds: number, files: number, via: string }): void
}

/** Minimum gap between redraws (ms): 10 Hz is smooth enough and costs nothing next to the transfer. */
const REDRAW_INTERVAL_MS = 100
/** Minimum gap between JSON progress lines (ms): enough for a UI, not a flood for a log. */
const JSON_INTERVAL_MS = 250

export function createProgressReporter (ctx: CliContext, options: { json: boolean, nowMs?: () => number }): ProgressReporter {
  const nowMs = options.nowMs ?? (() => Date.now())
  if (options.json) return new JsonProgressReporter(ctx, nowMs)
  if (ctx.stderr.isTTY === true) return new TerminalProgressReporter(ctx, nowMs)
  return new PlainProgressReporter(ctx)
}

class JsonProgressReporter implements ProgressReporter {
  private lastMs = -Infinity
  private id = ''
  constructor (private readonly ctx: CliContext, private readonly nowMs: () => number) {}
  private emit (event: Record<string, unknown>): void { this.ctx.stdout.write(JSON.stringify(event) + '\n') }
  start (info: { id: string, direction: string, bytesTotal: number, filesTotal: number, via: string }): void {
    this.id = info.id
    this.emit({ type: 'start', ...info })
  }

  update (s: ProgressSnapshot): void {
    const now = this.nowMs()
    if (now - this.lastMs < JSON_INTERVAL_MS && s.bytesDone < s.bytesTotal) return
    this.lastMs = now
    const currentFile = typeof s.currentFile === 'string' ? { relativePath: s.currentFile } : s.currentFile
    this.emit({ type: 'progress', id: this.id, bytesDone: s.bytesDone, bytesTotal: s.bytesTotal, rateBitsPerSec: Math.round(s.rateBitsPerSec), etaSeconds: Number.isFinite(s.etaSeconds) ? Math.round(s.etaSeconds) : null, filesDone: s.filesDone, filesTotal: s.filesTotal, currentFile })
  }

  notice (text: string, fields: Record<string, unknown> = {}): void { this.emit({ type: 'notice', id: this.id, message: text, ...fields }) }
  finish (summary: { id: string, bytes: number, seconds: number, files: number, via: string }): void { this.emit({ type: 'complete', ...summary }) }
}

class PlainProgressReporter implements ProgressReporter {
  constructor (private readonly ctx: CliContext) {}
  start (info: { id: string, direction: string, bytesTotal: number, filesTotal: number, via: string }): void {
    this.ctx.stderr.write(`${info.direction === 'upload' ? 'Sending' : 'Fetching'} ${info.filesTotal} file(s), ${formatBytes(info.bytesTotal)} (${info.via})\n`)
  }

  update (): void {}
  notice (text: string): void { this.ctx.stderr.write(`ferry: ${text}\n`) }
  finish (s: { id: string, bytes: number, seconds: number, files: number, via: string }): void {
    this.ctx.stderr.write(`Done: ${s.files} file(s), ${formatBytes(s.bytes)} in ${s.seconds.toFixed(1)} s (${formatBitsPerSec(s.seconds > 0 ? s.bytes * 8 / s.seconds : 0)}, ${s.via})\n`)
  }
}

class TerminalProgressReporter implements ProgressReporter {
  private lastMs = -Infinity
  private drawnLines = 0
  private label = ''
  constructor (private readonly ctx: CliContext, private readonly nowMs: () => number) {}

  start (info: { id: string, direction: string, bytesTotal: number, filesTotal: number, via: string }): void {
    this.label = `${info.direction === 'upload' ? 'send' : 'fetch'} ${info.id}`
    this.ctx.stderr.write(`${info.direction === 'upload' ? 'Sending' : 'Fetching'} ${info.filesTotal} file(s), ${formatBytes(info.bytesTotal)} (${info.via})\n`)
  }

  update (s: ProgressSnapshot): void {
    const now = this.nowMs()
    if (now - this.lastMs < REDRAW_INTERVAL_MS && s.bytesDone < s.bytesTotal) return
    this.lastMs = now
    const width = Math.max(20, Math.min(this.ctx.stderr.columns ?? 80, 120))
    const eta = Number.isFinite(s.etaSeconds) && s.etaSeconds >= 0 ? formatSeconds(s.etaSeconds) : '--:--'
    const files = s.filesTotal !== undefined ? ` ${s.filesDone ?? 0}/${s.filesTotal} files` : ''
    const totalText = ` ${formatBytes(s.bytesDone)}/${formatBytes(s.bytesTotal)} ${formatBitsPerSec(s.rateBitsPerSec)} ETA ${eta}${files}`
    const lines = [`${bar(s.bytesDone, s.bytesTotal, Math.max(10, width - totalText.length - 8))}${totalText}`]
    const file = s.currentFile
    if (file !== undefined) {
      const name = typeof file === 'string' ? file : file.relativePath
      const fileText = typeof file === 'string' ? '' : ` ${formatBytes(file.bytesDone)}/${formatBytes(file.sizeBytes)}`
      const room = Math.max(10, width - 30)
      const shown = name.length > room ? '…' + name.slice(-(room - 1)) : name
      lines.push(typeof file === 'string' ? `  ${shown}` : `${bar(file.bytesDone, file.sizeBytes, 20)}${fileText} ${shown}`)
    }
    this.redraw(lines)
  }

  notice (text: string): void {
    this.redraw([])
    this.ctx.stderr.write(`ferry: ${text}\n`)
  }

  finish (s: { id: string, bytes: number, seconds: number, files: number, via: string }): void {
    this.redraw([])
    this.ctx.stderr.write(`Done ${this.label}: ${s.files} file(s), ${formatBytes(s.bytes)} in ${s.seconds.toFixed(1)} s (${formatBitsPerSec(s.seconds > 0 ? s.bytes * 8 / s.seconds : 0)}, ${s.via})\n`)
  }

  private redraw (lines: string[]): void {
    let out = ''
    if (this.drawnLines > 0) out += `\x1b[${this.drawnLines}A`
    out += '\x1b[0J' + lines.map(l => l + '\n').join('')
    this.drawnLines = lines.length
    this.ctx.stderr.write(out)
  }
}

function bar (done: number, total: number, width: number): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1
  const filled = Math.round(fraction * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`
}

export function formatBytes (bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++ }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`
}

function formatSeconds (seconds: number): string {
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}
