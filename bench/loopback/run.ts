// bench:loopback — one encrypted Ferry session over 127.0.0.1, memory to memory and disk to disk, against the raw unencrypted node:dgram ceiling measured in the same run.
// Usage: npm run bench:loopback -- [--json] [--bytes N | --10g] [--policy fixed|high|fair] [--rate BITS_PER_SEC] [--modes raw,raw-batched,memory,disk] [--io batched|dgram] [--rss] [--cpu-prof-dir DIR]
// --io: the socket implementation of Ferry's sides (FERRY_UDP_IO for them; default: batched when its addon is built). Rows say which in `io`.
// raw-batched: the same unencrypted blast through the batched addon; its goodput is reported as rawBatchedMbps, apart from
// the node:dgram ceiling (raw-dgram) that fractionOfRaw is measured against.
// --rss: the 10 GiB memory-bound check (10 GiB unless --bytes says otherwise; disk to disk when the temporary folder has room, else memory to memory).
// Each side runs in its own process (as in production), so the two cores are used as they would be; the parent samples both sides' /proc/<pid>/status.
// The sides run as plain Node on the built protocol (build first: npx tsc -b protocol): a TypeScript loader would add ~35 MB of RSS and a thread to the figures.
import { spawn } from 'node:child_process'
import { randomBytes, createHash } from 'node:crypto'
import { createWriteStream, mkdtempSync, rmSync, readFileSync, statSync, statfsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { once } from 'node:events'
import { plainNodeScript } from '../plain-node-script.js'
import { sha256File } from '../wan/source-file.js'
import { MAX_DATAGRAM_BYTES, MAX_PAYLOAD_BYTES } from '../../protocol/src/wire/datagram-codec.js'

const argv = process.argv.slice(2)
const flag = (name: string): string | undefined => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }
const json = argv.includes('--json')
const rssMode = argv.includes('--rss')
const GiB = 1024 ** 3
const bytes = argv.includes('--10g') || (rssMode && flag('--bytes') === undefined) ? 10 * GiB : Number(flag('--bytes') ?? GiB)
const policy = flag('--policy') ?? 'fixed'
const cpuProfDir = flag('--cpu-prof-dir')
const io = flag('--io')
const root = join(import.meta.dirname, '../..')
const work = mkdtempSync(join(tmpdir(), 'ferry-loopback-'))
/** Disk to disk needs the source and the received copy side by side, plus some room to spare. */
const diskFits = (): boolean => { const s = statfsSync(work); return s.bavail * s.bsize > 2 * bytes + GiB }
const modes = new Set((flag('--modes') ?? (rssMode ? (diskFits() ? 'disk' : 'memory') : 'raw,raw-batched,memory,disk')).split(','))
/** Peak RSS the issue allows on each side during a 10 GiB transfer (bytes). */
const RSS_LIMIT_BYTES = 200e6
/** How often the parent samples each side's /proc/<pid>/status (ms). */
const RSS_SAMPLE_MS = 100

interface ChildResult { bytes: number, seconds: number, peakRssBytes: number, cpuSeconds: number, minorPageFaults?: number, sha256?: string[], retransmittedBytes?: number, payloadBytesSent?: number, dropped?: Record<string, number>, io?: string, sendDrops?: number }
interface Side { result: ChildResult, /** Largest VmRSS seen by sampling and the kernel's VmHWM (bytes). */ sampledPeakRssBytes: number, vmHwmBytes: number }

/** VmRSS and VmHWM of a live process (bytes), from /proc/<pid>/status; undefined once it is gone. */
function memoryOf (pid: number): { rss: number, hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') }
  } catch (_) {
    return undefined
  }
}

/** child.ts as plain JavaScript in the work folder, its @ferry/protocol imports pointing at the built files. */
const childScript = plainNodeScript(join(root, 'bench/loopback/child.ts'), work)

