// Mesh benchmark: 30 real node processes converging from one bootstrap address, and direct vs relayed memory-to-memory throughput.
import '../../protocol/src/polyfill/promise-with-resolvers.js'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

const MAIN_JS = join(import.meta.dirname, '..', '..', 'node', 'dist', 'main.js')
const ADMIN = 'bench-admin-token-0123456789abcdef'
const json = process.argv.includes('--json')
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
/** Nodes in the convergence run (the issue asks for 30). */
const NODES = arg('--nodes', 30)
/** Bytes per relay-comparison transfer: long enough that set-up time is small beside it. */
const BENCH_BYTES = arg('--bytes', 32 * 1024 * 1024)
/** Same pacing cap for both paths, so they share one emulated link (bits/s). */
const LINK_BITS_PER_SEC = arg('--link-bits', 400e6)
/** Node processes started at once. */
const START_BATCH = 3
/** Upper bound on the whole convergence wait (ms). */
const CONVERGENCE_TIMEOUT_MS = 180_000

interface Ready { peerId: string, multiaddrs: string[], httpUrl: string }
interface Proc { child: ChildProcess, ready: Ready }

const children: ChildProcess[] = []
function log (line: string): void { if (!json) process.stderr.write(line + '\n') }

async function startNode (dataDir: string, extra: string[]): Promise<Proc> {
  const child = spawn(process.execPath, [MAIN_JS, '--data-dir', dataDir, '--admin-token', ADMIN, '--json', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] })
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

async function convergence (root: string): Promise<void> {
  const first = await startNode(join(root, 'n0'), [])
  const boot = first.ready.multiaddrs[0]
  // A few at a time: 30 processes loading their modules at once only thrash two cores.
  const rest: Proc[] = []
  for (let i = 1; i < NODES; i += START_BATCH) {
    const batch = Array.from({ length: Math.min(START_BATCH, NODES - i) }, (_, k) => i + k)
    rest.push(...await Promise.all(batch.map(async n => await startNode(join(root, `n${n}`), ['--bootstrap', boot]))))
  }
  const all = [first, ...rest]
  // The clock starts when the last node is up: what is measured is the mesh finding itself, not Node.js loading modules.
  const t0 = performance.now()
  const deadline = t0 + CONVERGENCE_TIMEOUT_MS
  for (;;) {
    const counts = await Promise.all(all.map(async p => (await admin<{ peers: Array<{ connected: boolean }> }>(p, '/api/v1/peers')).peers.filter(x => x.connected).length))
    if (counts.every(c => c >= NODES - 1)) break
    if (performance.now() > deadline) throw new Error(`no convergence within ${CONVERGENCE_TIMEOUT_MS} ms: ${counts.join(',')}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  const seconds = (performance.now() - t0) / 1000
  await new Promise(resolve => setTimeout(resolve, 2000))
  const rss = await Promise.all(all.map(async p => await rssMb(p.child.pid as number)))
  const idleRssMb = rss.reduce((a, b) => a + b, 0) / rss.length
  const line = { metric: 'convergence', nodes: NODES, seconds: Number(seconds.toFixed(2)), idleRssMb: Number(idleRssMb.toFixed(1)) }
  process.stdout.write(json ? JSON.stringify(line) + '\n' : `convergence: ${NODES} nodes in ${line.seconds} s, idle RSS ${line.idleRssMb} MiB per node\n`)
  await stopAll()
}

async function relay (root: string): Promise<void> {
  const r = await startNode(join(root, 'r'), [])
  const a = await startNode(join(root, 'a'), ['--bootstrap', r.ready.multiaddrs[0]])
  const c = await startNode(join(root, 'c'), ['--bootstrap', r.ready.multiaddrs[0]])
  const connected = async (p: Proc, n: number): Promise<boolean> => (await admin<{ peers: Array<{ connected: boolean }> }>(p, '/api/v1/peers')).peers.filter(x => x.connected).length >= n
  for (let i = 0; !(await connected(a, 2) && await connected(c, 2)); i++) {
    if (i > 300) throw new Error('relay trio did not mesh')
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  const body = { peerId: c.ready.peerId, bytes: BENCH_BYTES, policy: 'fixed', targetBitsPerSec: LINK_BITS_PER_SEC }
  // One warm-up each way, then alternate so load on the shared machine hits both paths alike.
  await admin(a, '/api/v1/bench', { ...body, bytes: Math.min(BENCH_BYTES, 8 << 20), route: 'direct' })
  await admin(a, '/api/v1/bench', { ...body, bytes: Math.min(BENCH_BYTES, 8 << 20), route: 'relay' })
  const direct: number[] = []
  const relayed: number[] = []
  for (let i = 0; i < 2; i++) {
    direct.push((await admin<{ mbps: number }>(a, '/api/v1/bench', { ...body, route: 'direct' })).mbps)
    const viaR = await admin<{ mbps: number, via?: string }>(a, '/api/v1/bench', { ...body, route: 'relay' })
    if (viaR.via !== r.ready.peerId) throw new Error(`relayed run went via ${viaR.via}, not R`)
    relayed.push(viaR.mbps)
  }
  const directMbps = Math.max(...direct)
  const relayMbps = Math.max(...relayed)
  const line = { metric: 'relay', directMbps: Number(directMbps.toFixed(1)), relayMbps: Number(relayMbps.toFixed(1)), ratio: Number((relayMbps / directMbps).toFixed(3)), bytes: BENCH_BYTES, linkBitsPerSec: LINK_BITS_PER_SEC }
  process.stdout.write(json ? JSON.stringify(line) + '\n' : `relay: direct ${line.directMbps} Mbit/s, through R ${line.relayMbps} Mbit/s, ratio ${line.ratio}\n`)
  await stopAll()
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
