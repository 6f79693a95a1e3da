// The WAN lab's named scenarios beyond the profile matrix (many small files, fairness with TCP, kill -9 and resume).
import type { ScenarioResult } from '../wan-results.js'
import type { WanLab } from '../wan-lab.js'
import { fairnessScenario } from './fairness.js'
import { resumeScenario } from './resume.js'
import { smallFilesScenario } from './small-files.js'

export interface ScenarioOptions {
  json: boolean
  /** Time limit for one transfer, in seconds (scenarios may allow more for their larger transfers). */
  maxSeconds: number
  /** Only these tools, where a scenario compares several. */
  tools?: string[]
  /** Overrides the small-files count (10,000), for quick runs. */
  smallFileCount?: number
  log: (line: string) => void
}

type Scenario = (lab: WanLab, options: ScenarioOptions) => Promise<ScenarioResult>

const scenarios: Record<string, Scenario> = {
  'small-files': smallFilesScenario,
  fairness: fairnessScenario,
  resume: resumeScenario
}

export const scenarioNames = Object.keys(scenarios)

export async function runScenario (name: string, lab: WanLab, options: ScenarioOptions): Promise<ScenarioResult> {
  const scenario = scenarios[name]
  if (scenario === undefined) throw new Error(`unknown scenario "${name}"`)
  return await scenario(lab, options)
}
