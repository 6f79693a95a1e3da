// `ferry package show|forward|delete <id>`: one package's details, forwarding it to more recipients, recalling it.
import type { Command, CliContext } from '../cli-context.js'
import { parseCommandArgs } from '../parse-command-args.js'
import { UsageError } from '../usage-error.js'
import { loggedInClient } from '../portal/logged-in-client.js'
import { formatBytes } from '../progress/progress-reporter.js'
import { formatDate } from './package-table.js'

const USAGE = `Usage: ferry package show <id> [--json]
       ferry package forward <id> --to RECIPIENT...
       ferry package delete <id>

  show      the package's title, note, metadata, recipients and files (size, SHA-256)
  forward   send the package on to more recipients (users, emails, group:NAME, inbox:NAME)
  delete    recall the package: recipients lose it and the nodes delete its files
`

export const packageCommand: Command = {
  name: 'package',
  summary: 'show, forward or delete one package',
  usage: USAGE,
  async run (args, ctx) {
    const [action, ...rest] = args
    if (action === 'show') return await show(rest, ctx)
    if (action === 'forward') return await forward(rest, ctx)
    if (action === 'delete') return await remove(rest, ctx)
    throw new UsageError(action === undefined ? 'package needs an action: show, forward or delete' : `unknown package action "${action}"; use show, forward or delete`)
  }
}

function oneId (command: string, positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes one package id; \`ferry inbox\` and \`ferry sent\` list them`)
  return positionals[0]!
}

async function show (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('package show', args, { json: { type: 'boolean' } })
  const id = oneId('package show', positionals)
  const { client } = await loggedInClient(ctx)
  const pkg = await client.getPackage(id)
  if (values.json === true) {
    ctx.stdout.write(JSON.stringify(pkg) + '\n')
    return 0
  }
  const out: string[] = [
    `Package   ${pkg.id}`,
    `Title     ${pkg.title}`,
    `From      ${pkg.senderName}`,
    `To        ${pkg.recipients.map(r => r.label).join(', ')}`,
    `State     ${pkg.state}`,
    `Sent      ${formatDate(pkg.sentAtMs)}`,
    `Expires   ${formatDate(pkg.expiresAtMs)}`,
    `Size      ${formatBytes(pkg.sizeBytes)} in ${pkg.files.length} file(s)`
  ]
  if (pkg.note !== '') out.push(`Note      ${pkg.note.replace(/\n/g, '\n          ')}`)
  for (const [key, value] of Object.entries(pkg.metadata ?? {})) out.push(`Meta      ${key}=${String(value)}`)
  out.push('', 'Files:')
  for (const file of pkg.files) out.push(`  ${formatBytes(file.sizeBytes).padStart(10)}  ${file.sha256 ?? '(not verified yet)'.padEnd(64)}  ${file.path}`)
  out.push('', `Fetch it with: ferry download ${pkg.id}`)
  ctx.stdout.write(out.join('\n') + '\n')
  return 0
}

async function forward (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('package forward', args, { to: { type: 'string', multiple: true } })
  const id = oneId('package forward', positionals)
  const to = values.to ?? []
  if (to.length === 0) throw new UsageError('package forward needs at least one --to RECIPIENT')
  const { client } = await loggedInClient(ctx)
  await client.forwardPackage(id, to)
  ctx.stdout.write(`Forwarded ${id} to ${to.join(', ')}\n`)
  return 0
}

async function remove (args: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseCommandArgs('package delete', args, {})
  const id = oneId('package delete', positionals)
  const { client } = await loggedInClient(ctx)
  await client.deletePackage(id)
  ctx.stdout.write(`Deleted ${id}\n`)
  return 0
}
