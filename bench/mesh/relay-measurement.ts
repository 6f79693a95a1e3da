// bench:mesh relay measurement: direct A→C against relayed A→R→C memory-to-memory throughput, on one emulated WAN link both paths cross once.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { labUnavailableReason, WanLab, addressA, addressB } from '../wan/wan-lab.js'
import { profileLabel, type LinkProfile } from '../wan/link-profile.js'

const MAIN_JS = join(import.meta.dirname, '..', '..', 'node', 'dist', 'main.js')
const ADMIN = 'bench-admin-token-0123456789abcdef'

export interface RelayOptions {
  /** Bytes per measured transfer. */
  bytes: number
  /** The emulated link between {A, R} and C. */
  profile: LinkProfile
  /** Measured direct/relayed pairs (the median of each is reported). */
  rounds: number
  /** Also measure on loopback with a fixed pacing cap: CPU-bound, shows the relay's own cost, not a link's. */
  loopbackBitsPerSec: number | undefined
  /** Working folder for the nodes' data. */
  root: string
  log: (line: string) => void
}

/** One JSON line of bench:mesh (`metric: 'relay'`); `link` says what the two paths shared. */
export interface RelayLine {
  metric: 'relay'
  directMbps: number
  relayMbps: number
  ratio: number
  link: string
  bytes: number
  policy: string
  targetBitsPerSec: number
  directRuns: number[]
  relayRuns: number[]
  /** CPU time node R used per MiB it relayed (ms, median over the relayed runs; R's whole process, forwarding and all). */
  relayCpuMsPerMiB: number
  loadAvg1m: number
}

interface Ready { peerId: string, multiaddrs: string[], httpUrl: string }
interface NodeProc { child: ChildProcess, ready: Ready, namespace: string | undefined }

const round1 = (n: number): number => Number(n.toFixed(1))
function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** Runs A, R and C, measures, and stops them again whatever happens. */
class Trio {
  private readonly procs: NodeProc[] = []
  /** An interrupted bench (process.exit) must not leave node processes running. */
  private readonly onExit = (): void => { for (const p of this.procs) p.child.kill('SIGKILL') }

  constructor () { process.on('exit', this.onExit) }

