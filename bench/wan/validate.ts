// Checks the link emulator against independent measurements (ping for RTT, iperf3 UDP for rate and loss): each within 2 % of what was asked.
import { NamespaceProcess } from './namespace-process.js'
import { addressB, type WanLab } from './wan-lab.js'
import { directionSettings } from './link-profile.js'
import { waitForPort } from './wait-for-port.js'

export interface ValidationCheck {
  what: string
  asked: number
  measured: number
  unit: string
  /** |measured − asked| / asked, in percent. */
  errorPct: number
  ok: boolean
  how: string
}

const tolerancePct = 2
const iperfPort = 5301
/** Length of each rate test, in seconds. */
const rateTestSeconds = 15

function check (what: string, asked: number, measured: number, unit: string, how: string): ValidationCheck {
  const errorPct = Math.abs(measured - asked) / asked * 100
  return { what, asked, measured: Number(measured.toFixed(4)), unit, errorPct: Number(errorPct.toFixed(3)), ok: errorPct <= tolerancePct, how }
}

async function pingRttMs (lab: WanLab, count: number): Promise<number> {
  const out = lab.exec(lab.namespaceA, ['ping', '-q', '-n', '-c', String(count), '-i', '0.02', '-W', '5', addressB])
  const match = /= [\d.]+\/([\d.]+)\//.exec(out)
  if (match === null) throw new Error(`cannot read ping output: ${out}`)
  return Number(match[1])
}

interface UdpResult {
  receivedBitsPerSec: number
  lostPercent: number
  packets: number
  receiverBufferDrops: number
  /** What reached the emulator from A and what it delivered to B (IP bytes), for telling a starved sender from a slow link. */
  offeredBytes: number
  deliveredBytes: number
  queueDrops: number
}

/** UDP datagrams namespace B's kernel dropped because the receiving socket was full (not the link's doing). */
function udpReceiveBufferErrors (lab: WanLab): number {
  const lines = lab.exec(lab.namespaceB, ['cat', '/proc/net/snmp']).split('\n').filter(l => l.startsWith('Udp:'))
  const names = lines[0]?.split(/\s+/) ?? []
  const values = lines[1]?.split(/\s+/) ?? []
  return Number(values[names.indexOf('RcvbufErrors')] ?? 0)
}

async function iperfUdp (lab: WanLab, sendBitsPerSec: number, payloadBytes: number, seconds: number): Promise<UdpResult> {
  const buffersBefore = udpReceiveBufferErrors(lab)
  const before = await lab.stats()
  const server = new NamespaceProcess(lab.namespaceB, ['iperf3', '-s', '-1', '-B', addressB, '-p', String(iperfPort)])
  try {
    await waitForPort(lab.namespaceB, 'tcp', iperfPort)
    const client = new NamespaceProcess(lab.namespaceA, ['iperf3', '-c', addressB, '-p', String(iperfPort), '-u', '-b', String(sendBitsPerSec),
      '-l', String(payloadBytes), '-t', String(seconds), '-w', '4M', '-J'])
    const outcome = await client.outcome
    const report = JSON.parse(outcome.stdout) as { end?: { sum_received?: { bits_per_second: number, lost_percent: number, packets: number } }, error?: string }
    const received = report.end?.sum_received
    if (received === undefined) throw new Error(`iperf3 UDP failed: ${report.error ?? outcome.stderr}`)
    // the server's view: what arrived, and what went missing by sequence number
    const after = await lab.stats()
    return {
      receivedBitsPerSec: received.bits_per_second, lostPercent: received.lost_percent, packets: received.packets, receiverBufferDrops: udpReceiveBufferErrors(lab) - buffersBefore,
      offeredBytes: after.ab.rxBytes - before.ab.rxBytes, deliveredBytes: after.ab.txBytes - before.ab.txBytes, queueDrops: after.ab.queueDrops - before.ab.queueDrops
    }
  } finally {
    await server.stop()
  }
}

/** Runs every check; the lab is left at the last profile set. */
export async function validateEmulator (lab: WanLab, log: (line: string) => void): Promise<ValidationCheck[]> {
  const checks: ValidationCheck[] = []
  const add = (c: ValidationCheck): void => { checks.push(c); log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.what}: asked ${c.asked} ${c.unit}, measured ${c.measured} ${c.unit} (${c.errorPct} %) — ${c.how}`) }

  for (const rttMs of [50, 100, 300]) {
    await lab.setProfile({ capacityMbps: 100, rttMs, lossPct: 0 })
    add(check(`RTT ${rttMs} ms`, rttMs, await pingRttMs(lab, 100), 'ms', 'ping, 100 echoes 20 ms apart, mean'))
  }
  // each direction set apart: 40 ms out, 10 ms back
  const base = directionSettings({ capacityMbps: 100, rttMs: 0, lossPct: 0 })
  await lab.setDirection('ab', { ...base, delayUs: 40_000 })
  await lab.setDirection('ba', { ...base, delayUs: 10_000 })
  add(check('RTT 40 ms out + 10 ms back', 50, await pingRttMs(lab, 100), 'ms', 'ping, asymmetric one-way delays'))

  // Rate: offer 150 Mbit/s of 1472-byte UDP payloads; the link carries 1500-byte IP packets, so payload goodput is 1472/1500 of the rate.
  for (const capacityMbps of [20, 100]) {
    await lab.setProfile({ capacityMbps, rttMs: 20, lossPct: 0 })
    const udp = await iperfUdp(lab, capacityMbps * 1.5e6, 1472, rateTestSeconds)
    add(check(`rate ${capacityMbps} Mbit/s`, capacityMbps, udp.receivedBitsPerSec / 1e6 * 1500 / 1472, 'Mbit/s', `iperf3 UDP offered at 1.5× the rate, ${rateTestSeconds} s, IP-level rate from 1472-byte payloads; receiver socket drops ${udp.receiverBufferDrops}; ` +
      `the emulator took ${(udp.offeredBytes * 8 / rateTestSeconds / 1e6).toFixed(1)} Mbit/s from A (queue drops ${udp.queueDrops}) and delivered ${(udp.deliveredBytes * 8 / rateTestSeconds / 1e6).toFixed(1)} Mbit/s`))
  }

  // Loss: small datagrams below the link rate, enough of them that 2 % of the asked loss is about 3 standard errors.
  for (const lossPct of [5]) {
    // a long queue, so iperf3's own bursts never meet a queue drop: only the random loss is measured
    await lab.setProfile({ capacityMbps: 100, rttMs: 20, lossPct, queueMs: 1000 })
    const udp = await iperfUdp(lab, 40e6, 200, 20)
    const stdErrPct = Math.sqrt(lossPct / 100 * (1 - lossPct / 100) / udp.packets) * 100
    add(check(`loss ${lossPct} %`, lossPct, udp.lostPercent, '%', `iperf3 UDP, ${udp.packets} datagrams of 200 B at 40 Mbit/s; binomial standard error ${(stdErrPct / lossPct * 100).toFixed(2)} % of the asked loss; receiver socket drops ${udp.receiverBufferDrops}`))
  }
  return checks
}
