// Real UDP on 127.0.0.1: a folder of mixed files between two endpoints in one process, verified byte for byte; what a sender sends before the reply; datagrams that arrive before the receiving session exists.
import { describe, it, expect, afterEach } from 'vitest'
import { randomBytes, createHash } from 'node:crypto'
import { createSocket, type Socket } from 'node:dgram'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync, existsSync, readdirSync, statSync, rmSync, openSync, closeSync, constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UdpEndpoint, type SendFile } from '../../src/driver/index.js'
import { MAX_PAYLOAD_BYTES, PacketType } from '../../src/wire/datagram-codec.js'

const endpoints: UdpEndpoint[] = []
const sockets: Socket[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map(e => e.close()))
  for (const s of sockets.splice(0)) s.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir (): string { const d = mkdtempSync(join(tmpdir(), 'ferry-driver-')); dirs.push(d); return d }

/** What every test starts from: two bound endpoints (closed after the test), a fresh connection id and secret, and `payloadBytes` random bytes. */
async function setUp (payloadBytes = 0): Promise<{ a: UdpEndpoint, b: UdpEndpoint, connectionId: string, secret: Buffer, bytes: Buffer }> {
  const [a, b] = await Promise.all([UdpEndpoint.bind(), UdpEndpoint.bind()])
  endpoints.push(a, b)
  return { a, b, connectionId: randomBytes(8).toString('hex'), secret: randomBytes(32), bytes: randomBytes(payloadBytes) }
}

/** A bare UDP socket that answers nothing and counts what it receives by packet type (the cleartext low nibble of byte 0, SPEC.md §3.1). */
async function silentPeer (): Promise<{ port: number, received: Map<number, number> }> {
  const socket = createSocket('udp4')
  sockets.push(socket)
  const received = new Map<number, number>()
  socket.on('message', msg => { const type = msg[0]! & 0x0f; received.set(type, (received.get(type) ?? 0) + 1) })
  await new Promise<void>(resolve => socket.bind(0, '127.0.0.1', resolve))
  return { port: socket.address().port, received }
}

/**
 * Occupies every thread of libuv's pool with an open() of a FIFO that has no writer, so file work queued after it (a
 * journal read) waits until release(). Nothing else in these tests needs the pool meanwhile: sockets and memory sources do not.
 */
function holdThreadPool (): { release: () => Promise<void> } {
  const dir = tempDir()
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4)
  const fifos = Array.from({ length: threads }, (_, i) => join(dir, `fifo-${i}`))
  execFileSync('mkfifo', fifos)
  const readers: Array<Promise<FileHandle>> = fifos.map(async f => await open(f, 'r'))
  return {
    release: async () => {
      // A non-blocking writer opens at once while a reader waits in open(); then each blocked open returns.
      const writers = fifos.map(f => openSync(f, constants.O_WRONLY | constants.O_NONBLOCK))
      for (const handle of await Promise.all(readers)) await handle.close()
      for (const fd of writers) closeSync(fd)
    }
  }
}

/** A folder of empty, small and multi-MiB files plus an empty folder; returns the send list. */
export function makeFolder (root: string): SendFile[] {
  const files: Array<[string, number]> = [['empty.txt', 0], ['a/small.bin', 1000], ['a/b/one-datagram.bin', MAX_PAYLOAD_BYTES], ['a/b/three-mib.bin', 3 * 1024 * 1024 + 17], ['big.bin', 5 * 1024 * 1024]]
  const out: SendFile[] = []
  for (const [rel, size] of files) {
    const abs = join(root, rel)
    mkdirSync(join(abs, '..'), { recursive: true })
    writeFileSync(abs, randomBytes(size))
    out.push({ relativePath: rel, absolutePath: abs, sizeBytes: size })
  }
  mkdirSync(join(root, 'empty-dir'))
  out.push({ relativePath: 'empty-dir', sizeBytes: 0, kind: 'directory' })
  return out
}

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex')
const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

