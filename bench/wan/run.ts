// The WAN lab's entry point (`npm run bench:wan -- …`): validates the emulator, runs every tool on every profile, prints JSON lines, writes bench/RESULTS.md and the chart.
import '@ferry/protocol/polyfill/promise-with-resolvers'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'
import { goodputChart } from './goodput-chart.js'
import { defaultProfiles, parseProfile, profileLabel, type LinkProfile } from './link-profile.js'
import { writeResultsMarkdown } from './results-markdown.js'
import { runScenario, scenarioNames } from './scenarios/scenario-registry.js'
import { bytesUnder, sha256File, writeRandomFile } from './source-file.js'
import { allTools } from './tools/tool-registry.js'
import type { WanTool } from './tools/wan-tool.js'
import { validateEmulator } from './validate.js'
import { loadResults, saveResults, upsertResult, upsertScenario, type ScenarioResult, type WanResult, type WanResults } from './wan-results.js'
import { labUnavailableReason, WanLab } from './wan-lab.js'

/**
 * Default file size, in bytes: 512 MiB is ~45 s at the link rate. Ferry's fixed costs — set-up, the one-way delay, the last
 * repairs and the receiver's confirmation, about 1.5 s at 300 ms and 5 % loss — are then ~3 % of the time rather than ~20 %
 * at 64 MiB, so the figures say how well each tool fills the link, which is what the matrix is for. `--bytes 64M` gives the quick matrix.
 */
const defaultBytes = 512 * 1024 * 1024
/** Default per-transfer time limit, in seconds: twice a 512 MiB file at the link rate; loss-bound CUBIC at 300 ms / 5 % would need hours. */
const defaultMaxSeconds = 90
const chartFile = 'wan/goodput-vs-loss.svg'

const usage = `usage: npm run bench:wan -- [--validate] [--json] [--profile CAPACITY_MBPS:RTT_MS:LOSS_PCT[:QUEUE_MS] ...]
         [--tools name,name] [--bytes N[K|M|G]] [--max-seconds S] [--scenario ${scenarioNames.join('|')} ...] [--files N] [--no-write]
  tools: ${allTools().map(t => t.name).join(', ')}
  With neither --validate nor --scenario, runs the profile matrix (default: 100 Mbit/s × RTT 0,50,100,200,300 ms × loss 0,0.5,1,2,5 %).`

function parseBytes (text: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMG]?)i?B?$/i.exec(text)
  if (match === null) throw new Error(`bad --bytes "${text}"`)
  const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[match[2]!.toUpperCase() as '' | 'K' | 'M' | 'G']
  return Math.round(Number(match[1]) * scale)
}

