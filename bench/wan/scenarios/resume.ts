// kill -9 mid-transfer, then restart: for each side, SIGKILL it at about 40 % done, stop the other, start both again with a fresh
// session, the same destination and journal; the transfer must complete with the source's SHA-256 and resend only what is missing
// (reported as payload bytes the resumed sender sent beyond what the journal lacked).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { outcomeWithin } from '../tools/process-race.js'
import { ferryEvents, newFerrySession, startFerryReceiver, startFerrySender, type FerryEvent } from '../tools/ferry-tool.js'
import { sha256File, writeRandomFile } from '../source-file.js'
import { parseJournal } from '@ferry/protocol/session/resume-journal'
import type { NamespaceProcess } from '../namespace-process.js'
import type { LinkProfile } from '../link-profile.js'
import type { ScenarioResult } from '../wan-results.js'
import type { WanLab } from '../wan-lab.js'
import type { ScenarioOptions } from './scenario-registry.js'

const profile: LinkProfile = { capacityMbps: 100, rttMs: 50, lossPct: 1 }
const sizeBytes = 128 * 1024 * 1024
/** Fraction of the file received when the chosen side is killed. */
const killAtFraction = 0.4

async function attempt (lab: WanLab, sourcePath: string, destination: string, journal: string, killSide: 'sender' | 'receiver' | undefined, timeoutMs: number):
Promise<{ killedAtBytes: number, wireBytes: number, completed: boolean, seconds: number, payloadBytesSent?: number, retransmittedBytes?: number, error?: string }> {
  const session = newFerrySession()
  let killedAtBytes = 0
  // the progress handler needs the processes it may kill, which start after it is set up
  const sides: { sender?: NamespaceProcess, receiver?: NamespaceProcess } = {}
  let killed: () => void = () => {}
  const killedPromise = new Promise<void>(resolve => { killed = resolve })
  const onEvent = (e: FerryEvent): void => {
    if (killSide === undefined || killedAtBytes > 0 || e.event !== 'progress') return
    const done = Number(e.bytesDone)
    if (done < sizeBytes * killAtFraction) return
    killedAtBytes = done
    sides[killSide]?.kill('SIGKILL')
    killed()
  }
  const before = await lab.stats()
  const receiver = sides.receiver = await startFerryReceiver(lab, destination, journal, { session, onEvent })
  const sender = sides.sender = startFerrySender(lab, { session, policy: 'fair', targetBitsPerSec: profile.capacityMbps * 1e6, source: { file: sourcePath } })
  try {
    if (killSide !== undefined) {
      await Promise.race([killedPromise, sender.outcome, receiver.outcome])
      // the other side would wait for its idle timeout: the session is gone, stop it as the control plane would
      await Promise.all([sender.stop(), receiver.stop()])
      const after = await lab.stats()
      return { killedAtBytes, wireBytes: after.ab.rxBytes - before.ab.rxBytes, completed: false, seconds: 0 }
    }
    const { outcome, timedOut } = await outcomeWithin(sender, timeoutMs)
    const received = timedOut ? await receiver.stop() : (await outcomeWithin(receiver, 10_000)).outcome
    const after = await lab.stats()
    const done = ferryEvents(outcome.stdout).find(e => e.event === 'done')
    const sent = done?.result as { payloadBytesSent?: number, retransmittedBytes?: number } | undefined
    const error = [...ferryEvents(outcome.stdout), ...ferryEvents(received.stdout)].find(e => e.event === 'error')
    return {
      killedAtBytes: 0, wireBytes: after.ab.rxBytes - before.ab.rxBytes, completed: done !== undefined && !timedOut,
      seconds: done === undefined ? outcome.wallSeconds : Number(done.seconds),
      payloadBytesSent: sent?.payloadBytesSent, retransmittedBytes: sent?.retransmittedBytes,
      ...(error === undefined ? {} : { error: `${String(error.code)}: ${String(error.message)}` })
    }
  } finally {
    if (!sender.exited) await sender.stop()
    if (!receiver.exited) await receiver.stop()
  }
}