function child (args: Record<string, unknown>): { port: Promise<number>, side: Promise<Side> } {
  const profile = cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', cpuProfDir, '--cpu-prof-name', `${String(args.mode)}-${Date.now()}.cpuprofile`]
  const env = io === undefined ? process.env : { ...process.env, FERRY_UDP_IO: io }
  const proc = spawn(process.execPath, [...profile, childScript, JSON.stringify(args)], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] })
  let sampledPeak = 0
  let hwm = 0
  const sample = (): void => {
    const m = proc.pid === undefined ? undefined : memoryOf(proc.pid)
    if (m !== undefined) { sampledPeak = Math.max(sampledPeak, m.rss); hwm = Math.max(hwm, m.hwm) }
  }
  const sampler = setInterval(sample, RSS_SAMPLE_MS)
  let portResolve: (n: number) => void = () => {}
  let resultResolve: (r: Side) => void = () => {}
  let resultReject: (e: Error) => void = () => {}
  const port = new Promise<number>(resolve => { portResolve = resolve })
  const side = new Promise<Side>((resolve, reject) => { resultResolve = resolve; resultReject = reject })
  createInterface({ input: proc.stdout }).on('line', line => {
    const msg = JSON.parse(line) as { port?: number, result?: ChildResult, error?: string }
    if (msg.port !== undefined) portResolve(msg.port)
    if (msg.result !== undefined) { sample(); resultResolve({ result: msg.result, sampledPeakRssBytes: sampledPeak, vmHwmBytes: hwm }) }
    if (msg.error !== undefined) resultReject(new Error(msg.error))
  })
  proc.on('exit', code => { clearInterval(sampler); resultReject(new Error(`child ${String(args.mode)} exited with ${code}`)) })
  return { port, side }
}

/** Peak RSS of one side (bytes): the kernel's high-water mark, or the sampled or self-reported peak if larger. */
const peakOf = (s: Side): number => Math.max(s.vmHwmBytes, s.sampledPeakRssBytes, s.result.peakRssBytes)

async function raw (batched = false): Promise<{ mbps: number, receiver: Side, sender: Side }> {
  const receiver = child({ mode: batched ? 'raw-batched-receive' : 'raw-receive', bytes })
  const sender = child({ mode: batched ? 'raw-batched-send' : 'raw-send', bytes, port: await receiver.port })
  const [r, s] = await Promise.all([receiver.side, sender.side])
  return { mbps: (r.result.bytes * 8) / r.result.seconds / 1e6, receiver: r, sender: s }
}

