// `ferry bench mesh`: memory-to-memory throughput and RTT between every ordered pair of nodes, as a table or JSON.
import type { Command } from '../cli-context.js'
import { parseCommandArgs } from '../parse-command-args.js'
import { UsageError } from '../usage-error.js'
import { formatBitsPerSec } from '../rate-options.js'
import { NODE_TARGET_OPTIONS, NODE_TARGET_USAGE, nodeTargets } from '../local/node-targets.js'
import { printTable } from './package-table.js'

const USAGE = `Usage: ferry bench mesh [--bytes SIZE] [--json] [node options]

Measures every ordered pair of nodes: the source node sends SIZE bytes memory-to-memory over Ferry's UDP
protocol to the target (POST /api/v1/bench on the source), and the RTT the source's mesh measured to it.

Options:
  --bytes SIZE   bytes per pair, with K/M/G suffix (binary; default 64M)
  --json         one JSON object per pair per line: {"from","to","bytes","seconds","mbps","rttMs"}
${NODE_TARGET_USAGE}
`

const DEFAULT_BENCH_BYTES = 64 * 1024 * 1024

export const benchCommand: Command = {
  name: 'bench',
  summary: 'bench mesh: throughput and RTT between every pair of nodes',
  usage: USAGE,
  async run (args, ctx) {
    const [what, ...rest] = args
    if (what !== 'mesh') throw new UsageError('bench needs a target: `ferry bench mesh`')
    const { values, positionals } = parseCommandArgs('bench mesh', rest, { ...NODE_TARGET_OPTIONS, bytes: { type: 'string' }, json: { type: 'boolean' } })
    if (positionals.length > 0) throw new UsageError('bench mesh takes no positional arguments')
    const bytes = values.bytes === undefined ? DEFAULT_BENCH_BYTES : parseSize(values.bytes)
    const nodes = await nodeTargets(values, ctx)
    if (nodes.length < 2) throw new UsageError('bench mesh needs at least two nodes')
    const infos = await Promise.all(nodes.map(async n => await n.info()))
    const results: Array<{ from: string, to: string, bytes: number, seconds: number, mbps: number, rttMs: number | null }> = []
    // One pair at a time: pairs running together would measure each other's load, not the path.
    for (const [i, source] of nodes.entries()) {
      const peers = await source.peers()
      for (const [j, target] of infos.entries()) {
        if (i === j) continue
        const result = await source.bench(target.peerId, bytes)
        const rttMs = peers.find(p => p.peerId === target.peerId)?.rttMs ?? null
        const row = { from: infos[i]!.name, to: target.name, bytes: result.bytes, seconds: result.seconds, mbps: result.mbps, rttMs }
        results.push(row)
        if (values.json === true) ctx.stdout.write(JSON.stringify(row) + '\n')
      }
    }
    if (values.json !== true) {
      printTable(ctx, ['FROM', 'TO', 'THROUGHPUT', 'RTT', 'BYTES', 'SECONDS'], results.map(r => [
        r.from, r.to, formatBitsPerSec(r.mbps * 1e6), r.rttMs === null ? '-' : `${r.rttMs.toFixed(2)} ms`, String(r.bytes), r.seconds.toFixed(2)
      ]))
    }
    return 0
  }
}

function parseSize (text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(text.trim())
  if (match === null) throw new UsageError(`--bytes takes a size such as 64M or 1G, not "${text}"`)
  const factor = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g']
  const bytes = Math.round(Number(match[1]) * factor)
  if (bytes < 1) throw new UsageError('--bytes must be at least 1')
  return bytes
}
