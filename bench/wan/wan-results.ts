// The WAN lab's measured results, kept in bench/wan/results.json so partial runs (one profile, one tool) update their rows and the report is rebuilt from all of them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ValidationCheck } from './validate.js'

/** One tool on one profile: the JSON line `npm run bench:wan -- --json` prints. */
export interface WanResult {
  tool: string
  capacityMbps: number
  rttMs: number
  lossPct: number
  /** Bytes that arrived whole (the file size when completed). */
  bytes: number
  goodputMbps: number
  seconds: number
  cpuSeconds: number
  /** The received file's SHA-256 equals the source's; null for memory-to-memory tools (iperf3) that write no file. */
  sha256ok: boolean | null
  completed: boolean
  wallSeconds: number
  fileBytes: number
  notes?: string
  at: string
  /** The machine's 1-minute load average when the row was measured: figures taken above ~2 (the core count) are suspect. */
  loadAvg1m?: number
}

/** A scenario (many small files, fairness, resume): named rows of measured figures. */
export interface ScenarioResult {
  scenario: string
  at: string
  summary: string
  rows: Array<Record<string, string | number | boolean>>
  /** The 1-minute load average when the scenario ended. */
  loadAvg1m?: number
}

export interface WanResults {
  machine?: string
  validation?: { at: string, checks: ValidationCheck[], loadAvg1m?: number }
  matrix: WanResult[]
  scenarios: ScenarioResult[]
}

export const resultsPath = join(import.meta.dirname, 'results.json')

export function loadResults (): WanResults {
  if (!existsSync(resultsPath)) return { matrix: [], scenarios: [] }
  return JSON.parse(readFileSync(resultsPath, 'utf8')) as WanResults
}

export function saveResults (results: WanResults): void {
  results.matrix.sort((a, b) => a.rttMs - b.rttMs || a.lossPct - b.lossPct || a.capacityMbps - b.capacityMbps || a.tool.localeCompare(b.tool))
  writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n')
}

/** Replaces the row of the same tool and profile, or adds it. */
export function upsertResult (results: WanResults, row: WanResult): void {
  const index = results.matrix.findIndex(r => r.tool === row.tool && r.capacityMbps === row.capacityMbps && r.rttMs === row.rttMs && r.lossPct === row.lossPct)
  if (index >= 0) results.matrix[index] = row
  else results.matrix.push(row)
}

export function upsertScenario (results: WanResults, scenario: ScenarioResult): void {
  results.scenarios = results.scenarios.filter(s => s.scenario !== scenario.scenario)
  results.scenarios.push(scenario)
}
