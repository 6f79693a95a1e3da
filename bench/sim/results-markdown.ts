// The simulator's summary table (terminal and markdown) and its section of bench/RESULTS.md, between its own markers so other benchmarks keep theirs.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { IP_UDP_OVERHEAD_BYTES, MAX_DATAGRAM_BYTES, MAX_PAYLOAD_BYTES, WIRE_VERSION } from '../../protocol/src/wire/datagram-codec.js'
import type { SimRow } from './scenarios.js'

export const resultsMarkdownPath = join(import.meta.dirname, '..', 'RESULTS.md')
const begin = '<!-- sim:begin (written by bench/sim/run.ts --results; edits inside are overwritten) -->'
const end = '<!-- sim:end -->'

/** How a run went: when, on what machine load, with which options. */
export interface SimRunInfo {
  startedAt: string
  /** os.loadavg() at the start and at the end of the run (1, 5, 15 min). */
  loadAverageStart: number[]
  loadAverageEnd: number[]
  wallSeconds: number
  bytesPerScenario: number
  quick: boolean
  jobs: number
  node: string
  command: string
  /** The commit the simulated code came from, when known. */
  commit?: string
}

const f = (n: number | null | undefined, digits: number): string => n === null || n === undefined ? '' : n.toFixed(digits)

function notes (r: SimRow): string {
  const parts: string[] = []
  if (r.shareFirst !== undefined) parts.push(`shares ${f(r.shareFirst * 100, 1)} / ${f(r.shareSecond! * 100, 1)} %`)
  if (r.lowShareOfLink2sAfterFairStart !== undefined) parts.push(`low at ${f(r.lowShareOfLink2sAfterFairStart * 100, 1)} % of the link 2–3 s after fair starts`)
  if (r.senderStalledFraction !== undefined) parts.push(`stalled: sender ${f(r.senderStalledFraction * 100, 1)} %, receiver ${f(r.receiverStalledFraction! * 100, 1)} % of the time; ${r.stallDroppedDatagrams} datagrams overflowed a receive buffer`)
  return parts.join('; ')
}

function goalCell (r: SimRow, markdown: boolean): string {
  return r.unmetGoals.length === 0 ? 'met' : `${markdown ? '**unmet**' : 'UNMET'}: ${r.unmetGoals.join('; ')}`
}

const headers = ['scenario', 'goodput Mbit/s', 'efficiency', 'bound', 'once at 90 %', 'redundant', 'max queue ms', 'standing queue ms', '90 % after s', 'virtual s', 'wall s', 'CPU s', 'goal', 'notes']

function cells (r: SimRow, markdown: boolean): string[] {
  return [r.scenario, f(r.goodputMbps, 1), f(r.efficiency, 3), f(r.efficiencyBound, 3), f(r.steadyEfficiency, 3), f(r.redundantRatio, 4), f(r.maxQueueDelayMs, 1), f(r.standingQueueDelayMs, 1),
    f(r.secondsTo90PctCapacity, 1), f(r.virtualSeconds, 1), f(r.wallSeconds, 1), f(r.cpuSeconds, 1), goalCell(r, markdown), notes(r)]
}

/** The rows as a markdown table. */
export function markdownTable (rows: SimRow[]): string {
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---|').join('')}`]
  for (const r of rows) lines.push(`| ${cells(r, true).join(' | ')} |`)
  return lines.join('\n')
}

/** The rows as an aligned plain-text table for a terminal. */
export function textTable (rows: SimRow[]): string {
  const table = [headers, ...rows.map(r => cells(r, false))]
  const widths = headers.map((_, i) => Math.max(...table.map(row => row[i]!.length)))
  return table.map(row => row.map((c, i) => i >= headers.length - 2 ? c : c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')
}

export function simSection (rows: SimRow[], info: SimRunInfo): string {
  const met = rows.filter(r => r.unmetGoals.length === 0).length
  const cpuMinutes = rows.reduce((n, r) => n + (r.cpuSeconds ?? 0), 0) / 60
  const load = (l: number[]): string => l.map(x => x.toFixed(2)).join(' / ')
  return [
    '## Simulator (bench/sim)', '',
    'Real Ferry sender and receiver sessions (real codec, real per-datagram AEAD, the real rate controller) over a simulated path in virtual time: ' +
    'a bottleneck of the given capacity with a drop-tail queue of max(20 ms, RTT), one-way delay RTT/2, random loss on each direction, from fixed seeds (any run replays). ' +
    '`efficiency` = goodput ÷ (capacity × (1 − loss) × payloadFraction), goodput counted from session start to the last file verified; ' +
    `payloadFraction = ${rows[0]?.payloadFraction.toFixed(4) ?? '?'} (${MAX_PAYLOAD_BYTES} payload bytes in ${MAX_DATAGRAM_BYTES + IP_UDP_OVERHEAD_BYTES} on the wire: Ferry header, data frame header, 16-byte tag, 28 bytes IP/UDP; wire version ${WIRE_VERSION}). ` +
    '`bound` = the best efficiency any sender could reach under this timing: the data at the link\'s rate plus the last datagram\'s one-way delay and the repair of the last RTT\'s losses (protocol/spec-rate-control.md §7); ' +
    'where it is below the goal, the goal cannot be met by any rate controller. ' +
    '`fair` flows are told the link\'s rate (RateSettings.pathBitsPerSec, as a user who knows their link), so their first RTT is paced at it; target 2 × capacity. ' +
    '`once at 90 %` = the same efficiency counted only from the end of the first 100 ms at ≥ 90 % of capacity to completion (not an issue figure: ' +
    'it tells holding the link apart from the start, which a 1 GiB transfer at 1 Gbit/s — 9 s — cannot amortize at long RTTs). ' +
    '`redundant` = bytes resent beyond those lost ÷ payload. Goals are issue 3\'s; the stall scenario\'s goal is this bench\'s own (see bench/sim/goals.ts).', '',
    `Run: \`${info.command}\`${info.commit === undefined ? '' : ` on commit ${info.commit}`}, started ${info.startedAt}, ${info.bytesPerScenario / 2 ** 20} MiB per single-flow scenario (two-flow: up to 512 MiB each), ` +
    `${info.jobs} job(s), Node ${info.node}; load average (1/5/15 min) ${load(info.loadAverageStart)} at the start, ${load(info.loadAverageEnd)} at the end ` +
    `(2 shared cores; wall times depend on it). Whole run: ${(info.wallSeconds / 60).toFixed(1)} min wall, ${cpuMinutes.toFixed(1)} min CPU in the simulations. Cipher: ${[...new Set(rows.map(r => r.cipher))].join(', ')}.`, '',
    `Goals met in ${met} of ${rows.length} scenarios.`, '',
    markdownTable(rows)
  ].join('\n')
}

/** Replaces the simulator's section of bench/RESULTS.md, creating the file or the section as needed. */
export function writeResultsMarkdown (rows: SimRow[], info: SimRunInfo, path = resultsMarkdownPath): void {
  const section = `${begin}\n${simSection(rows, info)}\n${end}`
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n\nMeasured by the benchmarks in bench/; every figure comes from a real run.\n'
  const from = text.indexOf(begin)
  const to = text.indexOf(end)
  if (from >= 0 && to > from) text = text.slice(0, from) + section + text.slice(to + end.length)
  else text = `${text.trimEnd()}\n\n${section}\n`
  writeFileSync(path, text)
}
