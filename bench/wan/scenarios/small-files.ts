// Many small files: 10,000 files of 16 KiB over 100 Mbit/s, 100 ms, 1 % loss — Ferry (one session for the whole tree) against rsync over ssh and tar over ssh.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { randomFillSync } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NamespaceProcess } from '../namespace-process.js'
import { outcomeWithin } from '../tools/process-race.js'
import { SshServer } from '../tools/ssh-server.js'
import { ferryEvents, newFerrySession, startFerryReceiver, startFerrySender } from '../tools/ferry-tool.js'
import { treeDigest } from '../tree-digest.js'
import type { LinkProfile } from '../link-profile.js'
import type { ScenarioResult } from '../wan-results.js'
import type { WanLab } from '../wan-lab.js'
import type { ScenarioOptions } from './scenario-registry.js'

const profile: LinkProfile = { capacityMbps: 100, rttMs: 100, lossPct: 1 }
const fileBytes = 16 * 1024

interface Measured { seconds: number, cpuSeconds: number, completed: boolean, notes?: string }

function makeTree (root: string, count: number): void {
  const buffer = Buffer.alloc(fileBytes)
  // 100 folders of count/100 files: a realistic package layout, and no directory with 10,000 entries
  for (let i = 0; i < count; i++) {
    const dir = join(root, `d${String(i % 100).padStart(3, '0')}`)
    if (i < 100) mkdirSync(dir, { recursive: true })
    randomFillSync(buffer)
    writeFileSync(join(dir, `f${String(i).padStart(5, '0')}.bin`), buffer)
  }
}

async function viaRsync (lab: WanLab, source: string, destination: string, scratch: string, timeoutMs: number): Promise<Measured> {
  const ssh = await SshServer.start(lab, scratch)
  try {
    const client = new NamespaceProcess(lab.namespaceA, ['rsync', '-a', '--whole-file', '-e', ssh.sshCommand.join(' '), `${source}/`, `${ssh.target}:${destination}/`])
    const { outcome, timedOut } = await outcomeWithin(client, timeoutMs)
    const server = await ssh.stop()
    return { seconds: outcome.wallSeconds, cpuSeconds: outcome.cpuSeconds + server.cpuSeconds, completed: !timedOut && outcome.code === 0, ...(outcome.code === 0 ? {} : { notes: outcome.stderr.slice(-200) }) }
  } finally {
    await ssh.stop()
  }
}

async function viaTar (lab: WanLab, source: string, destination: string, scratch: string, timeoutMs: number): Promise<Measured> {
  const ssh = await SshServer.start(lab, scratch)
  try {
    const remote = `tar -C ${destination} -xf -`
    const client = new NamespaceProcess(lab.namespaceA, ['sh', '-c', `tar -C "$1" -cf - . | ${ssh.sshCommand.join(' ')} ${ssh.target} '${remote}'`, 'tar-over-ssh', source])
    const { outcome, timedOut } = await outcomeWithin(client, timeoutMs)
    const server = await ssh.stop()
    return { seconds: outcome.wallSeconds, cpuSeconds: outcome.cpuSeconds + server.cpuSeconds, completed: !timedOut && outcome.code === 0, ...(outcome.code === 0 ? {} : { notes: outcome.stderr.slice(-200) }) }
  } finally {
    await ssh.stop()
  }
}

