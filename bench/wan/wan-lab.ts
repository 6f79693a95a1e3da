// The WAN lab: two network namespaces joined by the userspace link emulator over TUN devices, set to a link profile, and torn down at the end whatever happens.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { benchWorkDir, emulatorBinary } from './emulator-binary.js'
import { directionSettings, type DirectionSettings, type LinkProfile } from './link-profile.js'

/** Sender side (client) address, inside namespace A only. */
export const addressA = '10.77.0.1'
/** Receiver side (server) address, inside namespace B only. */
export const addressB = '10.77.0.2'

/** Socket buffer ceiling for the lab, in bytes: TCP at 100 Mbit/s × 300 ms needs 3.75 MB in flight, more with a full queue. */
const socketBufferMaxBytes = 64 * 1024 * 1024

export interface DirectionStats {
  rxPackets: number
  rxBytes: number
  txPackets: number
  txBytes: number
  lostPackets: number
  queueDrops: number
  overflowDrops: number
  writeErrors: number
  maxBacklogBytes: number
  inFlight: number
}

export interface EmulatorStats { ab: DirectionStats, ba: DirectionStats }

/** Why the lab cannot run here, or undefined when it can (root, ip netns, /dev/net/tun, cc, /usr/bin/time). */
export function labUnavailableReason (): string | undefined {
  if (process.platform !== 'linux') return 'the WAN lab needs Linux network namespaces'
  if (process.getuid?.() !== 0) return 'the WAN lab needs root (ip netns add, TUN devices)'
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun'
  for (const tool of ['ip', 'cc', '/usr/bin/time']) {
    try { execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }) } catch { return `missing ${tool}` }
  }
  const probe = `ferry-probe-${process.pid}`
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' })
  } catch {
    return '`ip netns add` is not allowed here'
  }
  try { execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' }) } catch { /* best effort */ }
  return undefined
}

