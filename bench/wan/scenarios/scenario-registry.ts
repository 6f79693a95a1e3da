// The WAN lab's named scenarios beyond the profile matrix (many small files, fairness with TCP, kill -9 and resume).
import type { ScenarioResult } from '../wan-results.js'
import type { WanLab } from '../wan-lab.js'

export interface ScenarioOptions {
  json: boolean
  maxSeconds: number
  log: (line: string) => void
}

type Scenario = (lab: WanLab, options: ScenarioOptions) => Promise<ScenarioResult>

const scenarios: Record<string, Scenario> = {}

export const scenarioNames = Object.keys(scenarios)

export async function runScenario (name: string, lab: WanLab, options: ScenarioOptions): Promise<ScenarioResult> {
  const scenario = scenarios[name]
  if (scenario === undefined) throw new Error(`unknown scenario "${name}"`)
  return await scenario(lab, options)
}