async function viaFerry (lab: WanLab, source: string, destination: string, scratch: string, timeoutMs: number): Promise<Measured> {
  const session = newFerrySession()
  const receiver = await startFerryReceiver(lab, destination, join(scratch, 'journal'), { session })
  try {
    // As in the WAN matrix (ferry-tool.ts, docs/wan-lab.md): the user knows their link and says so (target and path rate,
    // `--link-rate`); without the path rate the fast start began at its 4 Mbit/s floor and the first second carried ~15 Mbit/s.
    const linkBitsPerSec = profile.capacityMbps * 1e6
    const sender = startFerrySender(lab, { session, policy: 'fair', targetBitsPerSec: linkBitsPerSec, pathBitsPerSec: linkBitsPerSec, source: { dir: source } })
    const { outcome, timedOut } = await outcomeWithin(sender, timeoutMs)
    const received = timedOut ? await receiver.stop() : (await outcomeWithin(receiver, 10_000)).outcome
    // FERRY_WAN_TRACE_DIR: keep both sides' event lines (progress with rate control and event-loop delay) for diagnosis.
    const traceDir = process.env.FERRY_WAN_TRACE_DIR
    if (traceDir !== undefined) {
      mkdirSync(traceDir, { recursive: true })
      writeFileSync(join(traceDir, 'sender.jsonl'), outcome.stdout)
      writeFileSync(join(traceDir, 'receiver.jsonl'), received.stdout)
    }
    const done = ferryEvents(outcome.stdout).find(e => e.event === 'done')
    const error = [...ferryEvents(outcome.stdout), ...ferryEvents(received.stdout)].find(e => e.event === 'error')
    return {
      seconds: done === undefined ? outcome.wallSeconds : Number(done.seconds),
      cpuSeconds: outcome.cpuSeconds + received.cpuSeconds,
      completed: !timedOut && done !== undefined,
      ...(error === undefined ? {} : { notes: `${String(error.code)}: ${String(error.message)}`.slice(0, 200) })
    }
  } finally {
    if (!receiver.exited) await receiver.stop()
  }
}

export async function smallFilesScenario (lab: WanLab, options: ScenarioOptions): Promise<ScenarioResult> {
  const count = options.smallFileCount ?? 10_000
  const work = mkdtempSync(join(tmpdir(), 'ferry-wan-small-'))
  const rows: ScenarioResult['rows'] = []
  const timeoutMs = Math.max(options.maxSeconds, 180) * 1000
  try {
    const source = join(work, 'source')
    makeTree(source, count)
    const expected = treeDigest(source)
    await lab.setProfile(profile)
    const floorMbps = 0.85 * profile.capacityMbps * (1 - profile.lossPct / 100)
    const tools: Array<[string, typeof viaFerry]> = [['ferry', viaFerry], ['rsync-ssh', viaRsync], ['tar-ssh', viaTar]]
    for (const [tool, run] of tools) {
      if (options.tools !== undefined && !options.tools.includes(tool)) continue
      const destination = join(work, `receive-${tool}`)
      const scratch = join(work, `scratch-${tool}`)
      mkdirSync(destination)
      mkdirSync(scratch, { mode: 0o700 })
      options.log(`${tool}: ${count} files of ${fileBytes} B …`)
      let measured: Measured
      try {
        measured = await run(lab, source, destination, scratch, timeoutMs)
      } catch (err) {
        measured = { seconds: 0, cpuSeconds: 0, completed: false, notes: (err as Error).message.slice(0, 200) }
      }
      const got = treeDigest(destination)
      const goodputMbps = measured.seconds > 0 ? Number((got.bytes * 8 / measured.seconds / 1e6).toFixed(2)) : 0
      const row = {
        tool, files: got.files, bytes: got.bytes, seconds: Number(measured.seconds.toFixed(3)), goodputMbps,
        cpuSeconds: Number(measured.cpuSeconds.toFixed(2)), sha256ok: got.sha256 === expected.sha256, completed: measured.completed,
        pctOfCapacityTimesOneMinusLoss: Number((goodputMbps / (profile.capacityMbps * (1 - profile.lossPct / 100)) * 100).toFixed(1)),
        notes: measured.notes ?? ''
      }
      options.log(`${tool}: ${row.goodputMbps} Mbit/s in ${row.seconds} s, ${row.files} files, sha256 ${row.sha256ok ? 'ok' : 'MISMATCH'} ${row.notes}`)
      if (options.json) process.stdout.write(JSON.stringify({ scenario: 'small-files', capacityMbps: profile.capacityMbps, rttMs: profile.rttMs, lossPct: profile.lossPct, ...row }) + '\n')
      rows.push(row)
      rmSync(destination, { recursive: true, force: true })
    }
    return {
      scenario: 'small-files',
      at: new Date().toISOString(),
      summary: `${count} files of ${fileBytes / 1024} KiB (${(expected.bytes / 2 ** 20).toFixed(0)} MiB) over ${profile.capacityMbps} Mbit/s, ${profile.rttMs} ms, ${profile.lossPct} % loss. ` +
        `Goal for Ferry: ≥ ${floorMbps.toFixed(1)} Mbit/s (85 % of capacity × (1 − loss)). rsync and tar times are the client's wall clock (ssh set-up included); Ferry's is the sender's send() call to its result.`,
      rows
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