function run (argv: string[]): string {
  return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

function tryRun (argv: string[]): void {
  try { run(argv) } catch { /* teardown is best effort: the thing may already be gone */ }
}

/** Deletes namespaces left behind by lab runs whose process is gone (a kill -9'd bench). */
function removeStaleNamespaces (): void {
  let names: string[]
  try { names = run(['ip', 'netns', 'list']).split('\n').map(l => l.split(' ')[0]!).filter(Boolean) } catch { return }
  for (const name of names) {
    const match = /^ferry-[ab]-(\d+)$/.exec(name)
    if (match === null || existsSync(`/proc/${match[1]}`)) continue
    killNamespaceProcesses(name)
    tryRun(['ip', 'netns', 'del', name])
  }
}

function killNamespaceProcesses (namespace: string): void {
  let pids: string[]
  try { pids = run(['ip', 'netns', 'pids', namespace]).split(/\s+/).filter(Boolean) } catch { return }
  for (const pid of pids) { try { process.kill(Number(pid), 'SIGKILL') } catch { /* gone */ } }
}

function readSysctl (path: string): number { return Number(readFileSync(path, 'utf8').trim()) }

/** Puts back the socket buffer ceilings noted by the run that raised them. */
function restoreSocketBufferLimits (): void {
  for (const key of ['rmem_max', 'wmem_max']) {
    const note = join(benchWorkDir, `original-${key}`)
    if (!existsSync(note)) continue
    try {
      writeFileSync(`/proc/sys/net/core/${key}`, readFileSync(note, 'utf8').trim())
      rmSync(note)
    } catch { /* best effort */ }
  }
}

export class WanLab {
  readonly namespaceA: string
  readonly namespaceB: string
  readonly #tunA: string
  readonly #tunB: string
  #emulator: ChildProcess | undefined
  #emulatorLines: AsyncIterator<string> | undefined
  #closed = false
  readonly #onExit = (): void => { this.closeSync() }
  profile: LinkProfile | undefined

  private constructor (id: string) {
    this.namespaceA = `ferry-a-${id}`
    this.namespaceB = `ferry-b-${id}`
    this.#tunA = `fwa${id}`.slice(0, 15)
    this.#tunB = `fwb${id}`.slice(0, 15)
  }

  /** Creates the namespaces, starts the emulator and wires the TUN devices; closes everything again if any step fails. */
  static async create (options: { seed?: number } = {}): Promise<WanLab> {
    removeStaleNamespaces()
    const lab = new WanLab(String(process.pid))
    process.on('exit', lab.#onExit)
    try {
      await lab.#start(options.seed ?? 1)
    } catch (err) {
      await lab.close()
      throw err
    }
    return lab
  }

  async #start (seed: number): Promise<void> {
    const binary = emulatorBinary()
    // net.core.rmem_max/wmem_max are global on this kernel (read-only inside a namespace): raise them for the run; the first
    // run to raise a value notes the original in bench/.work, and whichever run closes last puts it back.
    mkdirSync(benchWorkDir, { recursive: true })
    for (const key of ['rmem_max', 'wmem_max']) {
      const path = `/proc/sys/net/core/${key}`
      const old = readSysctl(path)
      if (old < socketBufferMaxBytes) {
        try {
          writeFileSync(join(benchWorkDir, `original-${key}`), String(old), { flag: 'wx' })
        } catch { /* an earlier run's note is there already: it holds the value to restore */ }
        writeFileSync(path, String(socketBufferMaxBytes))
      }
    }
    for (const ns of [this.namespaceA, this.namespaceB]) run(['ip', 'netns', 'add', ns])
    this.#emulator = spawn(binary, [this.#tunA, this.#tunB, String(seed)], { stdio: ['pipe', 'pipe', 'inherit'] })
    this.#emulatorLines = createInterface({ input: this.#emulator.stdout! })[Symbol.asyncIterator]()
    const first = await this.#emulatorLines.next()
    if (first.done === true || first.value !== 'ready') throw new Error('link emulator did not start')
    const sides: Array<[string, string, string, string]> = [
      [this.namespaceA, this.#tunA, addressA, addressB],
      [this.namespaceB, this.#tunB, addressB, addressA]
    ]
    for (const [ns, tun, local, peer] of sides) {
      run(['ip', 'link', 'set', tun, 'netns', ns])
      run(['ip', '-n', ns, 'addr', 'add', local, 'peer', peer, 'dev', tun])
      run(['ip', '-n', ns, 'link', 'set', tun, 'mtu', '1500', 'txqueuelen', '10000', 'up'])
      run(['ip', '-n', ns, 'link', 'set', 'lo', 'up'])
      run(['ip', 'netns', 'exec', ns, 'sysctl', '-q',
        `net.ipv4.tcp_rmem=4096 131072 ${socketBufferMaxBytes}`,
        `net.ipv4.tcp_wmem=4096 16384 ${socketBufferMaxBytes}`,
        // every transfer starts cold: no ssthresh or RTT remembered from the previous run
        'net.ipv4.tcp_no_metrics_save=1',
        'net.ipv6.conf.all.disable_ipv6=1'])
    }
  }

  async #command (line: string): Promise<string> {
    if (this.#emulator === undefined || this.#emulatorLines === undefined) throw new Error('lab is not running')
    this.#emulator.stdin!.write(line + '\n')
    const reply = await this.#emulatorLines.next()
    if (reply.done === true) throw new Error('link emulator exited')
    return reply.value
  }

  /** Sets both directions of the link; takes effect for the next packet. */
  async setProfile (profile: LinkProfile): Promise<void> {
    const settings = directionSettings(profile)
    await this.setDirection('ab', settings)
    await this.setDirection('ba', settings)
    this.profile = profile
  }

  /** Sets one direction alone (`ab` is A → B), for asymmetric links and the emulator's own validation. */
  async setDirection (direction: 'ab' | 'ba', s: DirectionSettings): Promise<void> {
    const reply = await this.#command(`set ${direction} ${s.rateBitsPerSec} ${s.delayUs} ${s.lossPpm} ${s.queueBytes}`)
    if (!reply.includes('"ok"')) throw new Error(`link emulator refused settings: ${reply}`)
    this.profile = undefined
  }

  /** Counters since the emulator started (`ab` is A → B). */
  async stats (): Promise<EmulatorStats> {
    const reply = JSON.parse(await this.#command('stats')) as { stats: EmulatorStats }
    return reply.stats
  }

  /** The congestion control TCP tools get unless they choose (the machine's default; a namespace may not change it here). */
  defaultCongestionControl (): string {
    return this.exec(this.namespaceA, ['sysctl', '-n', 'net.ipv4.tcp_congestion_control']).trim()
  }

  /** Runs a command to completion inside a namespace and returns its stdout. */
  exec (namespace: string, argv: string[]): string {
    return run(['ip', 'netns', 'exec', namespace, ...argv])
  }

  /** Tears everything down; safe to call twice. */
  async close (): Promise<void> {
    const emulator = this.#emulator
    this.closeSync()
    if (emulator !== undefined && emulator.exitCode === null) {
      await new Promise(resolve => { emulator.once('exit', resolve); setTimeout(resolve, 2000) })
    }
  }

  /** The synchronous teardown, also run on process exit: kill what runs in the namespaces, delete them, stop the emulator, restore sysctls. */
  closeSync (): void {
    if (this.#closed) return
    this.#closed = true
    process.off('exit', this.#onExit)
    for (const ns of [this.namespaceA, this.namespaceB]) {
      killNamespaceProcesses(ns)
      tryRun(['ip', 'netns', 'del', ns])
    }
    if (this.#emulator !== undefined && this.#emulator.exitCode === null) {
      this.#emulator.stdin!.end()
      this.#emulator.kill('SIGTERM')
    }
    // Another lab run may be relying on the raised ceiling: restore only when no lab namespace is left.
    let others = ''
    try { others = run(['ip', 'netns', 'list']) } catch { /* none */ }
    if (!/ferry-[ab]-\d+/.test(others)) restoreSocketBufferLimits()
  }
}
