// One side of a Ferry transfer as a real process for the WAN lab (the bench runs it as plain JavaScript on protocol/dist, see ferry-tool.ts): binds a UdpEndpoint
// and sends or receives through the driver API, printing JSON lines (bound, progress, done, error) on stdout.
// The control plane is not under test here: the bench hands both sides the connection id (argv) and the session secret (env).
import '@ferry/protocol/polyfill/promise-with-resolvers'
import { readdirSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { parseArgs } from 'node:util'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { UdpEndpoint, type SendFile, type RatePolicy } from '@ferry/protocol/driver/index'

function print (event: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(event) + '\n')
}

/** The driver's result without its per-file list: 10,000 entries make a line longer than the bench keeps of stdout (1 MiB). */
function summary<T extends { files: unknown[] }> (result: T): Omit<T, 'files'> & { fileCount: number } {
  const { files, ...rest } = result
  return { ...rest, fileCount: files.length }
}

/** Files under `root`, as manifest entries with '/' separators. */
function filesUnder (root: string, dir = root): SendFile[] {
  const out: SendFile[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const absolutePath = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...filesUnder(root, absolutePath))
    else if (entry.isFile()) out.push({ relativePath: relative(root, absolutePath).split(sep).join('/'), absolutePath, sizeBytes: statSync(absolutePath).size })
  }
  return out
}

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string' },
      'connection-id': { type: 'string' },
      bind: { type: 'string' },
      port: { type: 'string', default: '0' },
      remote: { type: 'string' },
      file: { type: 'string', multiple: true },
      'source-dir': { type: 'string' },
      'destination-dir': { type: 'string' },
      journal: { type: 'string' },
      policy: { type: 'string', default: 'fair' },
      'target-bits-per-sec': { type: 'string' },
      'min-bits-per-sec': { type: 'string', default: '1000000' },
      'path-bits-per-sec': { type: 'string' },
      'progress-interval-ms': { type: 'string', default: process.env.FERRY_WAN_PROGRESS_INTERVAL_MS ?? '1000' }
    }
  })
  const secretHex = process.env.FERRY_WAN_SECRET_HEX ?? ''
  if (!/^[0-9a-f]{64}$/.test(secretHex)) throw new Error('FERRY_WAN_SECRET_HEX must hold 32 bytes in hex')
  const connectionId = values['connection-id'] ?? ''
  if (!/^[0-9a-f]{16}$/.test(connectionId)) throw new Error('--connection-id must be 16 hex characters')
  const secret = new Uint8Array(Buffer.from(secretHex, 'hex'))
  const endpoint = await UdpEndpoint.bind({ host: values.bind ?? '0.0.0.0', port: Number(values.port) })
  print({ event: 'bound', port: endpoint.port })
  // Event-loop delay between progress lines (ms): a stall the rate controller could read as queueing shows up here.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 })
  loopDelay.enable()
  const loopDelaySummary = (): Record<string, number> => {
    const s = { loopDelayMeanMs: Number((loopDelay.mean / 1e6).toFixed(2)), loopDelayP99Ms: Number((loopDelay.percentile(99) / 1e6).toFixed(2)), loopDelayMaxMs: Number((loopDelay.max / 1e6).toFixed(2)) }
    loopDelay.reset()
    return s
  }
  const onProgress = (p: object): void => print({ event: 'progress', atMs: Math.round(performance.now()), ...p, ...loopDelaySummary() })
  const progressIntervalMs = Number(values['progress-interval-ms'])
  const controller = new AbortController()
  process.once('SIGTERM', () => controller.abort())
  try {
    if (values.mode === 'send') {
      const [host, port] = (values.remote ?? '').split(':')
      const files = values['source-dir'] !== undefined
        ? filesUnder(values['source-dir'])
        : (values.file ?? []).map(path => ({ relativePath: path.split('/').pop()!, absolutePath: path, sizeBytes: statSync(path).size }))
      const started = process.hrtime.bigint()
      print({ event: 'sending', atMs: Math.round(performance.now()), files: files.length })
      const result = await endpoint.send({
        connectionId, secret, role: 'initiator', remote: { host: host!, port: Number(port) }, files,
        rate: {
          policy: values.policy as RatePolicy, targetBitsPerSec: Number(values['target-bits-per-sec']), minBitsPerSec: Number(values['min-bits-per-sec']),
          ...(values['path-bits-per-sec'] === undefined ? {} : { pathBitsPerSec: Number(values['path-bits-per-sec']) })
        },
        signal: controller.signal, onProgress, progressIntervalMs
      })
      // the sender's clock from the call to the receiver's last confirmation: session set-up, data, repairs and the final checksums
      print({ event: 'done', atMs: Math.round(performance.now()), seconds: Number(process.hrtime.bigint() - started) / 1e9, result: summary(result) })
    } else if (values.mode === 'receive') {
      const started = process.hrtime.bigint()
      const result = await endpoint.receive({
        connectionId, secret, role: 'responder', destinationDir: values['destination-dir']!,
        ...(values.journal === undefined ? {} : { journalPath: values.journal }),
        signal: controller.signal, onProgress, progressIntervalMs
      })
      print({ event: 'done', atMs: Math.round(performance.now()), seconds: Number(process.hrtime.bigint() - started) / 1e9, result: summary(result) })
    } else {
      throw new Error('--mode must be send or receive')
    }
  } finally {
    await endpoint.close()
  }
}

main().then(() => { process.exitCode = 0 }, (err: unknown) => {
  const e = err as { code?: unknown, message?: unknown, details?: unknown }
  print({ event: 'error', code: e.code ?? null, message: String(e.message ?? err), details: e.details ?? null })
  process.exitCode = 1
})
