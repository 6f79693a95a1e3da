// Mesh benchmark: 30 real node processes converging from one bootstrap address, and direct vs relayed memory-to-memory throughput.
import '../../protocol/src/polyfill/promise-with-resolvers.js'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseProfile } from '../wan/link-profile.js'
import { measureRelay } from './relay-measurement.js'

const MAIN_JS = join(import.meta.dirname, '..', '..', 'node', 'dist', 'main.js')
const ADMIN = 'bench-admin-token-0123456789abcdef'
const json = process.argv.includes('--json')
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
/** Nodes in the convergence run (the issue asks for 30). */
const NODES = arg('--nodes', 30)
/** Bytes per relay-comparison transfer: long enough that set-up time and slow start are small beside it. */
const BENCH_BYTES = arg('--bytes', 64 * 1024 * 1024)
/** The emulated link both relay paths cross (`CAPACITY_MBPS:RTT_MS:LOSS_PCT`, as bench:wan's --profile). */
const RELAY_LINK = parseProfile(process.argv.includes('--relay-link') ? process.argv[process.argv.indexOf('--relay-link') + 1]! : '100:30:0')
/** Measured direct/relayed pairs; medians are reported. */
const RELAY_ROUNDS = arg('--rounds', 3)
/** With --link-bits, an extra loopback relay measurement at that fixed pacing cap (bits/s), labelled as such. */
const LOOPBACK_BITS_PER_SEC = process.argv.includes('--link-bits') ? arg('--link-bits', 0) : undefined
/** Node processes started at once. */
const START_BATCH = 3
/** Upper bound on the whole convergence wait (ms). */
const CONVERGENCE_TIMEOUT_MS = 180_000

/** `--profile-dir <dir>`: every node process writes a V8 CPU profile there when it exits (for finding where time goes). */
const PROFILE_ARGS = process.argv.includes('--profile-dir') ? ['--cpu-prof', '--cpu-prof-dir', process.argv[process.argv.indexOf('--profile-dir') + 1]] : []

interface Ready { peerId: string, multiaddrs: string[], httpUrl: string }
interface Proc { child: ChildProcess, ready: Ready }

const children: ChildProcess[] = []
function log (line: string): void { if (!json) process.stderr.write(line + '\n') }

async function startNode (dataDir: string, extra: string[]): Promise<Proc> {
  const child = spawn(process.execPath, [...PROFILE_ARGS, MAIN_JS, '--data-dir', dataDir, '--admin-token', ADMIN, '--json', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let err = ''
  child.stderr!.on('data', d => { err += String(d) })
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`node did not start in 180 s: ${err}`)) }, 180_000)
    createInterface({ input: child.stdout! }).once('line', line => { clearTimeout(timer); resolve(JSON.parse(line) as Ready) })
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`node exited ${code}: ${err}`)) })
  })
  return { child, ready }
}

async function admin<T> (p: Proc, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${p.ready.httpUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(300_000)
  })
  const out = await res.json() as T & { code?: string, message?: string }
  if (!res.ok) throw new Error(`${path}: ${out.code} ${out.message}`)
  return out
}

