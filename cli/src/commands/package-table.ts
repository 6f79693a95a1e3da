// Prints package listings (inbox, sent) as an aligned table, or JSON with --json.
import type { CliContext } from '../cli-context.js'
import type { PackageSummaryInfo } from '../portal/portal-client.js'
import { formatBytes } from '../progress/progress-reporter.js'

export function printPackageTable (ctx: CliContext, packages: PackageSummaryInfo[], empty: string): void {
  if (packages.length === 0) {
    ctx.stdout.write(empty + '\n')
    return
  }
  const rows = packages.map(p => [p.id, p.state, formatDate(p.sentAtMs !== undefined && p.sentAtMs > 0 ? p.sentAtMs : p.createdAtMs), p.senderName, String(p.fileCount), formatBytes(p.sizeBytes), p.title])
  printTable(ctx, ['ID', 'STATE', 'DATE', 'FROM', 'FILES', 'SIZE', 'TITLE'], rows)
}

export function printTable (ctx: CliContext, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n'
  ctx.stdout.write(line(header))
  for (const row of rows) ctx.stdout.write(line(row))
}

export function formatDate (ms: number | undefined): string {
  if (ms === undefined || ms === 0) return '-'
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ')
}