describe('UdpEndpoint', () => {
  it('sends a folder disk to disk, the receiver as initiator', async () => {
    const { a, b, connectionId, secret } = await setUp()
    const src = tempDir()
    const dst = tempDir()
    const files = makeFolder(src)
    const sending = a.send({ connectionId, secret, role: 'responder', files, rate: { policy: 'fixed', targetBitsPerSec: 400e6, minBitsPerSec: 1e6 } })
    const progress: number[] = []
    const receiving = b.receive({ connectionId, secret, role: 'initiator', remote: { host: '127.0.0.1', port: a.port }, destinationDir: dst, journalPath: join(dst, '.journal'), onProgress: p => progress.push(p.bytesDone), progressIntervalMs: 20 })
    const [sent, received] = await Promise.all([sending, receiving])
    for (const f of files) {
      if (f.kind === 'directory') { expect(statSync(join(dst, f.relativePath)).isDirectory()).toBe(true); continue }
      expect(sha(join(dst, f.relativePath))).toBe(sha(f.absolutePath!))
    }
    expect(received.files.map(f => f.sha256)).toEqual(sent.files.map(f => f.sha256))
    expect(received.bytes).toBe(files.reduce((n, f) => n + f.sizeBytes, 0))
    expect(readdirSync(dst, { recursive: true }).filter(n => String(n).endsWith('.ferry-partial'))).toEqual([])
    expect(existsSync(join(dst, '.journal'))).toBe(false)
    expect(progress.length).toBeGreaterThan(0)
  }, 180_000)

  it('moves memory to memory with AES-256-GCM when that is all the sender offers', async () => {
    const { a, b, connectionId, secret, bytes } = await setUp(2_000_000)
    const [sent, received] = await Promise.all([
      a.send({ connectionId, secret, role: 'initiator', remote: { host: '127.0.0.1', port: b.port }, cipherSuites: ['aes-256-gcm'], files: [{ relativePath: 'm.bin', sizeBytes: bytes.length, bytes }], rate: { policy: 'fair', targetBitsPerSec: 500e6, minBitsPerSec: 1e6 } }),
      b.receive({ connectionId, secret, role: 'responder', memory: 'keep' })
    ])
    expect(received.files[0]!.sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
    expect(sent.files[0]!.sha256).toBe(received.files[0]!.sha256)
  }, 180_000)

  it("reports the adaptive controller's state in a sending transfer's progress", async () => {
    const { a, b, connectionId, secret, bytes } = await setUp(2_000_000)
    const phases: string[] = []
    const sending = a.send({
      connectionId, secret, role: 'initiator', remote: { host: '127.0.0.1', port: b.port }, files: [{ relativePath: 'p.bin', sizeBytes: bytes.length, bytes }],
      rate: { policy: 'fair', targetBitsPerSec: 200e6, minBitsPerSec: 1e6, pathBitsPerSec: 100e6 }, progressIntervalMs: 1, onProgress: p => { if (p.rateControl !== undefined) phases.push(p.rateControl.phase) }
    })
    await Promise.all([sending, b.receive({ connectionId, secret, role: 'responder', memory: 'discard' })])
    expect(phases.length).toBeGreaterThan(0)
    expect(phases.every(phase => ['start', 'drain', 'steady', 'probe'].includes(phase))).toBe(true)
    expect(sending.progress().rateControl?.rateBitsPerSec).toBeGreaterThan(0)
  }, 180_000)

  it('refuses a manifest path that escapes, with a coded error on both sides', async () => {
    const { a, b, connectionId, secret } = await setUp()
    expect(() => a.send({ connectionId, secret, role: 'initiator', remote: { host: '127.0.0.1', port: b.port }, files: [{ relativePath: '../evil', sizeBytes: 1, bytes: new Uint8Array(1) }], rate: { policy: 'fixed', targetBitsPerSec: 1e6, minBitsPerSec: 1e6 } }))
      .toThrow(expect.objectContaining({ code: 'FERRY_MANIFEST_PATH_TRAVERSAL' }))
  })

  it('a sender told that the receiver resumes (receiverResuming) sends no first flight: hellos only until the reply (SPEC.md §4.2.1)', async () => {
    const { a, secret, bytes } = await setUp(1_000_000)
    const [told, notTold] = await Promise.all([silentPeer(), silentPeer()])
    const rate = { policy: 'fixed' as const, targetBitsPerSec: 100e6, minBitsPerSec: 1e6 }
    const files = [{ relativePath: 'r.bin', sizeBytes: bytes.length, bytes }]
    const runs = [
      a.send({ connectionId: randomBytes(8).toString('hex'), secret, role: 'initiator', remote: { host: '127.0.0.1', port: told.port }, files, rate, receiverResuming: true }),
      a.send({ connectionId: randomBytes(8).toString('hex'), secret, role: 'initiator', remote: { host: '127.0.0.1', port: notTold.port }, files, rate })
    ]
    for (const run of runs) run.done.catch(() => {})
    // Past the first hello retry (200 ms): the peers never answer.
    await sleep(300)
    expect(told.received.get(PacketType.Hello)).toBeGreaterThanOrEqual(2)
    expect(told.received.get(PacketType.Data) ?? 0).toBe(0)
    expect(notTold.received.get(PacketType.Hello)).toBeGreaterThanOrEqual(1)
    expect(notTold.received.get(PacketType.Data)).toBeGreaterThan(0)
  })

  it('holds first-flight data that arrives while the receiver reads its journal: nothing dropped, nothing resent', async () => {
    const { a, b, connectionId, secret, bytes } = await setUp(1_000_000)
    const dst = tempDir()
    const pool = holdThreadPool()
    let released = false
    try {
      // The journal read waits behind the held thread pool, so the session does not exist yet when the flight lands.
      const receiving = b.receive({ connectionId, secret, role: 'responder', destinationDir: dst, journalPath: join(dst, '.journal') })
      const sending = a.send({ connectionId, secret, role: 'initiator', remote: { host: '127.0.0.1', port: b.port }, files: [{ relativePath: 'early.bin', sizeBytes: bytes.length, bytes }], rate: { policy: 'fixed', targetBitsPerSec: 100e6, minBitsPerSec: 1e6 } })
      // Less than the hello retry (200 ms): without holding, the flight and the hello would be lost and repaired.
      await sleep(100)
      expect(b.heldDatagrams).toBe(0)
      await pool.release()
      released = true
      const [sent, received] = await Promise.all([sending, receiving])
      expect(received.files[0]!.sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
      expect(sha(join(dst, 'early.bin'))).toBe(received.files[0]!.sha256)
      // Only the small manifest's deliberate second copy (SPEC.md §5.1) counts as resent.
      expect(sent.retransmittedBytes).toBeLessThan(MAX_PAYLOAD_BYTES)
      expect(b.unknownDatagrams).toBe(0)
      expect(b.heldDatagrams).toBeGreaterThan(0)
      expect(b.heldDatagramsDropped).toBe(0)
    } finally {
      if (!released) await pool.release()
    }
  }, 60_000)
})
