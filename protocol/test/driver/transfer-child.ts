// A child process for cross-process driver tests: receives (or sends) one transfer per argv JSON, printing its port and result as JSON lines.
import '../../src/polyfill/promise-with-resolvers.js'
import { UdpEndpoint } from '../../src/driver/index.js'

interface ChildArgs {
  mode: 'receive' | 'send'
  connectionId: string
  secretHex: string
  destinationDir?: string
  journalPath?: string
  files?: Array<{ relativePath: string, absolutePath: string, sizeBytes: number }>
  remotePort?: number
  rateBitsPerSec?: number
}

const args = JSON.parse(process.argv[2]!) as ChildArgs
const endpoint = await UdpEndpoint.bind({ host: '127.0.0.1' })
process.stdout.write(JSON.stringify({ port: endpoint.port }) + '\n')
const common = {
  connectionId: args.connectionId, secret: Buffer.from(args.secretHex, 'hex'),
  role: (args.remotePort === undefined ? 'responder' : 'initiator') as 'responder' | 'initiator',
  remote: args.remotePort === undefined ? undefined : { host: '127.0.0.1', port: args.remotePort },
  idleTimeoutMs: 3000,
  progressIntervalMs: 100,
  onProgress: (p: { bytesDone: number }) => process.stdout.write(JSON.stringify({ progress: p.bytesDone }) + '\n')
}
try {
  const result = args.mode === 'receive'
    ? await endpoint.receive({ ...common, destinationDir: args.destinationDir!, journalPath: args.journalPath })
    : await endpoint.send({ ...common, files: args.files!, rate: { policy: 'fixed', targetBitsPerSec: args.rateBitsPerSec ?? 200e6, minBitsPerSec: 1e6 } })
  process.stdout.write(JSON.stringify({ result }) + '\n')
} catch (err) {
  process.stdout.write(JSON.stringify({ error: (err as { code?: string }).code ?? String(err) }) + '\n')
}
await endpoint.close()
