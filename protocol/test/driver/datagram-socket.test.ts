// One contract for DatagramSocket, run against both implementations (batched addon and node:dgram) on real loopback sockets, plus a transfer over each.
import { describe, it, expect, afterEach } from 'vitest'
import { randomBytes } from 'node:crypto'
import { networkInterfaces } from 'node:os'
import { fileURLToPath } from 'node:url'
import { spawnSync } from 'node:child_process'
import { openDatagramSocket, type DatagramIo, type DatagramSocket, type DatagramSource } from '../../src/driver/datagram-socket.js'
import { loadBatchedUdpAddon } from '../../src/driver/batched-datagram-socket.js'
import { UdpEndpoint } from '../../src/driver/index.js'
import { FerryError } from '../../src/errors/ferry-error.js'

const addon = loadBatchedUdpAddon()
const hasIpv6Loopback = Object.values(networkInterfaces()).flat().some(i => i?.family === 'IPv6' && i.address === '::1')
const opened: DatagramSocket[] = []
afterEach(async () => { await Promise.all(opened.splice(0).map(s => s.close())) })

interface Received { bytes: Buffer, source: DatagramSource }

async function open (io: DatagramIo, host: string, port = 0, onDatagram?: (r: Received) => void): Promise<DatagramSocket> {
  const socket = await openDatagramSocket({
    io, host, port, receiveBufferBytes: 8 << 20, sendBufferBytes: 8 << 20,
    // Copied: the view is valid only during the call (the batched socket reuses its receive memory).
    onDatagram: (datagram, source) => onDatagram?.({ bytes: Buffer.from(datagram), source }),
    onWritable: () => {}
  })
  opened.push(socket)
  return socket
}

/** Sends `datagrams` from a to b (in bursts the size of the driver's) and resolves with what b received, in order. */
async function exchange (io: DatagramIo, host: string, datagrams: Buffer[]): Promise<{ received: Received[], sender: DatagramSocket }> {
  const received: Received[] = []
  let done: () => void = () => {}
  const all = new Promise<void>(resolve => { done = resolve })
  const b = await open(io, host, 0, r => { received.push(r); if (received.length === datagrams.length) done() })
  const a = await open(io, host)
  for (const d of datagrams) a.send(d, b.port, host)
  a.flush()
  await all
  return { received, sender: a }
}

