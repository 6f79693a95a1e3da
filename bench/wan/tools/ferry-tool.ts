// Ferry's own transfer in the WAN lab: a receiver process in namespace B and a sender process in namespace A, each driving the UDP driver (ferry-transfer-process.ts).
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { NamespaceProcess } from '../namespace-process.js'
import { benchWorkDir } from '../emulator-binary.js'
import { plainNodeScript } from '../../plain-node-script.js'
import { addressA, addressB, type WanLab } from '../wan-lab.js'
import { outcomeWithin } from './process-race.js'
import type { ToolMeasurement, ToolRun, WanTool } from './wan-tool.js'
import type { RatePolicy } from '@ferry/protocol/driver/index'

const repoRoot = join(import.meta.dirname, '..', '..', '..')
let plainScript: string | undefined
/** ferry-transfer-process.ts as plain JavaScript on protocol/dist, made once per bench run: both sides run as the product does. */
function transferScript (): string {
  plainScript ??= plainNodeScript(join(import.meta.dirname, 'ferry-transfer-process.ts'), join(benchWorkDir, 'ferry-transfer-process'))
  return plainScript
}
/** The receiver's UDP port in namespace B. */
export const ferryPort = 7101

export interface FerryEvent { event: string, [key: string]: unknown }

/** Parses the JSON lines a transfer process printed. */
export function ferryEvents (stdout: string): FerryEvent[] {
  return stdout.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as FerryEvent)
}

export interface FerrySession { connectionId: string, secretHex: string }

export function newFerrySession (): FerrySession {
  return { connectionId: randomBytes(8).toString('hex'), secretHex: randomBytes(32).toString('hex') }
}

export interface FerrySideOptions {
  session: FerrySession
  onEvent?: (event: FerryEvent) => void
}

function spawnSide (namespace: string, args: string[], options: FerrySideOptions): NamespaceProcess {
  // FERRY_WAN_SIDE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"): node flags for the two Ferry sides only, for diagnosis.
  const nodeArgs = (process.env.FERRY_WAN_SIDE_NODE_ARGS ?? '').split(' ').filter(a => a !== '')
  return new NamespaceProcess(namespace, [process.execPath, ...nodeArgs, transferScript(), '--connection-id', options.session.connectionId, ...args], {
    cwd: repoRoot,
    env: { ...process.env, FERRY_WAN_SECRET_HEX: options.session.secretHex },
    ...(options.onEvent === undefined ? {} : { onStdoutLine: (line: string) => { if (line.startsWith('{')) options.onEvent!(JSON.parse(line) as FerryEvent) } })
  })
}

/** Starts a receiver in namespace B and resolves once its socket is bound. */
export async function startFerryReceiver (lab: WanLab, destinationDir: string, journalPath: string | undefined, options: FerrySideOptions): Promise<NamespaceProcess> {
  let bound: () => void = () => {}
  const ready = new Promise<void>(resolve => { bound = resolve })
  const receiver = spawnSide(lab.namespaceB, ['--mode', 'receive', '--bind', addressB, '--port', String(ferryPort), '--destination-dir', destinationDir,
    ...(journalPath === undefined ? [] : ['--journal', journalPath])], {
    ...options,
    onEvent: e => { if (e.event === 'bound') bound(); options.onEvent?.(e) }
  })
  const exited = receiver.outcome.then(o => { throw new Error(`ferry receiver exited before binding: ${o.stdout}${o.stderr}`) })
  await Promise.race([ready, exited])
  exited.catch(() => {})
  return receiver
}

export interface FerrySendOptions extends FerrySideOptions {
  policy: RatePolicy
  targetBitsPerSec: number
  minBitsPerSec?: number
  /** The link's rate where the operator knows it (RateSettings.pathBitsPerSec): the fast start begins there. */
  pathBitsPerSec?: number
  /** One file, or a whole directory (its tree is the manifest). */
  source: { file: string } | { dir: string }
}

export function startFerrySender (lab: WanLab, options: FerrySendOptions): NamespaceProcess {
  return spawnSide(lab.namespaceA, ['--mode', 'send', '--bind', addressA, '--remote', `${addressB}:${ferryPort}`,
    ...('file' in options.source ? ['--file', options.source.file] : ['--source-dir', options.source.dir]),
    '--policy', options.policy, '--target-bits-per-sec', String(Math.round(options.targetBitsPerSec)),
    '--min-bits-per-sec', String(Math.round(options.minBitsPerSec ?? 1e6)),
    ...(options.pathBitsPerSec === undefined ? [] : ['--path-bits-per-sec', String(Math.round(options.pathBitsPerSec))])], options)
}

export class FerryTool implements WanTool {
  readonly name: string
  readonly #policy: RatePolicy
  readonly #targetFraction: number

  /** `targetFraction` of the link's capacity is the rate asked for (1: the whole link, as a user who knows their link sets it). */
  constructor (policy: RatePolicy = 'fair', targetFraction = 1) {
    this.#policy = policy
    this.#targetFraction = targetFraction
    this.name = (policy === 'fair' ? 'ferry' : `ferry-${policy}`) + (targetFraction === 1 ? '' : `-${Math.round(targetFraction * 100)}pct`)
  }

  unavailableReason (): string | undefined {
    return existsSync(join(repoRoot, 'protocol', 'dist', 'driver', 'index.js')) ? undefined : 'the UDP driver is not built (flock /tmp/ferry-build.lock npx tsc -b protocol)'
  }

  async run (r: ToolRun): Promise<ToolMeasurement> {
    const session = newFerrySession()
    const receiver = await startFerryReceiver(r.lab, r.receiveDir, join(r.scratchDir, 'journal'), { session })
    try {
      // The user knows their link and says so (target and path rate); the controller finds what the path allows below it.
      const targetBitsPerSec = r.profile.capacityMbps * 1e6 * this.#targetFraction
      const pathBitsPerSec = this.#policy === 'low' ? undefined : r.profile.capacityMbps * 1e6
      const sender = startFerrySender(r.lab, { session, policy: this.#policy, targetBitsPerSec, pathBitsPerSec, source: { file: r.sourcePath } })
      const { outcome, timedOut } = await outcomeWithin(sender, r.timeoutMs)
      const receiverOutcome = timedOut ? await receiver.stop() : await outcomeWithin(receiver, 10_000).then(x => x.outcome)
      const done = ferryEvents(outcome.stdout).find(e => e.event === 'done')
      const failure = [...ferryEvents(outcome.stdout), ...ferryEvents(receiverOutcome.stdout)].find(e => e.event === 'error')
      if (!timedOut && done === undefined) throw new Error(`ferry transfer failed: ${JSON.stringify(failure ?? outcome.stderr.slice(-500))}`)
      const result = done?.result as { retransmittedBytes?: number } | undefined
      return {
        seconds: done === undefined ? outcome.wallSeconds : Number(done.seconds),
        wallSeconds: outcome.wallSeconds,
        cpuSeconds: outcome.cpuSeconds + receiverOutcome.cpuSeconds,
        completed: !timedOut && done !== undefined && ferryEvents(receiverOutcome.stdout).some(e => e.event === 'done'),
        ...(timedOut ? { notes: `stopped after ${r.timeoutMs / 1000} s` } : result?.retransmittedBytes === undefined ? {} : { notes: `retransmitted ${result.retransmittedBytes} B` })
      }
    } finally {
      if (!receiver.exited) await receiver.stop()
    }
  }
}