export async function resumeScenario (lab: WanLab, options: ScenarioOptions): Promise<ScenarioResult> {
  const work = mkdtempSync(join(tmpdir(), 'ferry-wan-resume-'))
  const rows: ScenarioResult['rows'] = []
  try {
    await lab.setProfile(profile)
    const sourcePath = join(work, 'payload.bin')
    const sourceSha256 = writeRandomFile(sourcePath, sizeBytes)
    for (const side of ['receiver', 'sender'] as const) {
      const destination = join(work, `receive-${side}`)
      mkdirSync(destination)
      const journal = join(work, `journal-${side}`)
      options.log(`kill -9 the ${side} at ~${killAtFraction * 100} % …`)
      const first = await attempt(lab, sourcePath, destination, journal, side, options.maxSeconds * 1000)
      // What the journal holds at the restart: payload bytes on disk, and integrity blocks with a recorded CRC-32.
      const saved = existsSync(journal) ? parseJournal(readFileSync(journal, 'utf8')) : undefined
      const heldBytes = (saved?.receivedRanges ?? []).reduce((n, [a, b]) => n + b - a, 0)
      const recordedBlocks = Object.values(saved?.blockCrc32 ?? {}).reduce((n, list) => n + list.filter(c => c !== null).length, 0)
      const second = await attempt(lab, sourcePath, destination, journal, undefined, Math.max(options.maxSeconds, 120) * 1000)
      const file = join(destination, basename(sourcePath))
      const sha256ok = existsSync(file) && await sha256File(file) === sourceSha256
      const row = {
        killed: side,
        killedAtPct: Number((first.killedAtBytes / sizeBytes * 100).toFixed(1)),
        firstRunWireMiB: Number((first.wireBytes / 2 ** 20).toFixed(1)),
        resumedWireMiB: Number((second.wireBytes / 2 ** 20).toFixed(1)),
        resumedWirePctOfFile: Number((second.wireBytes / sizeBytes * 100).toFixed(1)),
        resumedSeconds: Number(second.seconds.toFixed(3)),
        journaledMiB: Number((heldBytes / 2 ** 20).toFixed(1)),
        recordedBlocks,
        resumedPayloadMiB: second.payloadBytesSent === undefined ? 'n/a' : Number((second.payloadBytesSent / 2 ** 20).toFixed(1)),
        resumedRetransmittedMiB: second.retransmittedBytes === undefined ? 'n/a' : Number((second.retransmittedBytes / 2 ** 20).toFixed(2)),
        // First sends beyond what the journal lacked (the session byte space also holds the manifest and a 32-byte digest: ~0).
        resentBeyondJournalMiB: second.payloadBytesSent === undefined ? 'n/a' : Number(((second.payloadBytesSent - (second.retransmittedBytes ?? 0) - Math.max(0, sizeBytes - heldBytes)) / 2 ** 20).toFixed(2)),
        completed: second.completed,
        sha256ok,
        notes: second.error ?? ''
      }
      options.log(JSON.stringify(row))
      if (options.json) process.stdout.write(JSON.stringify({ scenario: 'resume', capacityMbps: profile.capacityMbps, rttMs: profile.rttMs, lossPct: profile.lossPct, bytes: sizeBytes, ...row }) + '\n')
      rows.push(row)
      rmSync(destination, { recursive: true, force: true })
    }
    return {
      scenario: 'resume',
      at: new Date().toISOString(),
      summary: `${sizeBytes / 2 ** 20} MiB over ${profile.capacityMbps} Mbit/s, ${profile.rttMs} ms, ${profile.lossPct} % loss. One side is SIGKILLed when the receiver reports ~${killAtFraction * 100} % done, ` +
        'the other stopped; then both restart with a fresh session, the same destination and the same journal. Wire MiB are the IP bytes the emulator carried A → B (headers and repairs included). ' +
        'journaledMiB: bytes the journal held at the restart (recordedBlocks: ~1 MiB blocks with a CRC-32, re-read and checked before the resumed sync); resumedPayloadMiB: payload the resumed sender sent, of which resumedRetransmittedMiB were repairs of its own losses; ' +
        'resentBeyondJournalMiB: first sends beyond what the journal lacked (0 = nothing held was sent again).',
      rows
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
