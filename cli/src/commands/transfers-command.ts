// `ferry transfers`: the live transfers on nodes (rate, bytes, ETA, policy) from their ops API; cancel one, or change its rate.
import type { Command, CliContext } from '../cli-context.js'
import { parseCommandArgs } from '../parse-command-args.js'
import { UsageError } from '../usage-error.js'
import { RATE_OPTIONS, RATE_USAGE, formatBitsPerSec, hasRateOptions, rateSettingsFrom } from '../rate-options.js'
import { NODE_TARGET_OPTIONS, NODE_TARGET_USAGE, nodeTargets } from '../local/node-targets.js'
import type { NodeOpsClient, OpsTransfer } from '../local/node-ops-client.js'
import { formatBytes } from '../progress/progress-reporter.js'
import { printTable } from './package-table.js'

const USAGE = `Usage: ferry transfers [--watch] [--json] [node options]
       ferry transfers --cancel ID [node options]
       ferry transfers --set-rate ID [--target-rate RATE] [--min-rate RATE] [--policy POLICY] [node options]

Lists the transfers running on the nodes (live rate, bytes, ETA, policy), cancels one, or changes its rate
while it runs.

Options:
  --watch              redraw the list every second until Ctrl-C
  --json               one JSON array (with --watch: one array per line)
  --cancel ID          cancel the transfer ID
  --set-rate ID        change the rate settings of transfer ID
${RATE_USAGE}
${NODE_TARGET_USAGE}
`

/** Refresh interval of --watch (ms): once a second matches the nodes' rate measurement. */
const WATCH_INTERVAL_MS = 1_000

export const transfersCommand: Command = {
  name: 'transfers',
  summary: 'live transfers on the nodes; cancel one, change its rate',
  usage: USAGE,
  async run (args, ctx) {
    const { values, positionals } = parseCommandArgs('transfers', args, {
      ...NODE_TARGET_OPTIONS, ...RATE_OPTIONS, watch: { type: 'boolean' }, json: { type: 'boolean' }, cancel: { type: 'string' }, 'set-rate': { type: 'string' }
    })
    if (positionals.length > 0) throw new UsageError('transfers takes no positional arguments; see `ferry transfers --help`')
    if (values.cancel !== undefined && values['set-rate'] !== undefined) throw new UsageError('give --cancel or --set-rate, not both')
    if (hasRateOptions(values) && values['set-rate'] === undefined) throw new UsageError('rate options need --set-rate ID')
    const rate = values['set-rate'] !== undefined ? rateSettingsFrom(values) : undefined
    const nodes = await nodeTargets(values, ctx)
    const id = values.cancel ?? values['set-rate']
    if (id !== undefined) {
      const owner = await findOwner(nodes, id)
      if (rate !== undefined) {
        await owner.setRate(id, rate)
        ctx.stdout.write(`Transfer ${id} on ${owner.baseUrl}: now ${rate.policy}, target ${formatBitsPerSec(rate.targetBitsPerSec)}, min ${formatBitsPerSec(rate.minBitsPerSec)}\n`)
      } else {
        await owner.cancel(id)
        ctx.stdout.write(`Cancelled transfer ${id} on ${owner.baseUrl}\n`)
      }
      return 0
    }
    for (;;) {
      const rows = await collect(nodes)
      if (values.json === true) ctx.stdout.write(JSON.stringify(rows) + '\n')
      else render(ctx, rows, values.watch === true)
      if (values.watch !== true) return 0
      const stopped = await new Promise<boolean>(resolve => {
        const timer = setTimeout(() => resolve(false), WATCH_INTERVAL_MS)
        ctx.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(true) }, { once: true })
      })
      if (stopped) return 0
    }
  }
}

type Row = OpsTransfer & { node: string }

async function collect (nodes: NodeOpsClient[]): Promise<Row[]> {
  const lists = await Promise.all(nodes.map(async n => {
    const info = await n.info()
    return (await n.transfers()).live.map(t => ({ ...t, node: info.name }))
  }))
  return lists.flat()
}

async function findOwner (nodes: NodeOpsClient[], id: string): Promise<NodeOpsClient> {
  for (const node of nodes) {
    if ((await node.transfers()).live.some(t => t.id === id)) return node
  }
  throw new UsageError(`no running transfer ${id} on ${nodes.map(n => n.baseUrl).join(', ')}; \`ferry transfers\` lists them`)
}

function render (ctx: CliContext, rows: Row[], watch: boolean): void {
  if (watch && ctx.stdout.isTTY === true) ctx.stdout.write('\x1b[H\x1b[2J')
  if (rows.length === 0) {
    ctx.stdout.write('No transfers running.\n')
    return
  }
  printTable(ctx, ['ID', 'NODE', 'DIRECTION', 'PACKAGE', 'DONE', 'RATE', 'ETA', 'POLICY', 'TARGET'], rows.map(t => [
    t.id, t.node, t.direction, t.pkg,
    `${formatBytes(t.bytesDone)}/${formatBytes(t.bytesTotal)}`,
    formatBitsPerSec(t.rateBitsPerSec),
    Number.isFinite(t.etaSeconds) ? `${Math.round(t.etaSeconds)} s` : '-',
    t.rate.policy,
    formatBitsPerSec(t.rate.targetBitsPerSec)
  ]))
}