async function rssMb (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

/** User + system CPU time of a process so far, in clock ticks. */
async function cpuTicks (pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ')
  return Number(fields[11]) + Number(fields[12])
}

async function stopAll (): Promise<void> {
  await Promise.all(children.splice(0).map(async c => {
    if (c.exitCode !== null || c.signalCode !== null) return
    const exited = new Promise(resolve => c.once('exit', resolve))
    c.kill('SIGTERM')
    const t = setTimeout(() => { c.kill('SIGKILL') }, 5000)
    await exited
    clearTimeout(t)
  }))
}

interface PeerView { peerId: string, multiaddrs: string[], connected: boolean, rttMs?: number, knownSinceMs: number }

/**
 * 30 node processes from one bootstrap address until every node's peer table lists every other node with a dialable
 * address ("knows" it). The clock starts when every process is up and listening (its ready line: start-up is process
 * and module loading, not mesh time, and is reported apart as startSeconds); the end is the latest time, by the nodes'
 * own clocks (one machine, one clock), at which a node first learned of a peer. lastJoinSeconds is from spawning the
 * last process to convergence, its start-up included. Nodes hold connections (and measured RTTs) to a bounded set of
 * neighbours, reported as connectedPerNode and rttPerNode.
 */
async function convergence (root: string): Promise<void> {
  const spawnStart = performance.now()
  const first = await startNode(join(root, 'n0'), [])
  const boot = first.ready.multiaddrs[0]
  // A few at a time: 30 processes loading their modules at once only thrash two cores.
  const rest: Proc[] = []
  let lastSpawnMs = Date.now()
  for (let i = 1; i < NODES; i += START_BATCH) {
    const batch = Array.from({ length: Math.min(START_BATCH, NODES - i) }, (_, k) => i + k)
    lastSpawnMs = Date.now()
    rest.push(...await Promise.all(batch.map(async n => await startNode(join(root, `n${n}`), ['--bootstrap', boot]))))
    log(`${rest.length + 1} nodes up after ${((performance.now() - spawnStart) / 1000).toFixed(1)} s`)
  }
  const all = [first, ...rest]
  const upMs = Date.now()
  const startSeconds = (performance.now() - spawnStart) / 1000
  const deadline = performance.now() + CONVERGENCE_TIMEOUT_MS
  let views: PeerView[][]
  let missing: number[]
  for (;;) {
    views = await Promise.all(all.map(async p => (await admin<{ peers: PeerView[] }>(p, '/api/v1/peers')).peers))
    missing = all.map((p, i) => all.filter(o => o !== p && !views[i].some(v => v.peerId === o.ready.peerId && v.multiaddrs.length > 0)).length)
    if (missing.every(m => m === 0)) break
    if (performance.now() > deadline) throw new Error(`no convergence within ${CONVERGENCE_TIMEOUT_MS} ms; peers still unknown per node: ${missing.join(',')}`)
    // Polling is only how the bench notices; the time comes from the nodes' own timestamps.
    await new Promise(resolve => setTimeout(resolve, 500))
  }
  const ids = new Set(all.map(p => p.ready.peerId))
  const learnedAt = views.map(v => Math.max(...v.filter(x => ids.has(x.peerId)).map(x => x.knownSinceMs)))
  const convergedMs = Math.max(...learnedAt)
  const seconds = Math.max(0, convergedMs - upMs) / 1000
  const lastJoinSeconds = (convergedMs - lastSpawnMs) / 1000
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
  const connectedPerNode = mean(views.map(v => v.filter(x => ids.has(x.peerId) && x.connected).length))
  const rttPerNode = mean(views.map(v => v.filter(x => ids.has(x.peerId) && x.rttMs !== undefined).length))
  log(`each node's last peer learned at (s from all up): ${learnedAt.map(t => ((t - upMs) / 1000).toFixed(2)).join(' ')}`)
  log(`pids: ${all.map(p => p.child.pid).join(' ')} (n0 = bootstrap first)`)
  const cpuBefore = await Promise.all(all.map(async p => await cpuTicks(p.child.pid as number)))
  await new Promise(resolve => setTimeout(resolve, 2000))
  const cpuAfter = await Promise.all(all.map(async p => await cpuTicks(p.child.pid as number)))
  // Clock ticks are 1/100 s on Linux: ticks over 2 s is per cent of one core.
  log(`idle CPU per node over 2 s (% of one core): ${cpuAfter.map((t, i) => ((t - cpuBefore[i]) / 2).toFixed(0)).join(' ')}`)
  const rss = await Promise.all(all.map(async p => await rssMb(p.child.pid as number)))
  const idleRssMb = mean(rss)
  const round = (x: number, digits: number): number => Number(x.toFixed(digits))
  const line = {
    metric: 'convergence', nodes: NODES, seconds: round(seconds, 2), idleRssMb: round(idleRssMb, 1),
    startSeconds: round(startSeconds, 2), lastJoinSeconds: round(lastJoinSeconds, 2), connectedPerNode: round(connectedPerNode, 1), rttPerNode: round(rttPerNode, 1)
  }
  process.stdout.write(json ? JSON.stringify(line) + '\n' : `convergence: ${NODES} nodes know each other ${line.seconds} s after all were up (${line.lastJoinSeconds} s after the last was spawned; start-up ${line.startSeconds} s); connected to ${line.connectedPerNode}, RTT for ${line.rttPerNode} per node; idle RSS ${line.idleRssMb} MiB per node\n`)
  await stopAll()
}

async function relay (root: string): Promise<void> {
  const lines = await measureRelay({ bytes: BENCH_BYTES, profile: RELAY_LINK, rounds: RELAY_ROUNDS, loopbackBitsPerSec: LOOPBACK_BITS_PER_SEC, root, log })
  for (const line of lines) {
    process.stdout.write(json ? JSON.stringify(line) + '\n' : `relay (${line.link}): direct ${line.directMbps} Mbit/s, through R ${line.relayMbps} Mbit/s, ratio ${line.ratio} (medians of ${line.directRuns.length}, load ${line.loadAvg1m})\n`)
  }
}

const root = await mkdtemp(join(tmpdir(), 'ferry-bench-mesh-'))
// Interrupted: take the node processes down too, never leave them running.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { void stopAll().then(async () => { await rm(root, { recursive: true, force: true }) }).finally(() => process.exit(130)) })
}
try {
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined
  if (only === undefined || only === 'convergence') { log(`starting ${NODES} nodes…`); await convergence(root) }
  if (only === undefined || only === 'relay') { log('relay comparison…'); await relay(root) }
} catch (err) {
  process.stderr.write(`bench:mesh failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
} finally {
  await stopAll()
  await rm(root, { recursive: true, force: true })
}
