// Portal benchmark: 100k packages, 1k users, authenticated "50 newest in my inbox" under 50 connections (autocannon against the real portal process).
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { cpus, loadavg, setPriority, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'
import { seedPortal } from './seed-portal.js'

const args = process.argv.slice(2)
const json = args.includes('--json')
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(args[i + 1])
}
const PACKAGES = flag('packages', 100_000)
const USERS = flag('users', 1_000)
const CONNECTIONS = flag('connections', 50)
/** Measured seconds; a warm-up of a few seconds runs first and is not counted. */
const DURATION_SEC = flag('duration', 15)
const WARMUP_SEC = 3
const TOKEN_USERS = 100
/** `--renice`: raise the portal's and autocannon's CPU priority for the measured seconds only (the machine is shared; opt-in, reported). */
const RENICE = args.includes('--renice')
/** `--baseline`: also measure a bare fastify + LevelDB range scan of the same index (no auth, no schema, no cache) under the same conditions. */
const BASELINE = args.includes('--baseline')

const log = (s: string): void => { if (!json) process.stderr.write(s + '\n') }

async function main (): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ferry-bench-portal-'))
  log(`seeding ${PACKAGES} packages for ${USERS} users in ${dataDir}`)
  // Seed before the portal process opens the database: LevelDB allows one process at a time.
  const seed = await seedPortal(dataDir, { users: USERS, packages: PACKAGES, tokenUsers: TOKEN_USERS })
  log(`seeded in ${seed.seedMs} ms`)
  try {
    const portal = await measure([join(import.meta.dirname, '../../portal/dist/main.js'), '--dataDir', dataDir, '--port', '0', '--json', '--sweepIntervalSec', '3600'], '/api/v1/packages/inbox?limit=50', seed.tokens)
    const out: Record<string, unknown> = {
      packages: PACKAGES,
      users: USERS,
      connections: CONNECTIONS,
      ...portal,
      durationSec: DURATION_SEC,
      seedMs: seed.seedMs,
      // The machine is shared: its load during the run says how much of it the benchmark had.
      loadAvg1m: Number(loadavg()[0]!.toFixed(2)),
      cpus: cpus().length,
      reniced: RENICE
    }
    if (BASELINE) {
      const { p99Ms, reqPerSec, serverCpuMsPerReq } = await measure(['--import', 'tsx', join(import.meta.dirname, 'baseline-server.ts'), dataDir], '/inbox', seed.tokens)
      out.baseline = { what: 'bare fastify + LevelDB range scan, no auth', p99Ms, reqPerSec, serverCpuMsPerReq, loadAvg1m: Number(loadavg()[0]!.toFixed(2)) }
    }
    process.stdout.write(JSON.stringify(out) + '\n')
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** Starts a server process, checks one response, warms up, then measures with autocannon; the process is stopped before returning. */
async function measure (serverArgs: string[], path: string, tokens: string[]): Promise<Record<string, number>> {
  const child = spawn(process.execPath, serverArgs, { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    const ready = await readyLine(child)
    const url = `${ready.listenUrl as string}${path}`
    let next = 0
    const request = (): Record<string, unknown> => ({ method: 'GET', setupRequest: (req: any) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${tokens[next++ % tokens.length]!}` } }) })
    const check = await fetch(url, { headers: { authorization: `Bearer ${tokens[0]!}` } })
    const body = await check.json() as { items: unknown[] }
    if (!check.ok || !Array.isArray(body.items) || body.items.length === 0) throw new Error(`inbox check failed: ${check.status} ${body.items?.length}`)
    log(`warm-up ${path}`)
    await run(url, request, WARMUP_SEC)
    log(`measuring ${path} for ${DURATION_SEC} s with ${CONNECTIONS} connections`)
    if (RENICE) { setPriority(child.pid!, -10); setPriority(-10) }
    const cpuBefore = await cpuMs(child.pid!)
    const result = await run(url, request, DURATION_SEC)
    const cpuAfter = await cpuMs(child.pid!)
    if (RENICE) { setPriority(child.pid!, 0); setPriority(0) }
    return {
      itemsInFirstResponse: body.items.length,
      p99Ms: result.latency.p99,
      reqPerSec: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p90Ms: result.latency.p90,
      maxMs: result.latency.max,
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors,
      serverCpuMsPerReq: Number(((cpuAfter - cpuBefore) / Math.max(1, result.requests.total)).toFixed(3)),
      bytesPerResponse: Math.round(result.throughput.total / Math.max(1, result.requests.total))
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise(resolve => child.once('exit', resolve))
  }
}

async function run (url: string, request: () => Record<string, unknown>, durationSec: number): Promise<any> {
  return await new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: durationSec, requests: [request()] }, (err: Error | null, result: unknown) => {
      if (err !== null && err !== undefined) reject(err); else resolve(result)
    })
  })
}

/** CPU time (user + system, ms) the portal process has used, from /proc: the server's cost per request whatever else loads the machine. */
async function cpuMs (pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticksPerSec = 100
  return (Number(fields[11]) + Number(fields[12])) * 1000 / ticksPerSec
}

async function readyLine (child: ReturnType<typeof spawn>): Promise<Record<string, unknown>> {
  const lines = createInterface({ input: child.stdout! })
  for await (const line of lines) {
    if (line.startsWith('{')) return JSON.parse(line) as Record<string, unknown>
  }
  throw new Error('portal exited before it was ready')
}

main().catch((err: unknown) => { process.stderr.write(`bench:portal: ${(err as Error).stack ?? String(err)}\n`); process.exit(1) })