async function ferry (rateBitsPerSec: number, files?: Array<{ relativePath: string, absolutePath: string, sizeBytes: number }>, destinationDir?: string): Promise<{ mbps: number, receiver: Side, sender: Side }> {
  const connectionId = randomBytes(8).toString('hex')
  const secretHex = randomBytes(32).toString('hex')
  const receiver = child({ mode: 'ferry-receive', bytes, connectionId, secretHex, destinationDir })
  const sender = child({ mode: 'ferry-send', bytes, connectionId, secretHex, port: await receiver.port, files, policy, rateBitsPerSec })
  const [r, s] = await Promise.all([receiver.side, sender.side])
  // The sender's clock, send() to the receiver's final confirmation (handshake included): the receiver's started before
  // the sender process was even spawned, which charged Ferry its start-up (raw counts first to last datagram).
  return { mbps: (r.result.bytes * 8) / s.result.seconds / 1e6, receiver: r, sender: s }
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

/** Bytes a full datagram carries as counted by each tool: raw counts the whole datagram, Ferry its file payload. */
const RAW_DATAGRAM_BYTES = MAX_DATAGRAM_BYTES
const FERRY_PAYLOAD_BYTES = MAX_PAYLOAD_BYTES

/** Peak RSS and CPU cost of both sides; CPU per datagram counts full datagrams sent (resends included) and received. */
const sideFields = (run: { sender: Side, receiver: Side }, datagramBytes: number): Record<string, number> => ({
  peakRssSenderBytes: peakOf(run.sender), peakRssReceiverBytes: peakOf(run.receiver),
  sampledPeakRssSenderBytes: run.sender.sampledPeakRssBytes, sampledPeakRssReceiverBytes: run.receiver.sampledPeakRssBytes,
  cpuSecondsSender: run.sender.result.cpuSeconds, cpuSecondsReceiver: run.receiver.result.cpuSeconds,
  cpuMicrosPerDatagramSender: 1e6 * run.sender.result.cpuSeconds / ((run.sender.result.payloadBytesSent ?? run.sender.result.bytes) / datagramBytes),
  cpuMicrosPerDatagramReceiver: 1e6 * run.receiver.result.cpuSeconds / (run.receiver.result.bytes / datagramBytes),
  minorPageFaultsSender: run.sender.result.minorPageFaults ?? 0, minorPageFaultsReceiver: run.receiver.result.minorPageFaults ?? 0
})

try {
  const rows: Array<Record<string, unknown> & { tool: string, goodputMbps: number }> = []
  const ceiling = modes.has('raw') ? await raw() : undefined
  if (ceiling !== undefined) {
    rows.push({ tool: 'raw-dgram', bytes: ceiling.receiver.result.bytes, goodputMbps: ceiling.mbps, seconds: ceiling.receiver.result.seconds, sentBytes: ceiling.sender.result.bytes, lossPct: 100 * (1 - ceiling.receiver.result.bytes / ceiling.sender.result.bytes), ...sideFields(ceiling, RAW_DATAGRAM_BYTES) })
  }
  const batchedCeiling = modes.has('raw-batched') ? await raw(true) : undefined
  if (batchedCeiling !== undefined) {
    rows.push({ tool: 'raw-batched', bytes: batchedCeiling.receiver.result.bytes, goodputMbps: batchedCeiling.mbps, rawBatchedMbps: batchedCeiling.mbps, seconds: batchedCeiling.receiver.result.seconds, sentBytes: batchedCeiling.sender.result.bytes, lossPct: 100 * (1 - batchedCeiling.receiver.result.bytes / batchedCeiling.sender.result.bytes), ...sideFields(batchedCeiling, RAW_DATAGRAM_BYTES) })
  }
  const rate = Number(flag('--rate') ?? (ceiling !== undefined ? ceiling.mbps * 1e6 : 1e9))
  /** Which ceiling each Ferry row is next to: fractionOfRaw is against node:dgram's (the issue's), rawBatchedMbps says the other. */
  const ceilings = batchedCeiling === undefined ? {} : { rawBatchedMbps: batchedCeiling.mbps }
  const fractionOfRaw = (mbps: number): Record<string, number> => ceiling === undefined ? {} : { fractionOfRaw: mbps / ceiling.mbps }
  const memory = modes.has('memory') ? await ferry(rate) : undefined
  if (memory !== undefined) {
    rows.push({ tool: 'ferry-memory', bytes: memory.receiver.result.bytes, goodputMbps: memory.mbps, seconds: memory.sender.result.seconds, ...fractionOfRaw(memory.mbps), ...ceilings, io: memory.sender.result.io, policy, rateBitsPerSec: rate, retransmittedBytes: memory.sender.result.retransmittedBytes, ...sideFields(memory, FERRY_PAYLOAD_BYTES) })
  }
  if (modes.has('disk')) {
    const srcDir = join(work, 'src')
    const dstDir = join(work, 'dst')
    await import('node:fs/promises').then(fs => Promise.all([fs.mkdir(srcDir), fs.mkdir(dstDir)]))
    const sha = await makeFile(join(srcDir, 'payload.bin'), bytes)
    const disk = await ferry(rate, [{ relativePath: 'payload.bin', absolutePath: join(srcDir, 'payload.bin'), sizeBytes: bytes }], dstDir)
    const received = join(dstDir, 'payload.bin')
    // Checked here too, from the file on disk, not only by the receiver that wrote it.
    const sha256ok = statSync(received).size === bytes && disk.receiver.result.sha256?.[0] === sha && await sha256File(received) === sha
    rows.push({ tool: 'ferry-disk', bytes: disk.receiver.result.bytes, goodputMbps: disk.mbps, seconds: disk.sender.result.seconds, ...fractionOfRaw(disk.mbps), ...(memory === undefined ? {} : { fractionOfMemory: disk.mbps / memory.mbps }), ...ceilings, io: disk.sender.result.io, sha256ok, policy, rateBitsPerSec: rate, retransmittedBytes: disk.sender.result.retransmittedBytes, ...sideFields(disk, FERRY_PAYLOAD_BYTES) })
  }
  if (rssMode) for (const r of rows) r.rssWithinLimit = (r.peakRssSenderBytes as number) <= RSS_LIMIT_BYTES && (r.peakRssReceiverBytes as number) <= RSS_LIMIT_BYTES
  if (json) console.log(JSON.stringify(rows, null, 2))
  else {
    for (const r of rows) {
      const ofRaw = typeof r.fractionOfRaw === 'number' ? `${(100 * r.fractionOfRaw).toFixed(1)} % of raw  ` : ''
      const cpu = `CPU ${(r.cpuMicrosPerDatagramSender as number).toFixed(1)} / ${(r.cpuMicrosPerDatagramReceiver as number).toFixed(1)} µs per datagram  `
      console.log(`${r.tool.padEnd(13)} ${r.goodputMbps.toFixed(0).padStart(6)} Mbit/s  ${ofRaw}${cpu}peak RSS ${((r.peakRssSenderBytes as number) / 1e6).toFixed(0)} / ${((r.peakRssReceiverBytes as number) / 1e6).toFixed(0)} MB (sender / receiver, ${(bytes / GiB).toFixed(2)} GiB)`)
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
