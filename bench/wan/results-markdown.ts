// Writes the WAN lab's section of bench/RESULTS.md (between its own markers, so other benchmarks keep their sections) from bench/wan/results.json.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { WanResult, WanResults } from './wan-results.js'

export const resultsMarkdownPath = join(import.meta.dirname, '..', 'RESULTS.md')
const begin = '<!-- wan-lab:begin (written by bench/wan/run.ts; edits inside are overwritten) -->'
const end = '<!-- wan-lab:end -->'

/** A file size as the table says it: 64 MiB, 1 GiB. */
function sizeLabel (bytes: number): string {
  return bytes >= 1024 ** 3 && bytes % 1024 ** 3 === 0 ? `${bytes / 1024 ** 3} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`
}

/** The file size of the latest matrix run: the table's size, named in its heading; rows of other sizes (older runs) are marked in their cells. */
function latestFileBytes (rows: WanResult[]): number {
  return rows.reduce((latest, r) => r.at > latest.at ? r : latest).fileBytes
}

function cell (r: WanResult | undefined, tableBytes: number): string {
  if (r === undefined) return ''
  const mark = !r.completed ? ' (stopped)' : r.sha256ok === false ? ' ✗sha' : ''
  const size = r.fileBytes === tableBytes ? '' : ` [${sizeLabel(r.fileBytes)}]`
  return `${r.goodputMbps.toFixed(1)}${mark}${size}`
}

/** Ferry's goodput against the yardsticks, where the row has them: capacity × (1 − loss), then BBR and uftp on the same file size. */
function ferryRatios (ferry: WanResult | undefined, others: Array<WanResult | undefined>): string[] {
  if (ferry === undefined) return ['', ...others.map(() => '')]
  const ideal = ferry.capacityMbps * (1 - ferry.lossPct / 100)
  const against = (other: WanResult | undefined): string =>
    other === undefined || other.goodputMbps <= 0 || other.fileBytes !== ferry.fileBytes ? '' : `${(ferry.goodputMbps / other.goodputMbps).toFixed(2)} ×`
  return [`${(100 * ferry.goodputMbps / ideal).toFixed(1)} %`, ...others.map(against)]
}

export function wanSection (results: WanResults, chartFile: string): string {
  const lines: string[] = ['## WAN lab (bench/wan)', '']
  lines.push('Userspace link emulator on TUN devices between two network namespaces (bench/wan/link-emulator.c), baselines and Ferry on the same link, each run as real processes. ' +
    'Goodput is the file bytes delivered × 8 / the transfer time; `(stopped)` marks a transfer cut at the time limit, its goodput counted on the bytes that arrived by then. ' +
    'How each tool\'s time is taken: see docs/wan-lab.md.', '')
  if (results.machine !== undefined) lines.push(`Machine: ${results.machine}`, '')
  if (results.validation !== undefined) {
    lines.push(`### Emulator validation (${results.validation.at}, load average ${results.validation.loadAvg1m ?? '?'})`, '', '| check | asked | measured | error | ok | how |', '|---|---|---|---|---|---|')
    for (const c of results.validation.checks) lines.push(`| ${c.what} | ${c.asked} ${c.unit} | ${c.measured} ${c.unit} | ${c.errorPct} % | ${c.ok ? 'yes' : '**no**'} | ${c.how} |`)
    lines.push('')
  }
  if (results.matrix.length > 0) {
    const tools = [...new Set(results.matrix.map(r => r.tool))].sort()
    const profiles = [...new Map(results.matrix.map(r => [`${r.capacityMbps}:${r.rttMs}:${r.lossPct}`, r])).values()]
    const tableBytes = latestFileBytes(results.matrix)
    lines.push(`### Goodput (Mbit/s) by profile and tool, ${sizeLabel(tableBytes)} file`, '', `![goodput against loss](${chartFile})`, '',
      `A cell measured with another file size says so in brackets. The last three columns put Ferry against capacity × (1 − loss), and against BBR and uftp on the same file.`, '')
    lines.push(`| capacity Mbit/s | RTT ms | loss % | capacity × (1 − loss) | ${tools.join(' | ')} | ferry, % of capacity × (1 − loss) | ferry ÷ iperf3-bbr | ferry ÷ uftp |`,
      `|---|---|---|---|${tools.map(() => '---|').join('')}---|---|---|`)
    for (const p of profiles) {
      const find = (tool: string): WanResult | undefined => results.matrix.find(r => r.tool === tool && r.capacityMbps === p.capacityMbps && r.rttMs === p.rttMs && r.lossPct === p.lossPct)
      const row = tools.map(t => cell(find(t), tableBytes))
      lines.push(`| ${p.capacityMbps} | ${p.rttMs} | ${p.lossPct} | ${(p.capacityMbps * (1 - p.lossPct / 100)).toFixed(1)} | ${row.join(' | ')} | ${ferryRatios(find('ferry'), [find('iperf3-bbr'), find('uftp')]).join(' | ')} |`)
    }
    lines.push('', '<details><summary>Every run: bytes, seconds, CPU, checksum</summary>', '',
      '| tool | capacity | RTT ms | loss % | bytes | goodput Mbit/s | seconds | wall s | CPU s | sha256 ok | completed | when | load avg | notes |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for (const r of results.matrix) {
      lines.push(`| ${r.tool} | ${r.capacityMbps} | ${r.rttMs} | ${r.lossPct} | ${r.bytes} | ${r.goodputMbps} | ${r.seconds} | ${r.wallSeconds} | ${r.cpuSeconds} | ${r.sha256ok} | ${r.completed} | ${r.at} | ${r.loadAvg1m ?? ''} | ${r.notes ?? ''} |`)
    }
    lines.push('', '</details>', '')
  }
  for (const s of results.scenarios) {
    lines.push(`### Scenario: ${s.scenario} (${s.at}, load average ${s.loadAvg1m ?? '?'})`, '', s.summary, '')
    const keys = [...new Set(s.rows.flatMap(r => Object.keys(r)))]
    if (keys.length > 0) {
      lines.push(`| ${keys.join(' | ')} |`, `|${keys.map(() => '---|').join('')}`)
      for (const r of s.rows) lines.push(`| ${keys.map(k => String(r[k] ?? '')).join(' | ')} |`)
      lines.push('')
    }
  }
  return lines.join('\n')
}

/** Replaces the WAN section of bench/RESULTS.md, creating the file or the section as needed. */
export function writeResultsMarkdown (results: WanResults, chartFile: string): void {
  const section = `${begin}\n${wanSection(results, chartFile)}\n${end}`
  let text = existsSync(resultsMarkdownPath) ? readFileSync(resultsMarkdownPath, 'utf8') : '# Benchmark results\n\nMeasured by the benchmarks in bench/; every figure comes from a real run.\n'
  const from = text.indexOf(begin)
  const to = text.indexOf(end)
  if (from >= 0 && to > from) text = text.slice(0, from) + section + text.slice(to + end.length)
  else text = text.trimEnd() + '\n\n' + section + '\n'
  writeFileSync(resultsMarkdownPath, text)
}