describe.each(['batched', 'dgram'] as const)('DatagramSocket (%s)', io => {
  const available = io === 'dgram' || !(addon instanceof Error)

  it.skipIf(!available)('says which implementation it is and what buffers it got', async () => {
    const s = await open(io, '127.0.0.1')
    expect(s.io).toBe(io)
    expect(s.port).toBeGreaterThan(0)
    expect(s.receiveBufferBytes).toBeGreaterThan(0)
    expect(s.sendBufferBytes).toBeGreaterThan(0)
  })

  it.skipIf(!available)('carries a burst of datagrams of every size over IPv4, byte for byte, with the source address', async () => {
    const datagrams = Array.from({ length: 300 }, (_, i) => randomBytes(1 + (i * 37) % 1472))
    const { received, sender } = await exchange(io, '127.0.0.1', datagrams)
    expect(received.map(r => r.bytes.toString('hex'))).toEqual(datagrams.map(d => d.toString('hex')))
    expect(received.every(r => r.source.address === '127.0.0.1' && r.source.port === sender.port)).toBe(true)
    expect(sender.sendDrops).toBe(0)
  })

  it.skipIf(!available)('carries runs of full-size datagrams with shorter ones between them (the batched socket sends such runs as UDP GSO)', async () => {
    const sizes = [...Array(150).fill(1472), 700, ...Array(70).fill(1472), 1000, 1000, 37]
    const datagrams = sizes.map(size => randomBytes(size))
    const { received, sender } = await exchange(io, '127.0.0.1', datagrams)
    expect(received.map(r => r.bytes.toString('hex'))).toEqual(datagrams.map(d => d.toString('hex')))
    expect(sender.sendDrops).toBe(0)
  })

  it.skipIf(!available || !hasIpv6Loopback)('carries datagrams over IPv6', async () => {
    const datagrams = Array.from({ length: 100 }, () => randomBytes(1200))
    const { received, sender } = await exchange(io, '::1', datagrams)
    expect(received.map(r => r.bytes.toString('hex'))).toEqual(datagrams.map(d => d.toString('hex')))
    expect(received[0]!.source).toMatchObject({ address: '::1', port: sender.port })
  })

  it.skipIf(!available)('refuses a port in use with FERRY_PROTOCOL_SOCKET_BIND', async () => {
    const first = await open(io, '127.0.0.1')
    const err = await open(io, '127.0.0.1', first.port).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(FerryError)
    expect((err as FerryError).code).toBe('FERRY_PROTOCOL_SOCKET_BIND')
    expect((err as FerryError).details).toEqual({ errno: 'EADDRINUSE' })
  })

  it.skipIf(!available)('refuses a send after close with FERRY_PROTOCOL_SOCKET_CLOSED', async () => {
    const s = await open(io, '127.0.0.1')
    await s.close()
    expect(() => s.send(Buffer.from('late'), 9, '127.0.0.1')).toThrow(expect.objectContaining({ code: 'FERRY_PROTOCOL_SOCKET_CLOSED' }))
  })

  it.skipIf(!available)('moves an encrypted transfer memory to memory', async () => {
    const [a, b] = await Promise.all([UdpEndpoint.bind({ io }), UdpEndpoint.bind({ io })])
    try {
      expect([a.io, b.io]).toEqual([io, io])
      const bytes = randomBytes(4 << 20)
      const connectionId = randomBytes(8).toString('hex')
      const secret = randomBytes(32)
      const [sent, got] = await Promise.all([
        a.send({ connectionId, secret, role: 'initiator', remote: { host: '127.0.0.1', port: b.port }, files: [{ relativePath: 'm.bin', sizeBytes: bytes.length, bytes }], rate: { policy: 'fixed', targetBitsPerSec: 200e6, minBitsPerSec: 1e6 } }),
        b.receive({ connectionId, secret, role: 'responder', memory: 'keep' })
      ])
      expect(got.files[0]!.sha256).toBe(sent.files[0]!.sha256)
      expect(got.bytes).toBe(bytes.length)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })
})

describe('batched DatagramSocket receive time', () => {
  it.skipIf(addon instanceof Error)('stamps a datagram with when the kernel took it in, not when a paused event loop read it', async () => {
    const stamps: number[] = []
    const b = await openDatagramSocket({
      io: 'batched', host: '127.0.0.1', port: 0, receiveBufferBytes: 1 << 20, sendBufferBytes: 1 << 20,
      onDatagram: (_d, _s, receivedMs) => { stamps.push(receivedMs) }, onWritable: () => {}
    })
    opened.push(b)
    const a = await open('batched', '127.0.0.1')
    const sentMs = performance.now()
    a.send(Buffer.from('stamp me'), b.port, '127.0.0.1')
    a.flush()
    // The event loop is held for 150 ms: the datagram waits in the socket buffer meanwhile.
    while (performance.now() - sentMs < 150) { /* busy */ }
    const heldUntilMs = performance.now()
    for (let i = 0; i < 100 && stamps.length === 0; i++) await new Promise(resolve => setTimeout(resolve, 5))
    expect(stamps).toHaveLength(1)
    // Loopback delivers within the sendmmsg call: the kernel's stamp is near the send, far before the read.
    expect(stamps[0]!).toBeLessThan(heldUntilMs - 100)
    expect(stamps[0]!).toBeGreaterThan(sentMs - 50)
    })
  })

describe.skipIf(addon instanceof Error)('batched UDP addon in a worker thread', () => {
  it('lets a worker end with one socket open and one just closed (no callback into the unloaded addon)', () => {
    // In a fresh process whose main thread never loads the addon, so the worker's teardown really unloads it.
    const addonPath = fileURLToPath(new URL('../../native/build/batched-udp.node', import.meta.url))
    const workerCode = `
      const addon = require(${JSON.stringify(addonPath)})
      const open = () => addon.open(4, '127.0.0.1', 0, 1 << 20, 1 << 20, Buffer.alloc(64 * 2048), new Uint32Array(64 * 7), () => {}, () => {}, true)
      globalThis.keptOpen = open() // still referenced when the worker ends: teardown, not garbage collection, closes it
      addon.close(open())
      require('node:worker_threads').parentPort.postMessage('opened')
      process.exit(0)`
    const main = `
      const { Worker } = require('node:worker_threads')
      ;(async () => {
        for (let i = 0; i < 3; i++) {
          const worker = new Worker(${JSON.stringify(workerCode)}, { eval: true })
          await new Promise(resolve => worker.once('message', resolve))
          if (await new Promise(resolve => worker.once('exit', resolve)) !== 0) process.exit(2)
        }
      })()`
    const run = spawnSync(process.execPath, ['-e', main], { encoding: 'utf8', timeout: 30_000 })
    expect({ status: run.status, signal: run.signal, stderr: run.stderr }).toEqual({ status: 0, signal: null, stderr: '' })
  })
})

describe('openDatagramSocket', () => {
  it('rejects an unknown FERRY_UDP_IO with FERRY_PROTOCOL_SOCKET_IO', async () => {
    const before = process.env.FERRY_UDP_IO
    process.env.FERRY_UDP_IO = 'io_uring'
    try {
      await expect(open(undefined as unknown as DatagramIo, '127.0.0.1')).rejects.toMatchObject({ code: 'FERRY_PROTOCOL_SOCKET_IO' })
    } finally {
      if (before === undefined) delete process.env.FERRY_UDP_IO
      else process.env.FERRY_UDP_IO = before
    }
  })
})
