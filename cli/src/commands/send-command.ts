// `ferry send`: creates a package at the portal, uploads its files to the nearest node (UDP, or the gateway) and hands in the receipt.
import { createHash } from 'node:crypto'
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from '../cli-context.js'
import { parseCommandArgs } from '../parse-command-args.js'
import { UsageError } from '../usage-error.js'
import { parseDurationMs } from '../duration.js'
import { rateSettingsFrom } from '../rate-options.js'
import { ConfigStore } from '../config/config-store.js'
import { loggedInClient } from '../portal/logged-in-client.js'
import { createProgressReporter, formatBytes } from '../progress/progress-reporter.js'
import { collectLocalFiles } from '../transfer/local-file-set.js'
import { probeAndReportNearest } from '../transfer/nearest-node.js'
import { uploadPackage } from '../transfer/package-transfer.js'
import { TRANSPORT_OPTIONS, TRANSPORT_USAGE, transferChoice } from '../transfer/transport-options.js'

const USAGE = `Usage: ferry send --to RECIPIENT... [options] PATH...

Sends files and folders (empty ones included) as one package. Recipients: a user name, an email address,
group:NAME or inbox:NAME; repeat --to for several. The files go to your nearest node over UDP.
Interrupted? Run the same command again: it resumes the same package.

Options:
  --to RECIPIENT       who receives the package (repeatable, at least one)
  --title TEXT         the package title (default: the first path's name)
  --note TEXT          a message for the recipients
  --meta KEY=VALUE     a metadata field (repeatable)
  --expires DURATION   delete the package after this long, e.g. 7d, 12h
${TRANSPORT_USAGE}
`

export const sendCommand: Command = {
  name: 'send',
  summary: 'send files and folders to people as a package',
  usage: USAGE,
  async run (args, ctx) {
    const { values, positionals } = parseCommandArgs('send', args, {
      ...TRANSPORT_OPTIONS,
      to: { type: 'string', multiple: true },
      title: { type: 'string' },
      note: { type: 'string' },
      meta: { type: 'string', multiple: true },
      expires: { type: 'string' }
    })
    const to = values.to ?? []
    if (to.length === 0) throw new UsageError('send needs at least one --to RECIPIENT (a user, an email, group:NAME or inbox:NAME)')
    if (positionals.length === 0) throw new UsageError('send needs at least one PATH (a file or a folder)')
    const metadata: Record<string, string> = {}
    for (const pair of values.meta ?? []) {
      const eq = pair.indexOf('=')
      if (eq <= 0) throw new UsageError(`--meta takes KEY=VALUE, not "${pair}"`)
      metadata[pair.slice(0, eq)] = pair.slice(eq + 1)
    }
    const expiresInMs = values.expires === undefined ? undefined : parseDurationMs(values.expires, '--expires')
    const rate = rateSettingsFrom(values)
    const choice = await transferChoice(values, ctx)
    const json = values.json === true
    const set = await collectLocalFiles(positionals)
    if (set.files.length === 0 && set.emptyFolders.length === 0) throw new UsageError('nothing to send: the paths hold no files or folders')
    const title = values.title ?? set.files[0]?.relativePath.split('/')[0] ?? set.emptyFolders[0]!.split('/')[0]!
    const { client, login } = await loggedInClient(ctx)
    const reporter = createProgressReporter(ctx, { json })

    // The same command run again resumes the same package: its identity is what was asked and what is on disk.
    const stateDir = join(new ConfigStore(ctx.env).dir, 'state')
    const fingerprint = createHash('sha256')
    fingerprint.update(JSON.stringify([login.portalUrl, login.user, to, title, values.note ?? '', metadata]))
    for (const f of set.files) fingerprint.update(JSON.stringify([f.relativePath, f.sizeBytes, (await stat(f.absolutePath)).mtimeMs]))
    fingerprint.update(JSON.stringify(set.emptyFolders))
    const sendState = join(stateDir, `send-${fingerprint.digest('hex').slice(0, 32)}.json`)
    let pkgId = await readFile(sendState, 'utf8').then(t => (JSON.parse(t) as { pkg: string }).pkg).catch(() => undefined)

    if (pkgId === undefined) {
      const samples = await probeAndReportNearest(client, ctx.signal)
      if (samples.length > 0) {
        const nearest = samples.reduce((a, b) => a.rttMs <= b.rttMs ? a : b)
        reporter.notice(`nearest node: ${nearest.name} (${nearest.rttMs.toFixed(1)} ms)`, { nearest })
      }
      const pkg = await client.createPackage({
        recipients: to,
        title,
        note: values.note ?? '',
        metadata,
        ...(expiresInMs === undefined ? {} : { expiresInSec: Math.ceil(expiresInMs / 1000) }),
        files: set.files.map(f => ({ path: f.relativePath, sizeBytes: f.sizeBytes }))
      })
      pkgId = pkg.id
      await mkdir(stateDir, { recursive: true, mode: 0o700 })
      await writeFile(sendState, JSON.stringify({ pkg: pkgId }))
    } else {
      reporter.notice(`resuming package ${pkgId}`, { resumed: true })
    }

    const grant = await client.uploadGrant(pkgId)
    const outcome = await uploadPackage({ pkg: pkgId, token: grant.token, node: grant.node, files: set.files, emptyFolders: set.emptyFolders, rate, reporter, stateDir, signal: ctx.signal }, choice)
    if (outcome.receipt !== undefined) await client.submitReceipt(pkgId, grant.node.id, outcome.receipt)
    await rm(sendState, { force: true })
    reporter.finish({ id: pkgId, bytes: outcome.bytes, seconds: outcome.seconds, files: outcome.files.length, via: outcome.via })
    if (json) ctx.stdout.write(JSON.stringify({ type: 'sent', id: pkgId, files: outcome.files.length, bytes: outcome.bytes, via: outcome.via }) + '\n')
    else ctx.stdout.write(`Sent package ${pkgId} to ${to.join(', ')}: ${outcome.files.length} file(s), ${formatBytes(outcome.bytes)}\n`)
    return 0
  }
}