function machineLine (lab: WanLab): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Linux ${release()}, Node ${process.version}, kernel TCP default in the namespaces: ${lab.defaultCongestionControl()}`
}

async function runMatrix (lab: WanLab, profiles: LinkProfile[], tools: WanTool[], bytes: number, maxSeconds: number, json: boolean): Promise<WanResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'ferry-wan-'))
  const rows: WanResult[] = []
  try {
    const sourcePath = join(work, 'payload.bin')
    const sourceSha256 = writeRandomFile(sourcePath, bytes)
    for (const profile of profiles) {
      await lab.setProfile(profile)
      for (const tool of tools) {
        const receiveDir = join(work, 'receive')
        const scratchDir = join(work, 'scratch')
        rmSync(receiveDir, { recursive: true, force: true })
        rmSync(scratchDir, { recursive: true, force: true })
        mkdirSync(receiveDir, { mode: 0o777 })
        mkdirSync(scratchDir, { mode: 0o700 })
        process.stderr.write(`wan: ${profileLabel(profile)} ${tool.name} … `)
        let row: WanResult
        const at = new Date().toISOString()
        const loadAvg1m = Number(loadavg()[0]!.toFixed(2))
        try {
          const m = await tool.run({ lab, profile, sourcePath, sizeBytes: bytes, receiveDir, scratchDir, timeoutMs: maxSeconds * 1000 })
          const destination = join(receiveDir, basename(sourcePath))
          const sha256ok = m.fileless === true ? null : m.completed && existsSync(destination) && await sha256File(destination) === sourceSha256
          const delivered = m.bytesReceived ?? (m.completed && sha256ok === true ? bytes : Math.min(bytes, bytesUnder(receiveDir)))
          row = {
            tool: tool.name, ...profileFields(profile), bytes: delivered,
            goodputMbps: round(delivered * 8 / m.seconds / 1e6, 2), seconds: round(m.seconds, 3), cpuSeconds: round(m.cpuSeconds, 2),
            sha256ok, completed: m.completed, wallSeconds: round(m.wallSeconds, 3), fileBytes: bytes, ...(m.notes === undefined ? {} : { notes: m.notes }), at, loadAvg1m
          }
        } catch (err) {
          row = {
            tool: tool.name, ...profileFields(profile), bytes: 0, goodputMbps: 0, seconds: 0, cpuSeconds: 0, sha256ok: false, completed: false,
            wallSeconds: 0, fileBytes: bytes, notes: `failed: ${(err as Error).message.split('\n')[0]!.slice(0, 200)}`, at, loadAvg1m
          }
        }
        process.stderr.write(`${row.goodputMbps} Mbit/s in ${row.seconds} s${row.sha256ok === false ? ' (sha256 NOT verified)' : ''}${row.notes === undefined ? '' : ` — ${row.notes}`}\n`)
        if (json) process.stdout.write(JSON.stringify(row) + '\n')
        rows.push(row)
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  return rows
}

function profileFields (p: LinkProfile): { capacityMbps: number, rttMs: number, lossPct: number } {
  return { capacityMbps: p.capacityMbps, rttMs: p.rttMs, lossPct: p.lossPct }
}

function round (value: number, digits: number): number {
  return Number(value.toFixed(digits))
}

async function main (): Promise<number> {
  const { values } = parseArgs({
    options: {
      validate: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      profile: { type: 'string', multiple: true },
      tools: { type: 'string' },
      bytes: { type: 'string' },
      'max-seconds': { type: 'string' },
      scenario: { type: 'string', multiple: true },
      'no-write': { type: 'boolean', default: false },
      files: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', default: false }
    }
  })
  if (values.help) { process.stdout.write(usage + '\n'); return 0 }
  const unavailable = labUnavailableReason()
  if (unavailable !== undefined) { process.stderr.write(`wan: cannot run the WAN lab here: ${unavailable}\n`); return 2 }
  const profiles = values.profile?.map(parseProfile) ?? defaultProfiles()
  const known = allTools()
  const wanted = values.tools?.split(',').map(s => s.trim()).filter(Boolean)
  for (const name of wanted ?? []) if (!known.some(t => t.name === name) && !['tar-ssh'].includes(name)) throw new Error(`unknown tool "${name}"; known: ${known.map(t => t.name).join(', ')}`)
  const tools = known.filter(t => wanted === undefined || wanted.includes(t.name)).filter(t => {
    const reason = t.unavailableReason()
    if (reason !== undefined) process.stderr.write(`wan: skipping ${t.name}: ${reason}\n`)
    return reason === undefined
  })
  const bytes = values.bytes === undefined ? defaultBytes : parseBytes(values.bytes)
  const maxSeconds = values['max-seconds'] === undefined ? defaultMaxSeconds : Number(values['max-seconds'])
  const scenarios = values.scenario ?? []
  for (const s of scenarios) if (!scenarioNames.includes(s)) throw new Error(`unknown scenario "${s}"; known: ${scenarioNames.join(', ')}`)
  const write = !values['no-write']

  const lab = await WanLab.create({ seed: values.seed === undefined ? 1 : Number(values.seed) })
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`wan: ${signal}: tearing the lab down\n`)
    lab.closeSync()
    process.exit(130)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  // gathered here and merged into results.json only at the end, re-read then, so runs side by side do not lose each other's rows
  const rows: WanResult[] = []
  const doneScenarios: ScenarioResult[] = []
  let validation: WanResults['validation']
  let machine: string | undefined
  let failed = false
  try {
    machine = machineLine(lab)
    if (values.validate) {
      const checks = await validateEmulator(lab, line => process.stderr.write(`wan: validate: ${line}\n`))
      if (values.json) for (const c of checks) process.stdout.write(JSON.stringify(c) + '\n')
      validation = { at: new Date().toISOString(), checks, loadAvg1m: Number(loadavg()[0]!.toFixed(2)) }
      failed = checks.some(c => !c.ok)
    }
    for (const name of scenarios) {
      const scenario = await runScenario(name, lab, {
        json: values.json, maxSeconds, log: line => process.stderr.write(`wan: ${name}: ${line}\n`),
        ...(wanted === undefined ? {} : { tools: wanted }), ...(values.files === undefined ? {} : { smallFileCount: Number(values.files) })
      })
      doneScenarios.push({ ...scenario, loadAvg1m: Number(loadavg()[0]!.toFixed(2)) })
    }
    if (!values.validate && scenarios.length === 0) rows.push(...await runMatrix(lab, profiles, tools, bytes, maxSeconds, values.json))
  } finally {
    await lab.close()
  }
  if (write) {
    const results = loadResults()
    if (machine !== undefined) results.machine = machine
    if (validation !== undefined) results.validation = validation
    for (const s of doneScenarios) upsertScenario(results, s)
    for (const row of rows) upsertResult(results, row)
    saveResults(results)
    if (results.matrix.length > 0) writeFileSync(join(import.meta.dirname, '..', chartFile), goodputChart(results.matrix, 'Goodput against random loss, per RTT (WAN lab, emulated link)'))
    writeResultsMarkdown(results, chartFile)
    process.stderr.write('wan: wrote bench/RESULTS.md, bench/wan/results.json and bench/' + chartFile + '\n')
  }
  return failed ? 1 : 0
}

main().then(code => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(`wan: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exitCode = 1
})