  /**
   * Starts a node; inside a namespace at nice -10 like every WAN-lab tool (all three alike, both paths alike): on a 2-core
   * machine shared with builds, a node starved by an unrelated compile measures the scheduler, not the relay.
   */
  async start (dataDir: string, namespace: string | undefined, extra: string[]): Promise<NodeProc> {
    const argv = [MAIN_JS, '--data-dir', dataDir, '--admin-token', ADMIN, '--json', ...extra]
    const child = namespace === undefined
      ? spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('ip', ['netns', 'exec', namespace, 'nice', '-n', '-10', process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    child.stderr!.on('data', d => { err += String(d) })
    const p: NodeProc = { child, namespace, ready: undefined as unknown as Ready }
    this.procs.push(p)
    p.ready = await new Promise<Ready>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`node did not start in 120 s: ${err}`)) }, 120_000)
      createInterface({ input: child.stdout! }).once('line', line => { clearTimeout(timer); resolve(JSON.parse(line) as Ready) })
      child.once('exit', code => { clearTimeout(timer); reject(new Error(`node exited ${code}: ${err}`)) })
    })
    return p
  }

  /** Calls a node's ops API; inside a namespace through curl there, as the bench's own namespace has no route to it. */
  async admin<T> (p: NodeProc, path: string, body?: unknown): Promise<T> {
    let text: string
    if (p.namespace === undefined) {
      const res = await fetch(`${p.ready.httpUrl}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(300_000)
      })
      text = await res.text()
    } else {
      const args = ['netns', 'exec', p.namespace, 'curl', '-s', '--max-time', '300', '-H', `authorization: Bearer ${ADMIN}`]
      if (body !== undefined) args.push('-H', 'content-type: application/json', '-d', JSON.stringify(body))
      text = await new Promise<string>((resolve, reject) => {
        execFile('ip', [...args, `${p.ready.httpUrl}${path}`], { maxBuffer: 1 << 20 }, (err, stdout) => { if (err !== null) reject(err); else resolve(stdout) })
      })
    }
    const out = JSON.parse(text) as T & { code?: string, message?: string }
    if (out.code !== undefined) throw new Error(`${path}: ${out.code} ${out.message}`)
    return out
  }

  async stop (): Promise<void> {
    process.off('exit', this.onExit)
    await Promise.all(this.procs.splice(0).map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise(resolve => child.once('exit', resolve))
      child.kill('SIGTERM')
      const t = setTimeout(() => { child.kill('SIGKILL') }, 5000)
      await exited
      clearTimeout(t)
    }))
  }

  /** Waits until A and C both have two connected peers (each other and R). */
  async meshed (a: NodeProc, c: NodeProc): Promise<void> {
    const connected = async (p: NodeProc): Promise<boolean> => (await this.admin<{ peers: Array<{ connected: boolean }> }>(p, '/api/v1/peers')).peers.filter(x => x.connected).length >= 2
    for (let i = 0; !(await connected(a) && await connected(c)); i++) {
      if (i > 300) throw new Error('relay trio did not mesh in 30 s')
      await new Promise(resolve => setTimeout(resolve, 100))
    }
  }

  /** One warm-up each way, then direct and relayed runs alternated, so load on the shared machine hits both paths alike. */
  async compare (a: NodeProc, r: NodeProc, c: NodeProc, rate: { policy: string, targetBitsPerSec: number }, bytes: number, rounds: number): Promise<Runs> {
    const body = { peerId: c.ready.peerId, bytes, ...rate }
    const warm = { ...body, bytes: Math.min(bytes, 8 << 20) }
    await this.admin(a, '/api/v1/bench', { ...warm, route: 'direct' })
    await this.admin(a, '/api/v1/bench', { ...warm, route: 'relay' })
    const direct: number[] = []
    const relayed: number[] = []
    const relayCpuMsPerMiB: number[] = []
    for (let i = 0; i < rounds; i++) {
      direct.push((await this.admin<{ mbps: number }>(a, '/api/v1/bench', { ...body, route: 'direct' })).mbps)
      const cpuBefore = cpuMs(r.child.pid!)
      const viaR = await this.admin<{ mbps: number, via?: string, bytes: number }>(a, '/api/v1/bench', { ...body, route: 'relay' })
      relayCpuMsPerMiB.push((cpuMs(r.child.pid!) - cpuBefore) / (viaR.bytes / (1 << 20)))
      if (viaR.via !== r.ready.peerId) throw new Error(`relayed run went via ${viaR.via}, not R`)
      relayed.push(viaR.mbps)
    }
    return { direct, relayed, relayCpuMsPerMiB }
  }
}

interface Runs { direct: number[], relayed: number[], relayCpuMsPerMiB: number[] }

/** User + system CPU time of a process so far (ms), from /proc (clock ticks of 10 ms). */
function cpuMs (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

function line (link: string, rate: { policy: string, targetBitsPerSec: number }, bytes: number, runs: Runs): RelayLine {
  const directMbps = median(runs.direct)
  const relayMbps = median(runs.relayed)
  return {
    metric: 'relay',
    directMbps: round1(directMbps),
    relayMbps: round1(relayMbps),
    ratio: Number((relayMbps / directMbps).toFixed(3)),
    link,
    bytes,
    policy: rate.policy,
    targetBitsPerSec: rate.targetBitsPerSec,
    directRuns: runs.direct.map(round1),
    relayRuns: runs.relayed.map(round1),
    relayCpuMsPerMiB: Number(median(runs.relayCpuMsPerMiB).toFixed(2)),
    loadAvg1m: Number(loadavg()[0]!.toFixed(2))
  }
}

/**
 * Topology on the emulated link (WAN lab: two namespaces joined by the userspace TUN link emulator):
 *
 *   namespace A: node A and node R, both at 10.77.0.1 ── emulated link (profile) ── namespace B: node C at 10.77.0.2
 *
 * Direct A→C crosses the link once; relayed A→R→C goes A→R inside namespace A (no link) and R→C across the same link
 * once. So both paths share one bottleneck, and the ratio shows what relaying costs on it (forwarding delay, drops, CPU
 * at R), not a second link. The rate controller runs end to end (R forwards the session's datagrams untouched) with the
 * `fair` policy and the link's capacity as target, as a user who knows their link would set it.
 */
async function onEmulatedLink (options: RelayOptions): Promise<RelayLine> {
  const lab = await WanLab.create()
  const trio = new Trio()
  try {
    await lab.setProfile(options.profile)
    const onA = ['--udp-host', addressA, '--listen', `/ip4/${addressA}/tcp/0`]
    const r = await trio.start(join(options.root, 'wan-r'), lab.namespaceA, onA)
    const a = await trio.start(join(options.root, 'wan-a'), lab.namespaceA, [...onA, '--bootstrap', r.ready.multiaddrs[0]!])
    const c = await trio.start(join(options.root, 'wan-c'), lab.namespaceB, ['--udp-host', addressB, '--listen', `/ip4/${addressB}/tcp/0`, '--bootstrap', r.ready.multiaddrs[0]!])
    await trio.meshed(a, c)
    const rate = { policy: 'fair', targetBitsPerSec: options.profile.capacityMbps * 1e6 }
    const runs = await trio.compare(a, r, c, rate, options.bytes, options.rounds)
    return line(`emulated ${profileLabel(options.profile)}: A and R in one namespace, C across the link; direct A→C and relayed A→R→C each cross it once`, rate, options.bytes, runs)
  } finally {
    await trio.stop()
    await lab.close()
  }
}

/** All three on loopback, one fixed pacing cap for both paths: three processes on the machine's cores, so CPU is what limits. */
async function onLoopback (options: RelayOptions, bitsPerSec: number, why: string): Promise<RelayLine> {
  const trio = new Trio()
  try {
    const r = await trio.start(join(options.root, 'lo-r'), undefined, [])
    const a = await trio.start(join(options.root, 'lo-a'), undefined, ['--bootstrap', r.ready.multiaddrs[0]!])
    const c = await trio.start(join(options.root, 'lo-c'), undefined, ['--bootstrap', r.ready.multiaddrs[0]!])
    await trio.meshed(a, c)
    const rate = { policy: 'fixed', targetBitsPerSec: bitsPerSec }
    const runs = await trio.compare(a, r, c, rate, options.bytes, options.rounds)
    return line(`loopback, no emulated link (${why}); fixed ${bitsPerSec / 1e6} Mbit/s pacing cap on both paths, CPU-bound`, rate, options.bytes, runs)
  } finally {
    await trio.stop()
  }
}

/** The relay lines bench:mesh prints: the emulated link when this machine allows it (else loopback, saying why), then loopback if asked. */
export async function measureRelay (options: RelayOptions): Promise<RelayLine[]> {
  const out: RelayLine[] = []
  const unavailable = labUnavailableReason()
  if (unavailable === undefined) {
    options.log(`relay on an emulated link (${profileLabel(options.profile)})…`)
    out.push(await onEmulatedLink(options))
  } else {
    options.log(`relay: no emulated link (${unavailable}), measuring on loopback instead`)
    out.push(await onLoopback(options, options.loopbackBitsPerSec ?? options.profile.capacityMbps * 1e6, unavailable))
    return out
  }
  if (options.loopbackBitsPerSec !== undefined) {
    options.log('relay on loopback…')
    out.push(await onLoopback(options, options.loopbackBitsPerSec, 'extra measurement'))
  }
  return out
}
