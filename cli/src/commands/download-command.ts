// `ferry download <id>` and `ferry download --new`: fetches packages from the nearest node, resumably; --new fetches each new package once (cron-safe).
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { isFerryError } from '@ferry/protocol'
import { validateRelativePath } from '@ferry/protocol/manifest/validate-relative-path'
import { join, resolve } from 'node:path'
import type { Command, CliContext } from '../cli-context.js'
import { parseCommandArgs } from '../parse-command-args.js'
import { UsageError } from '../usage-error.js'
import { rateSettingsFrom } from '../rate-options.js'
import { ConfigStore, type SavedLogin } from '../config/config-store.js'
import { loggedInClient } from '../portal/logged-in-client.js'
import type { PackageFileInfo, PortalClient } from '../portal/portal-client.js'
import { fileSha256 } from '../transfer/file-sha256.js'
import { downloadJournalPath } from '../transfer/download-journal.js'
import { createProgressReporter, formatBytes, type ProgressReporter } from '../progress/progress-reporter.js'
import { probeAndReportNearest } from '../transfer/nearest-node.js'
import { downloadPackage, type TransferChoice } from '../transfer/package-transfer.js'
import { LockFile } from '../transfer/lock-file.js'
import { TRANSPORT_OPTIONS, TRANSPORT_USAGE, transferChoice } from '../transfer/transport-options.js'
import type { RateSettings } from '@ferry/protocol/congestion/rate-controller'

const USAGE = `Usage: ferry download <id> [--dest DIR] [options]
       ferry download --new [--dest DIR] [options]

Fetches a package's files from your nearest node, over UDP (or the HTTP gateway when UDP is blocked).
Interrupted? Run it again: files already verified are kept, partial ones continue.

  <id>          the package (see \`ferry inbox\`); its files go into DIR (default: ./<id>)
  --new         every package in your inbox not fetched before, each into DIR/<id> (default DIR: .);
                each package is fetched once. Safe to run from cron: a lock stops overlapping runs.

Options:
  --dest DIR           where to put the files
${TRANSPORT_USAGE}
`

interface FetchContext {
  ctx: CliContext
  client: PortalClient
  reporter: ProgressReporter
  rate: RateSettings
  choice: TransferChoice
  stateDir: string
  json: boolean
}

export const downloadCommand: Command = {
  name: 'download',
  summary: 'fetch a package, or every new package (--new)',
  usage: USAGE,
  async run (args, ctx) {
    const { values, positionals } = parseCommandArgs('download', args, { ...TRANSPORT_OPTIONS, dest: { type: 'string', short: 'd' }, new: { type: 'boolean' } })
    const fetchNew = values.new === true
    if (fetchNew && positionals.length > 0) throw new UsageError('give either a package id or --new, not both')
    if (!fetchNew && positionals.length !== 1) throw new UsageError('download takes one package id (see `ferry inbox`), or --new')
    const rate = rateSettingsFrom(values)
    const choice = await transferChoice(values, ctx)
    const json = values.json === true
    const { client, login } = await loggedInClient(ctx)
    const stateDir = join(new ConfigStore(ctx.env).dir, 'state')
    const fc: FetchContext = { ctx, client, reporter: createProgressReporter(ctx, { json }), rate, choice, stateDir, json }
    await probeAndReportNearest(client, ctx.signal)
    if (!fetchNew) {
      const id = positionals[0]!
      await fetchOne(fc, id, resolve(values.dest ?? id))
      return 0
    }
    return await fetchAllNew(fc, login, resolve(values.dest ?? '.'))
  }
}

/**
 * How long to wait for the near node while the holding node copies the package to it (ms), before fetching from the
 * holder directly: long enough for small packages to arrive near, short enough that nobody waits on a slow copy.
 */
const REPLICATION_WAIT_MS = 20_000
/** Pause between two looks at a package still arriving on the near node (ms). */
const REPLICATION_POLL_MS = 1_000

