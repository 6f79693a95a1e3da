// bench:loopback — one encrypted Ferry session over 127.0.0.1, memory to memory and disk to disk, against the raw unencrypted node:dgram ceiling measured in the same run.
// Usage: npm run bench:loopback -- [--json] [--bytes N | --10g] [--policy fixed|high|fair] [--rate BITS_PER_SEC]
// Each side runs in its own process (as in production), so the two cores are used as they would be.
import { spawn } from 'node:child_process'
import { randomBytes, createHash } from 'node:crypto'
import { createWriteStream, mkdtempSync, rmSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { once } from 'node:events'

const argv = process.argv.slice(2)
const flag = (name: string): string | undefined => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }
const json = argv.includes('--json')
const GiB = 1024 ** 3
const bytes = argv.includes('--10g') ? 10 * GiB : Number(flag('--bytes') ?? GiB)
const policy = flag('--policy') ?? 'fixed'
const root = join(import.meta.dirname, '../..')

interface ChildResult { bytes: number, seconds: number, peakRssBytes: number, sha256?: string[], retransmittedBytes?: number, dropped?: Record<string, number> }

function child (args: Record<string, unknown>): { port: Promise<number>, result: Promise<ChildResult> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/loopback/child.ts'), JSON.stringify(args)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
  let portResolve: (n: number) => void = () => {}
  let resultResolve: (r: ChildResult) => void = () => {}
  let resultReject: (e: Error) => void = () => {}
  const port = new Promise<number>(resolve => { portResolve = resolve })
  const result = new Promise<ChildResult>((resolve, reject) => { resultResolve = resolve; resultReject = reject })
  createInterface({ input: proc.stdout }).on('line', line => {
    const msg = JSON.parse(line) as { port?: number, result?: ChildResult, error?: string }
    if (msg.port !== undefined) portResolve(msg.port)
    if (msg.result !== undefined) resultResolve(msg.result)
    if (msg.error !== undefined) resultReject(new Error(msg.error))
  })
  proc.on('exit', code => resultReject(new Error(`child ${String(args.mode)} exited with ${code}`)))
  return { port, result }
}

async function raw (): Promise<{ mbps: number, receiver: ChildResult, sender: ChildResult }> {
  const receiver = child({ mode: 'raw-receive', bytes })
  const sender = child({ mode: 'raw-send', bytes, port: await receiver.port })
  const [r, s] = await Promise.all([receiver.result, sender.result])
  return { mbps: (r.bytes * 8) / r.seconds / 1e6, receiver: r, sender: s }
}

async function ferry (rateBitsPerSec: number, files?: Array<{ relativePath: string, absolutePath: string, sizeBytes: number }>, destinationDir?: string): Promise<{ mbps: number, receiver: ChildResult, sender: ChildResult }> {
  const connectionId = randomBytes(8).toString('hex')
  const secretHex = randomBytes(32).toString('hex')
  const receiver = child({ mode: 'ferry-receive', bytes, connectionId, secretHex, destinationDir })
  const sender = child({ mode: 'ferry-send', bytes, connectionId, secretHex, port: await receiver.port, files, policy, rateBitsPerSec })
  const [r, s] = await Promise.all([receiver.result, sender.result])
  return { mbps: (r.bytes * 8) / r.seconds / 1e6, receiver: r, sender: s }
}

async function makeFile (path: string, size: number): Promise<string> {
  const hash = createHash('sha256')
  const stream = createWriteStream(path)
  const block = randomBytes(16 << 20)
  for (let done = 0; done < size;) {
    const piece = block.subarray(0, Math.min(block.length, size - done))
    hash.update(piece)
    if (!stream.write(piece)) await once(stream, 'drain')
    done += piece.length
    block[0] = (block[0]! + 1) & 0xff // every block differs
  }
  stream.end()
  await once(stream, 'finish')
  return hash.digest('hex')
}

const work = mkdtempSync(join(tmpdir(), 'ferry-loopback-'))
try {
  const ceiling = await raw()
  const rate = Number(flag('--rate') ?? ceiling.mbps * 1e6)
  const memory = await ferry(rate)
  const srcDir = join(work, 'src')
  const dstDir = join(work, 'dst')
  await import('node:fs/promises').then(fs => Promise.all([fs.mkdir(srcDir), fs.mkdir(dstDir)]))
  const sha = await makeFile(join(srcDir, 'payload.bin'), bytes)
  const disk = await ferry(rate, [{ relativePath: 'payload.bin', absolutePath: join(srcDir, 'payload.bin'), sizeBytes: bytes }], dstDir)
  const received = join(dstDir, 'payload.bin')
  const sha256ok = statSync(received).size === bytes && disk.receiver.sha256?.[0] === sha && createHash('sha256').update(bytes <= 2 * GiB ? readFileSync(received) : Buffer.alloc(0)).digest('hex') === (bytes <= 2 * GiB ? sha : createHash('sha256').digest('hex'))
  const rows = [
    { tool: 'raw-dgram', bytes: ceiling.receiver.bytes, goodputMbps: ceiling.mbps, seconds: ceiling.receiver.seconds, sentBytes: ceiling.sender.bytes, lossPct: 100 * (1 - ceiling.receiver.bytes / ceiling.sender.bytes), peakRssSenderBytes: ceiling.sender.peakRssBytes, peakRssReceiverBytes: ceiling.receiver.peakRssBytes },
    { tool: 'ferry-memory', bytes: memory.receiver.bytes, goodputMbps: memory.mbps, seconds: memory.receiver.seconds, fractionOfRaw: memory.mbps / ceiling.mbps, policy, rateBitsPerSec: rate, retransmittedBytes: memory.sender.retransmittedBytes, peakRssSenderBytes: memory.sender.peakRssBytes, peakRssReceiverBytes: memory.receiver.peakRssBytes },
    { tool: 'ferry-disk', bytes: disk.receiver.bytes, goodputMbps: disk.mbps, seconds: disk.receiver.seconds, fractionOfRaw: disk.mbps / ceiling.mbps, fractionOfMemory: disk.mbps / memory.mbps, sha256ok, policy, rateBitsPerSec: rate, retransmittedBytes: disk.sender.retransmittedBytes, peakRssSenderBytes: disk.sender.peakRssBytes, peakRssReceiverBytes: disk.receiver.peakRssBytes }
  ]
  if (json) console.log(JSON.stringify(rows, null, 2))
  else for (const r of rows) console.log(`${r.tool.padEnd(13)} ${r.goodputMbps.toFixed(0).padStart(6)} Mbit/s  ${('fractionOfRaw' in r ? `${(100 * (r.fractionOfRaw as number)).toFixed(1)} % of raw  ` : '')}peak RSS ${(r.peakRssSenderBytes / 1e6).toFixed(0)} / ${(r.peakRssReceiverBytes / 1e6).toFixed(0)} MB`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
