// Cut-through relay over real UDP: A sends to R, R forwards to C from its partial files while they still arrive; C gets A's bytes, verified end to end.
import { describe, it, expect, afterEach } from 'vitest'
import { randomBytes, createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UdpEndpoint } from '../../src/driver/index.js'

const endpoints: UdpEndpoint[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map(e => e.close()))
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const tempDir = (): string => { const d = mkdtempSync(join(tmpdir(), 'ferry-relay-')); dirs.push(d); return d }
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

describe('RelayBlockSource', () => {
  it('forwards a file before the relay has all of it', async () => {
    const [a, r, c] = await Promise.all([UdpEndpoint.bind(), UdpEndpoint.bind(), UdpEndpoint.bind()])
    endpoints.push(a, r, c)
    const src = tempDir()
    const relayDir = tempDir()
    const dst = tempDir()
    const big = randomBytes(8 * 1024 * 1024)
    const small = randomBytes(10_000)
    writeFileSync(join(src, 'big.bin'), big)
    writeFileSync(join(src, 'small.txt'), small)
    const files = [{ relativePath: 'small.txt', sizeBytes: small.length }, { relativePath: 'd/big.bin', sizeBytes: big.length }, { relativePath: 'empty', sizeBytes: 0 }]
    writeFileSync(join(src, 'empty'), '')
    const absolute = { 'small.txt': join(src, 'small.txt'), 'd/big.bin': join(src, 'big.bin'), empty: join(src, 'empty') } as Record<string, string>
    const secretAR = randomBytes(32)
    const secretRC = randomBytes(32)
    const inbound = r.receive({ connectionId: '00000000000000a1', secret: secretAR, role: 'responder', destinationDir: relayDir })
    let relayDoneAt = Infinity
    let firstAtC = Infinity
    const inboundDone = inbound.then(res => { relayDoneAt = performance.now(); return res })
    const outbound = r.send({ connectionId: '00000000000000c1', secret: secretRC, role: 'responder', files, source: inbound.relaySource(files.map(f => f.relativePath)), rate: { policy: 'fixed', targetBitsPerSec: 400e6, minBitsPerSec: 1e6 } })
    const atC = c.receive({ connectionId: '00000000000000c1', secret: secretRC, role: 'initiator', remote: { host: '127.0.0.1', port: r.port }, destinationDir: dst, progressIntervalMs: 20, onProgress: p => { if (p.bytesDone > 2 * 1024 * 1024 && firstAtC === Infinity) firstAtC = performance.now() } })
    const fromA = a.send({ connectionId: '00000000000000a1', secret: secretAR, role: 'initiator', remote: { host: '127.0.0.1', port: r.port }, files: files.map(f => ({ ...f, absolutePath: absolute[f.relativePath]! })), rate: { policy: 'fixed', targetBitsPerSec: 40e6, minBitsPerSec: 1e6 } })
    const [sentA, , , gotC] = await Promise.all([fromA, inboundDone, outbound, atC])
    expect(sha(readFileSync(join(dst, 'd/big.bin')))).toBe(sha(big))
    expect(sha(readFileSync(join(dst, 'small.txt')))).toBe(sha(small))
    expect(readFileSync(join(dst, 'empty')).length).toBe(0)
    expect(gotC.files.map(f => f.sha256)).toEqual(sentA.files.map(f => f.sha256))
    expect(firstAtC).toBeLessThan(relayDoneAt)
  }, 180_000)
})
