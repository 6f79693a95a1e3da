// Fairness with kernel TCP on 20 Mbit/s, 100 ms, no random loss: one CUBIC iperf3 flow alone, then beside a Ferry transfer under `fair`, then under `low`.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { NamespaceProcess } from '../namespace-process.js'
import { writeRandomFile } from '../source-file.js'
import { addressB, type WanLab } from '../wan-lab.js'
import { waitForPort } from '../wait-for-port.js'
import { newFerrySession, startFerryReceiver, startFerrySender, type FerryEvent } from '../tools/ferry-tool.js'
import type { LinkProfile } from '../link-profile.js'
import type { ScenarioResult } from '../wan-results.js'
import type { ScenarioOptions } from './scenario-registry.js'
import type { RatePolicy } from '@ferry/protocol/driver/index'

const profile: LinkProfile = { capacityMbps: 20, rttMs: 100, lossPct: 0 }
/** How long the CUBIC flow runs in each phase, in seconds: long enough for CUBIC to grow through several cycles at 100 ms. */
const tcpSeconds = 30
/** Ferry starts this long before the TCP flow, in seconds, so TCP meets a transfer already at speed. */
const ferryHeadStartSeconds = 5
const iperfPort = 5202

async function cubicFlow (lab: WanLab): Promise<{ mbps: number, retransmits: number }> {
  const server = new NamespaceProcess(lab.namespaceB, ['iperf3', '-s', '-1', '-B', addressB, '-p', String(iperfPort), '-J'])
  try {
    await waitForPort(lab.namespaceB, 'tcp', iperfPort)
    const client = await new NamespaceProcess(lab.namespaceA, ['iperf3', '-c', addressB, '-p', String(iperfPort), '-C', 'cubic', '-t', String(tcpSeconds), '-J']).outcome
    const report = JSON.parse(client.stdout) as { end?: { sum_received?: { bits_per_second: number }, sum_sent?: { retransmits?: number } }, error?: string }
    if (report.end?.sum_received === undefined) throw new Error(`iperf3 failed: ${report.error ?? client.stderr}`)
    return { mbps: report.end.sum_received.bits_per_second / 1e6, retransmits: report.end.sum_sent?.retransmits ?? 0 }
  } finally {
    if (!server.exited) await server.stop()
  }
}

/** Ferry's goodput between two instants, from the receiver's progress events (bytesDone at known times). */
function ferryMbpsBetween (samples: Array<{ atMs: number, bytesDone: number }>, fromMs: number, toMs: number): number {
  const inside = samples.filter(s => s.atMs >= fromMs && s.atMs <= toMs)
  if (inside.length < 2) return Number.NaN
  const first = inside[0]!
  const last = inside[inside.length - 1]!
  return (last.bytesDone - first.bytesDone) * 8 / ((last.atMs - first.atMs) / 1000) / 1e6
}

async function besideFerry (lab: WanLab, policy: RatePolicy, work: string, sourcePath: string, log: (line: string) => void): Promise<{ tcpMbps: number, ferryMbps: number, ferryAloneMbps: number, retransmits: number }> {
  const session = newFerrySession()
  const samples: Array<{ atMs: number, bytesDone: number }> = []
  let flowing: () => void = () => {}
  const firstBytes = new Promise<void>(resolve => { flowing = resolve })
  const onEvent = (e: FerryEvent): void => {
    if (e.event !== 'progress') return
    samples.push({ atMs: Date.now(), bytesDone: Number(e.bytesDone) })
    if (Number(e.bytesDone) > 0) flowing()
  }
  const destination = join(work, `receive-${policy}`)
  mkdirSync(destination)
  const receiver = await startFerryReceiver(lab, destination, undefined, { session, onEvent })
  const sender = startFerrySender(lab, { session, policy, targetBitsPerSec: profile.capacityMbps * 1e6, source: { file: sourcePath } })
  try {
    // the head start counts from Ferry's first bytes, not from its processes' start (slow on a loaded machine)
    const giveUp = new AbortController()
    await Promise.race([firstBytes, sleep(30_000, undefined, { signal: giveUp.signal }).catch(() => {})])
    giveUp.abort()
    await sleep(ferryHeadStartSeconds * 1000)
    const aloneMbps = ferryMbpsBetween(samples, Date.now() - 3000, Date.now())
    log(`ferry ${policy} alone: ${aloneMbps.toFixed(2)} Mbit/s; starting CUBIC`)
    const fromMs = Date.now()
    const tcp = await cubicFlow(lab)
    const ferryMbps = ferryMbpsBetween(samples, fromMs, Date.now())
    return { tcpMbps: tcp.mbps, ferryMbps, ferryAloneMbps: aloneMbps, retransmits: tcp.retransmits }
  } finally {
    await sender.stop()
    await receiver.stop()
    rmSync(destination, { recursive: true, force: true })
  }
}

export async function fairnessScenario (lab: WanLab, options: ScenarioOptions): Promise<ScenarioResult> {
  const work = mkdtempSync(join(tmpdir(), 'ferry-wan-fair-'))
  try {
    await lab.setProfile(profile)
    // enough bytes that Ferry alone at the full link rate still runs when the TCP flow ends
    const sourcePath = join(work, 'payload.bin')
    writeRandomFile(sourcePath, Math.ceil(profile.capacityMbps * 1e6 / 8 * (tcpSeconds + ferryHeadStartSeconds + 15)))
    const rows: ScenarioResult['rows'] = []
    const emit = (row: Record<string, string | number | boolean>): void => {
      rows.push(row)
      options.log(JSON.stringify(row))
      if (options.json) process.stdout.write(JSON.stringify({ scenario: 'fairness', capacityMbps: profile.capacityMbps, rttMs: profile.rttMs, lossPct: profile.lossPct, ...row }) + '\n')
    }
    const alone = await cubicFlow(lab)
    emit({ phase: 'CUBIC alone', cubicMbps: round(alone.mbps), cubicShareOfLinkPct: round(alone.mbps / profile.capacityMbps * 100), cubicVsAlonePct: 100, ferryAloneMbps: '', ferryMbps: '', goal: '', met: '' })
    for (const policy of ['fair', 'low'] as const) {
      const r = await besideFerry(lab, policy, work, sourcePath, options.log)
      const share = r.tcpMbps / profile.capacityMbps * 100
      const vsAlone = r.tcpMbps / alone.mbps * 100
      const goal = policy === 'fair' ? 'CUBIC ≥ 40 % of the link' : 'CUBIC ≥ 90 % of alone'
      emit({ phase: `CUBIC beside Ferry ${policy}`, cubicMbps: round(r.tcpMbps), cubicShareOfLinkPct: round(share), cubicVsAlonePct: round(vsAlone), ferryAloneMbps: round(r.ferryAloneMbps), ferryMbps: round(r.ferryMbps), goal, met: policy === 'fair' ? share >= 40 : vsAlone >= 90 })
    }
    return {
      scenario: 'fairness',
      at: new Date().toISOString(),
      summary: `${profile.capacityMbps} Mbit/s, ${profile.rttMs} ms, no random loss, drop-tail queue of one RTT. One iperf3 CUBIC flow for ${tcpSeconds} s alone, then started ${ferryHeadStartSeconds} s after a Ferry transfer (target = link rate). ` +
        'Ferry\'s rate is its receiver\'s progress over the same window; `ferryAloneMbps` is its rate over the 3 s before CUBIC starts — ' +
        'the goals mean something only when Ferry alone fills most of the link.',
      rows
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

function round (n: number): number { return Number(n.toFixed(2)) }