async function fetchOne (fc: FetchContext, id: string, destinationDir: string): Promise<void> {
  const pkg = await fc.client.getPackage(id)
  await mkdir(destinationDir, { recursive: true })
  const startedMs = performance.now()
  let bytes = 0
  let via: 'udp' | 'gateway' = 'udp'
  const deadlineMs = Date.now() + REPLICATION_WAIT_MS
  let replicating = false
  let fromNode: string | undefined
  for (;;) {
    const present = await verifiedLocalFiles(pkg.files, destinationDir, fc.ctx.signal)
    const missing = pkg.files.filter(f => !present.has(f.path))
    if (missing.length === 0) break
    const grant = await fc.client.downloadGrant(id, fromNode === undefined ? {} : { nodeId: fromNode })
    if (grant.replicationId !== undefined) replicating = true
    // Ask only for what is missing, unless an interrupted UDP download left a journal to resume from as it was.
    const journal = await stat(downloadJournalPath(fc.stateDir, id, destinationDir)).catch(() => undefined)
    const paths = present.size === 0 || journal !== undefined ? undefined : missing.map(f => f.path)
    try {
      const outcome = await downloadPackage({ pkg: id, token: grant.token, node: grant.node, files: missing, ...(paths === undefined ? {} : { paths }), destinationDir, rate: fc.rate, reporter: fc.reporter, stateDir: fc.stateDir, signal: fc.ctx.signal }, fc.choice)
      bytes += outcome.bytes
      via = outcome.via
      if (outcome.receipt !== undefined) await fc.client.submitReceipt(id, grant.node.id, outcome.receipt)
    } catch (err) {
      // The near node is still receiving the package from the one holding it: fetch what has arrived, then the rest;
      // if that takes too long, fetch from the holder itself.
      const arriving = replicating && fromNode === undefined && isFerryError(err) && ARRIVING_CODES.has(err.code)
      if (!arriving) throw err
      if (Date.now() > deadlineMs && pkg.uploadNodeId !== undefined) {
        fromNode = pkg.uploadNodeId
        fc.reporter.notice(`the near node ${grant.node.name} is still receiving the package; fetching from the node that holds it`, { fromNode })
      } else {
        await new Promise(resolve => setTimeout(resolve, REPLICATION_POLL_MS))
      }
    }
  }
  const seconds = (performance.now() - startedMs) / 1000
  fc.reporter.finish({ id, bytes, seconds, files: pkg.files.length, via })
  if (fc.json) fc.ctx.stdout.write(JSON.stringify({ type: 'downloaded', id, dest: destinationDir, files: pkg.files.length, bytes, via }) + '\n')
  else fc.ctx.stdout.write(`Downloaded ${id} (${pkg.title}) into ${destinationDir}: ${pkg.files.length} file(s), ${formatBytes(pkg.files.reduce((n, f) => n + f.sizeBytes, 0))}\n`)
}

/** Node codes that mean "not (all) here yet" while a replication runs. */
const ARRIVING_CODES = new Set(['FERRY_NODE_PACKAGE_UNKNOWN', 'FERRY_NODE_FILE_UNKNOWN', 'FERRY_GATEWAY_FILE_INCOMPLETE', 'FERRY_GATEWAY_PACKAGE_INCOMPLETE', 'FERRY_GATEWAY_PACKAGE_UNKNOWN', 'FERRY_GATEWAY_FILE_UNKNOWN'])

/** Package files already in the destination under their final name with the right size and SHA-256. */
async function verifiedLocalFiles (files: PackageFileInfo[], destinationDir: string, signal: AbortSignal): Promise<Set<string>> {
  const present = new Set<string>()
  for (const file of files) {
    const target = join(destinationDir, validateRelativePath(file.path))
    const info = await stat(target).catch(() => undefined)
    if (info?.isFile() !== true || info.size !== file.sizeBytes) continue
    if (file.sha256 === undefined || await fileSha256(target, signal) === file.sha256) present.add(file.path)
  }
  return present
}


async function fetchAllNew (fc: FetchContext, login: SavedLogin, destRoot: string): Promise<number> {
  // One state file per portal account: which packages were fetched, so each is fetched once whatever the destination.
  const account = createHash('sha256').update(`${login.portalUrl}\n${login.user}`).digest('hex').slice(0, 16)
  const lock = await LockFile.acquire(join(fc.stateDir, `download-new-${account}.lock`))
  try {
    const stateFile = join(fc.stateDir, `download-new-${account}.json`)
    const state = await readFile(stateFile, 'utf8').then(t => JSON.parse(t) as { fetched: string[] }).catch(() => ({ fetched: [] as string[] }))
    const fetched = new Set(state.fetched)
    const fresh = (await fc.client.inbox()).filter(p => !fetched.has(p.id) && (p.state === 'sent' || p.state === 'downloaded'))
    if (fresh.length === 0) {
      if (fc.json) fc.ctx.stdout.write(JSON.stringify({ type: 'nothing-new' }) + '\n')
      else fc.ctx.stdout.write('No new packages.\n')
      return 0
    }
    let failures = 0
    // Oldest first, so a run cut short leaves the newest for next time rather than a gap.
    for (const summary of fresh.reverse()) {
      try {
        await fetchOne(fc, summary.id, join(destRoot, summary.id))
        fetched.add(summary.id)
        await mkdir(fc.stateDir, { recursive: true, mode: 0o700 })
        await writeFile(stateFile + '.tmp', JSON.stringify({ fetched: [...fetched] }))
        await rename(stateFile + '.tmp', stateFile)
      } catch (err) {
        if (fc.ctx.signal.aborted) throw err
        failures++
        fc.reporter.notice(`could not fetch ${summary.id} (${(err as Error).message}); it will be tried again next run`, { failed: summary.id })
      }
    }
    return failures === 0 ? 0 : 1
  } finally {
    await lock.release()
  }
}
