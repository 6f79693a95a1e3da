// WAN lab smoke test: two namespaces, the userspace link emulator at 100 Mbit/s, 50 ms, 1 % loss, and real transfers checked by SHA-256.
// Runs where network namespaces are allowed (root, `ip netns add`, /dev/net/tun, cc); otherwise skips and says why.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { labUnavailableReason, WanLab } from '../bench/wan/wan-lab.js'
import { sha256File, writeRandomFile } from '../bench/wan/source-file.js'
import { CurlHttpTool } from '../bench/wan/tools/curl-http-tool.js'
import { FerryTool } from '../bench/wan/tools/ferry-tool.js'
import type { WanTool } from '../bench/wan/tools/wan-tool.js'
import type { LinkProfile } from '../bench/wan/link-profile.js'

const unavailable = labUnavailableReason() ?? new CurlHttpTool().unavailableReason()
if (unavailable !== undefined) process.stderr.write(`test/wan-lab.test.ts: skipped: ${unavailable}\n`)
const ferryUnavailable = new FerryTool().unavailableReason()
if (unavailable === undefined && ferryUnavailable !== undefined) process.stderr.write(`test/wan-lab.test.ts: Ferry transfer skipped: ${ferryUnavailable}\n`)

const profile: LinkProfile = { capacityMbps: 100, rttMs: 50, lossPct: 1 }
const sizeBytes = 20 * 1024 * 1024

describe.skipIf(unavailable !== undefined)(`WAN lab smoke (${unavailable === undefined ? 'namespaces available' : `skipped: ${unavailable}`})`, () => {
  let lab: WanLab
  let work: string
  let sourcePath: string
  let sourceSha256: string

  beforeAll(async () => {
    lab = await WanLab.create({ seed: 7 })
    await lab.setProfile(profile)
    work = mkdtempSync(join(tmpdir(), 'ferry-wan-test-'))
    sourcePath = join(work, 'payload.bin')
    sourceSha256 = writeRandomFile(sourcePath, sizeBytes)
  })

  afterAll(async () => {
    await lab?.close()
    if (work !== undefined) rmSync(work, { recursive: true, force: true })
  })

  async function transfer (tool: WanTool): Promise<{ goodputMbps: number, sha256ok: boolean }> {
    const receiveDir = join(work, `receive-${tool.name}`)
    const scratchDir = join(work, `scratch-${tool.name}`)
    mkdirSync(receiveDir)
    mkdirSync(scratchDir)
    const m = await tool.run({ lab, profile, sourcePath, sizeBytes, receiveDir, scratchDir, timeoutMs: 45_000 })
    expect(m.completed, `${tool.name} did not complete: ${m.notes ?? ''}`).toBe(true)
    const destination = join(receiveDir, basename(sourcePath))
    const sha256ok = existsSync(destination) && await sha256File(destination) === sourceSha256
    return { goodputMbps: sizeBytes * 8 / m.seconds / 1e6, sha256ok }
  }

  it('the emulator delays by the asked RTT (ping)', async () => {
    const rttMs = Number(/= [\d.]+\/([\d.]+)\//.exec(lab.exec(lab.namespaceA, ['ping', '-q', '-n', '-c', '20', '-i', '0.02', '10.77.0.2']))?.[1])
    expect(rttMs).toBeGreaterThan(profile.rttMs)
    expect(rttMs).toBeLessThan(profile.rttMs * 1.05)
  })

  it('moves a file over kernel TCP (curl, HTTP) with its SHA-256 intact, below the link rate', async () => {
    const before = await lab.stats()
    const { goodputMbps, sha256ok } = await transfer(new CurlHttpTool())
    const after = await lab.stats()
    expect(sha256ok).toBe(true)
    expect(goodputMbps).toBeLessThan(profile.capacityMbps)
    // the link really dropped packets on the way, about 1 % of what crossed it
    const crossed = after.ab.rxPackets - before.ab.rxPackets
    const lost = after.ab.lostPackets - before.ab.lostPackets
    expect(lost / crossed).toBeGreaterThan(0.005)
    expect(lost / crossed).toBeLessThan(0.02)
  })

  // The data plane's correctness across a lossy link, not its rate control (the bench measures that): a fixed rate below the link.
  it.skipIf(ferryUnavailable !== undefined)(`moves a file with Ferry (sender and receiver processes on the UDP driver) with its SHA-256 intact${ferryUnavailable === undefined ? '' : ` (skipped: ${ferryUnavailable})`}`, async () => {
    const { goodputMbps, sha256ok } = await transfer(new FerryTool('fixed', 0.8))
    expect(sha256ok).toBe(true)
    expect(goodputMbps).toBeGreaterThan(0)
    expect(goodputMbps).toBeLessThan(profile.capacityMbps)
  }, 80_000)
})
