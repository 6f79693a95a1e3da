// `ferry cp`: a direct transfer to or from one node with a transfer token (no package workflow), for scripts and node tests.
import { resolve } from 'node:path'
import { FerryError } from '@ferry/protocol'
import type { Command, CliContext } from '../cli-context.js'
import { parseCommandArgs } from '../parse-command-args.js'
import { UsageError } from '../usage-error.js'
import { rateSettingsFrom } from '../rate-options.js'
import { ConfigStore } from '../config/config-store.js'
import { NodeOpsClient } from '../local/node-ops-client.js'
import { nodeTargets } from '../local/node-targets.js'
import { createProgressReporter, formatBytes } from '../progress/progress-reporter.js'
import { collectLocalFiles } from '../transfer/local-file-set.js'
import { downloadPackage, uploadPackage } from '../transfer/package-transfer.js'
import { TRANSPORT_OPTIONS, TRANSPORT_USAGE, transferChoice } from '../transfer/transport-options.js'
import type { NodeEndpoint } from '../transfer/transfer-types.js'

const USAGE = `Usage: ferry cp --token TOKEN SRC... node://NODE/PKG[/DIR]
       ferry cp --token TOKEN node://NODE/PKG[/PATH] DEST

Copies files straight to or from a node, with a transfer token for that node (an upload token to copy to it,
a download token to copy from it; FERRY_TOKEN works too). No portal round trip: for scripts, and node tests.
NODE is a node's ops URL host:port (e.g. 127.0.0.1:8443), or a node name of the running \`ferry up\`.
PKG is the package the token is for; DIR is a folder inside it; PATH a file or folder inside it.
The node's signed receipt is printed on stdout (with --json, in the final event).

Options:
  --token TOKEN        the transfer token
${TRANSPORT_USAGE}
`

interface NodeUrl { node: string, pkg: string, path: string }

/** Parses node://NODE/PKG[/PATH]. */
export function parseNodeUrl (text: string): NodeUrl | undefined {
  if (!text.startsWith('node://')) return undefined
  const rest = text.slice('node://'.length)
  const [node, pkg, ...path] = rest.split('/')
  if (node === undefined || node === '' || pkg === undefined || pkg === '') throw new UsageError(`"${text}" needs node://NODE/PKG[/PATH]`)
  return { node, pkg, path: path.filter(p => p !== '').join('/') }
}

export const cpCommand: Command = {
  name: 'cp',
  summary: 'copy files straight to or from a node with a transfer token',
  usage: USAGE,
  async run (args, ctx) {
    const { values, positionals } = parseCommandArgs('cp', args, { ...TRANSPORT_OPTIONS, token: { type: 'string' } })
    if (positionals.length < 2) throw new UsageError('cp needs a source and a destination, one of them node://NODE/PKG[/PATH]')
    const token = values.token ?? ctx.env.FERRY_TOKEN
    if (token === undefined || token === '') throw new UsageError('cp needs --token TOKEN (or FERRY_TOKEN): a transfer token for the node')
    const target = parseNodeUrl(positionals[positionals.length - 1]!)
    const sources = positionals.slice(0, -1)
    const remoteSources = sources.map(parseNodeUrl)
    if ((target === undefined) === remoteSources.every(s => s === undefined)) throw new UsageError('exactly one side of cp is node://NODE/PKG[/PATH]')
    const rate = rateSettingsFrom(values)
    const choice = await transferChoice(values, ctx)
    const reporter = createProgressReporter(ctx, { json: values.json === true })
    const stateDir = resolve(new ConfigStore(ctx.env).dir, 'state')
    if (target !== undefined) {
      const node = await resolveNode(target.node, ctx)
      const set = await collectLocalFiles(sources)
      const prefix = target.path === '' ? '' : target.path + '/'
      const files = set.files.map(f => ({ ...f, relativePath: prefix + f.relativePath }))
      const outcome = await uploadPackage({ pkg: target.pkg, token, node, files, emptyFolders: set.emptyFolders.map(f => prefix + f), rate, reporter, stateDir, signal: ctx.signal }, choice)
      reporter.finish({ id: target.pkg, bytes: outcome.bytes, seconds: outcome.seconds, files: outcome.files.length, via: outcome.via })
      if (values.json === true) ctx.stdout.write(JSON.stringify({ type: 'copied', pkg: target.pkg, files: outcome.files, receipt: outcome.receipt, via: outcome.via }) + '\n')
      else ctx.stdout.write(`${outcome.receipt ?? ''}\n`)
      return 0
    }
    if (sources.length !== 1) throw new UsageError('copy from one node:// source at a time')
    const source = remoteSources[0]!
    const node = await resolveNode(source.node, ctx)
    const destinationDir = resolve(positionals[1]!)
    const paths = source.path === '' ? undefined : [source.path]
    // The gateway path needs the file list, which only the node knows: the UDP path gets it in the accept message.
    const outcome = await downloadPackage({ pkg: source.pkg, token, node, files: [], ...(paths === undefined ? {} : { paths }), destinationDir, rate, reporter, stateDir, signal: ctx.signal }, { ...choice, forceGateway: false })
    reporter.finish({ id: source.pkg, bytes: outcome.bytes, seconds: outcome.seconds, files: outcome.files.length, via: outcome.via })
    if (values.json === true) ctx.stdout.write(JSON.stringify({ type: 'copied', pkg: source.pkg, dest: destinationDir, files: outcome.files, receipt: outcome.receipt, via: outcome.via }) + '\n')
    else ctx.stderr.write(`Copied ${outcome.files.length} file(s), ${formatBytes(outcome.bytes)} into ${destinationDir}\n`)
    return 0
  }
}

/** host:port → the node's own /api/v1/info; a bare name → the running `ferry up`'s node of that name. */
async function resolveNode (name: string, ctx: CliContext): Promise<NodeEndpoint> {
  let httpUrl: string
  if (/:\d+$/.test(name)) {
    httpUrl = `http://${name}`
  } else {
    const nodes = await nodeTargets({}, ctx)
    const infos = await Promise.all(nodes.map(async n => ({ n, info: await n.info() })))
    const found = infos.find(x => x.info.name === name)
    if (found === undefined) throw new FerryError('FERRY_CLI_NO_NODES', `no node named ${name}; give its ops address as node://HOST:PORT/...`)
    httpUrl = found.n.baseUrl
  }
  const info = await new NodeOpsClient(httpUrl, undefined, ctx.signal).info()
  return { id: info.peerId, name: info.name, multiaddrs: info.multiaddrs, udpHost: info.udpHost, udpPort: info.udpPort, httpUrl: info.httpUrl }
}
