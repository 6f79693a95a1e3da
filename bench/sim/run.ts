// bench:sim — real Ferry sessions over the simulated path in virtual time: issue 3's matrix, two fair flows, low yielding to fair, CPU stalls.
// Usage: npm run bench:sim -- [--json] [--quick] [--bytes N] [--only SUBSTRING] [--jobs N] [--results [--results-path FILE] [--commit SHA]] [--from FILE.json]
//   --json     print the JSON array of rows on stdout (progress goes to stderr); otherwise progress lines and a summary table
//   --quick    CI size: 64 MiB per scenario, matrix rows at 100 Mbit/s × {10, 200} ms and 1 Gbit/s × 100 ms only
//   --jobs N   run N scenarios at once in child processes (default 1)
//   --results  write the "Simulator (bench/sim)" section of bench/RESULTS.md (or --results-path) from this run; --commit names the code's commit
//   --from F   no run: read rows from F (a saved --json output) and print / write them
import '../../protocol/src/polyfill/promise-with-resolvers.js'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { allScenarios, type Scenario, type SimRow } from './scenarios.js'
import { textTable, writeResultsMarkdown, type SimRunInfo } from './results-markdown.js'

const args = process.argv.slice(2)
const json = args.includes('--json')
const quick = args.includes('--quick')
const writeResults = args.includes('--results')
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined }
const GiB = 1024 ** 3
const bytesPerScenario = Number(flag('--bytes') ?? (quick ? 64 * 1024 * 1024 : GiB))
const only = flag('--only')
/** Exactly one scenario, by name: how --jobs runs each scenario in its own process. */
const exact = flag('--scenario')
const jobs = Math.max(1, Number(flag('--jobs') ?? 1))
const from = flag('--from')
const resultsPath = flag('--results-path')
const commit = flag('--commit')

function progress (r: SimRow): string {
  const goal = r.unmetGoals.length === 0 ? 'goals met' : `UNMET: ${r.unmetGoals.join('; ')}`
  return `${r.scenario.padEnd(30)} goodput ${r.goodputMbps.toFixed(1).padStart(7)} Mbit/s  eff ${r.efficiency.toFixed(3)}  redundant ${r.redundantRatio.toFixed(4)}  ` +
    `queue ${r.maxQueueDelayMs.toFixed(1)} ms  ${r.virtualSeconds.toFixed(1)} s virtual, ${r.wallSeconds.toFixed(1)} s wall${r.ok ? '' : '  FAILED'}  ${goal}`
}

/** Runs one scenario in a child process (same runtime and loader flags) and returns its row. */
function runInChild (s: Scenario): Promise<SimRow> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--json', '--scenario', s.name, '--bytes', String(bytesPerScenario)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
    child.on('error', reject)
    child.on('close', code => {
      if (code !== 0) { reject(new Error(`scenario ${s.name} exited with ${code}`)); return }
      try { resolve((JSON.parse(out) as SimRow[])[0]!) } catch (err) { reject(err as Error) }
    })
  })
}

async function runAll (selected: Scenario[]): Promise<SimRow[]> {
  const rows: Array<SimRow | undefined> = new Array(selected.length)
  // A child run for --jobs reports nothing itself: its parent prints the row as it comes in.
  const report = (r: SimRow): void => { if (exact === undefined) (json ? process.stderr : process.stdout).write(progress(r) + '\n') }
  if (jobs === 1) {
    selected.forEach((s, i) => { rows[i] = s.run(bytesPerScenario); report(rows[i]!) })
    return rows as SimRow[]
  }
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < selected.length) {
      const i = next++
      rows[i] = await runInChild(selected[i]!)
      report(rows[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, selected.length) }, worker))
  return rows as SimRow[]
}

const startedAt = new Date().toISOString()
const loadAverageStart = loadavg()
const t0 = performance.now()
let rows: SimRow[]
if (from !== undefined) {
  rows = JSON.parse(readFileSync(from, 'utf8')) as SimRow[]
} else {
  const selected = allScenarios().filter(s => exact !== undefined ? s.name === exact : (only === undefined || s.name.includes(only)) && (!quick || s.quick))
  rows = await runAll(selected)
}
const info: SimRunInfo = {
  startedAt, loadAverageStart, loadAverageEnd: loadavg(), wallSeconds: (performance.now() - t0) / 1000, bytesPerScenario, quick, jobs, node: process.version,
  command: `npm run bench:sim -- ${args.filter((a, i) => a !== '--results' && !['--results-path', '--commit'].includes(a) && !['--results-path', '--commit'].includes(args[i - 1]!)).join(' ')}`.trim(),
  commit
}
if (json) console.log(JSON.stringify(rows, null, 2))
else if (exact === undefined) console.log(`\n${textTable(rows)}\n\n${rows.filter(r => r.unmetGoals.length === 0).length} of ${rows.length} scenarios met their goals; ${(info.wallSeconds / 60).toFixed(1)} min wall, load average ${info.loadAverageEnd.map(x => x.toFixed(2)).join(' / ')}`)
if (writeResults) {
  if (from !== undefined) throw new Error('--results with --from: the run info of the saved rows is unknown; write results from the run itself')
  writeResultsMarkdown(rows, info, resultsPath)
  process.stderr.write(`wrote the simulator section of ${resultsPath ?? 'bench/RESULTS.md'} (${rows.length} scenarios)\n`)
}
