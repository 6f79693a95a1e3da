// Runs an approved agent transfer with the CLI's own transports (UDP first, the gateway when UDP is blocked), recording progress on its record.
import { join } from 'node:path'
import { mkdir } from 'node:fs/promises'
import { isFerryError } from '@ferry/protocol'
import type { CliContext } from '../cli-context.js'
import type { ProgressReporter, ProgressSnapshot } from '../progress/progress-reporter.js'
import { rateSettingsFrom } from '../rate-options.js'
import { collectLocalFiles } from '../transfer/local-file-set.js'
import { downloadPackage, uploadPackage, type TransferChoice } from '../transfer/package-transfer.js'
import type { AgentTransferRecord } from './agent-transfer-record.js'

export interface RunnerDeps {
  ctx: CliContext
  choice: TransferChoice
  /** Folder for resume journals and gateway upload URLs. */
  stateDir: string
  /** Called after every change worth persisting or showing (throttled by the caller if needed). */
  onChange: (record: AgentTransferRecord) => void
  /** One line for the person at the terminal. */
  log: (line: string) => void
}

export async function runAgentTransfer (record: AgentTransferRecord, deps: RunnerDeps, signal: AbortSignal): Promise<void> {
  const { spec } = record
  const rate = { ...rateSettingsFrom({}), ...spec.rate }
  const reporter = recordReporter(record, deps)
  record.state = 'running'
  record.error = undefined
  deps.onChange(record)
  try {
    if (spec.direction === 'download') {
      const destinationDir = record.destination!
      await mkdir(destinationDir, { recursive: true })
      const outcome = await downloadPackage({ pkg: spec.packageId, token: spec.token, node: spec.node, files: spec.files ?? [], destinationDir, rate, reporter, stateDir: deps.stateDir, signal }, deps.choice)
      record.receipt = outcome.receipt
      record.via = outcome.via
      record.bytesDone = record.bytesTotal = outcome.files.reduce((n, f) => n + f.sizeBytes, 0)
      record.filesDone = record.filesTotal = outcome.files.length
    } else {
      const set = await collectLocalFiles(spec.localPaths ?? [])
      const outcome = await uploadPackage({ pkg: spec.packageId, token: spec.token, node: spec.node, files: set.files, emptyFolders: set.emptyFolders, rate, reporter, stateDir: deps.stateDir, signal }, deps.choice)
      record.receipt = outcome.receipt
      record.via = outcome.via
      record.bytesDone = record.bytesTotal = set.bytesTotal
      record.filesDone = record.filesTotal = set.files.length
    }
    record.state = 'complete'
    record.rateBitsPerSec = 0
    record.etaSeconds = 0
    deps.log(`${spec.direction} of ${spec.packageId} complete (${record.via ?? 'udp'})${record.destination === undefined ? '' : ` into ${record.destination}`}`)
  } catch (err) {
    if (signal.aborted) return // the agent is stopping: the record stays `running` and resumes at the next start
    record.state = 'failed'
    record.error = isFerryError(err) ? { code: err.code, message: err.message } : { code: 'FERRY_AGENT_TRANSFER_FAILED', message: (err as Error).message }
    deps.log(`${spec.direction} of ${spec.packageId} failed: ${record.error.message} (${record.error.code})`)
  }
  deps.onChange(record)
}

/** Where a download goes: one folder per package under the agent's download folder; the page never chooses the path. */
export function downloadDestination (downloadDir: string, packageId: string): string {
  return join(downloadDir, packageId.replace(/[^A-Za-z0-9_-]/g, '_'))
}

function recordReporter (record: AgentTransferRecord, deps: RunnerDeps): ProgressReporter {
  return {
    start (info) {
      record.bytesTotal = info.bytesTotal
      record.filesTotal = info.filesTotal
      record.via = info.via.startsWith('udp') ? 'udp' : 'gateway'
      deps.onChange(record)
    },
    update (s: ProgressSnapshot) {
      record.bytesDone = s.bytesDone
      record.bytesTotal = s.bytesTotal
      record.rateBitsPerSec = s.rateBitsPerSec
      record.etaSeconds = Number.isFinite(s.etaSeconds) ? s.etaSeconds : null
      record.filesDone = s.filesDone ?? record.filesDone
      record.filesTotal = s.filesTotal ?? record.filesTotal
      record.currentFile = typeof s.currentFile === 'string' ? s.currentFile : s.currentFile?.relativePath
      deps.onChange(record)
    },
    notice (text) { deps.log(text) },
    finish () {}
  }
}
