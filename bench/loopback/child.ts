// One side of a loopback benchmark run in its own process: raw node:dgram or raw batched-addon blast, or a Ferry session, reporting bytes, seconds and peak RSS as JSON lines.
// run.ts compiles it to plain JavaScript on the built protocol (protocol/dist), so the measured processes run as the product does.
import '@ferry/protocol/polyfill/promise-with-resolvers'
import { createSocket } from 'node:dgram'
import { UdpEndpoint } from '@ferry/protocol/driver/index'
import { openDatagramSocket } from '@ferry/protocol/driver/datagram-socket'
import { SyntheticBlockSource } from '@ferry/protocol/sim/synthetic-block-source'
import { FixedRateController } from '@ferry/protocol/session/fixed-rate-controller'
import type { RatePolicy } from '@ferry/protocol/congestion/rate-controller'

interface Args {
  mode: 'raw-receive' | 'raw-send' | 'raw-batched-receive' | 'raw-batched-send' | 'ferry-receive' | 'ferry-send'
  port?: number
  bytes: number
  connectionId?: string
  secretHex?: string
  /** Ferry: files on disk (absent: synthetic memory source / discarding memory sink). */
  files?: Array<{ relativePath: string, absolutePath: string, sizeBytes: number }>
  destinationDir?: string
  policy?: RatePolicy
  rateBitsPerSec?: number
}

const args = JSON.parse(process.argv[2]!) as Args
const out = (msg: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(msg) + '\n') }
const peakRssBytes = (): number => process.resourceUsage().maxRSS * 1024
/** CPU time (user + system, both threads and the thread pool) since `since` (seconds). */
const cpuSecondsSince = (since: NodeJS.CpuUsage): number => { const c = process.cpuUsage(since); return (c.user + c.system) / 1e6 }
let cpuAtStart = process.cpuUsage()
/** Minor page faults so far: first touches of fresh memory, which cost ~17 µs each on this kind of VM. */
const minorFaults = (): number => process.resourceUsage().minorPageFault
let faultsAtStart = minorFaults()

/** Raw datagram payload: the largest on a 1500-byte MTU, unencrypted. */
const RAW_DATAGRAM_BYTES = 1472

if (args.mode === 'raw-receive') {
  const socket = createSocket('udp4')
  socket.bind(0, '127.0.0.1', () => {
    try { socket.setRecvBufferSize(64 << 20) } catch (_) { /* capped by the kernel */ }
    out({ port: socket.address().port })
  })
  let bytes = 0
  let first = 0
  let last = 0
  socket.on('message', msg => {
    const now = performance.now()
    if (bytes === 0) { first = now; cpuAtStart = process.cpuUsage(); faultsAtStart = minorFaults() }
    last = now
    bytes += msg.length
    if (bytes >= args.bytes) finish()
  })
  // The sender is done when nothing arrived for 500 ms (or the expected bytes all came). One interval checks, so the
  // ceiling pays no timer per datagram (Ferry's receiver does not either).
  const idleCheck = setInterval(() => { if (bytes > 0 && performance.now() - last >= 500) finish() }, 100)
  let finished = false
  function finish (): void {
    if (finished) return
    finished = true
    clearInterval(idleCheck)
    out({ result: { bytes, seconds: (last - first) / 1000, peakRssBytes: peakRssBytes(), cpuSeconds: cpuSecondsSince(cpuAtStart), minorPageFaults: minorFaults() - faultsAtStart } })
    socket.close()
  }
} else if (args.mode === 'raw-send') {
  const socket = createSocket('udp4')
  try { socket.setSendBufferSize(64 << 20) } catch (_) { /* capped by the kernel */ }
  const payload = Buffer.alloc(RAW_DATAGRAM_BYTES, 7)
  cpuAtStart = process.cpuUsage(); faultsAtStart = minorFaults()
  let sent = 0
  let outstanding = 0
  // The last callbacks and a pending retry can both see the end: only the first closes the socket.
  let finished = false
  const start = performance.now()
  const pump = (): void => {
    while (sent < args.bytes && outstanding < 512) {
      outstanding++
      sent += payload.length
      socket.send(payload, args.port!, '127.0.0.1', () => { outstanding--; if (outstanding === 256) setImmediate(pump) })
    }
    if (finished) return
    if (sent >= args.bytes && outstanding === 0) {
      finished = true
      out({ result: { bytes: sent, seconds: (performance.now() - start) / 1000, peakRssBytes: peakRssBytes(), cpuSeconds: cpuSecondsSince(cpuAtStart), minorPageFaults: minorFaults() - faultsAtStart } })
      socket.close()
    } else if (sent >= args.bytes) setTimeout(pump, 1)
  }
  pump()
} else if (args.mode === 'raw-batched-receive') {
  // The same blast through Ferry's batched socket (protocol/native): the ceiling of the I/O path Ferry uses by default.
  let bytes = 0
  let first = 0
  let last = 0
  let finished = false
  const socket = await openDatagramSocket({
    io: 'batched', host: '127.0.0.1', port: 0, receiveBufferBytes: 64 << 20, sendBufferBytes: 64 << 20, onWritable: () => {},
    onDatagram: (datagram, _source, receivedMs) => {
      if (bytes === 0) { first = receivedMs; cpuAtStart = process.cpuUsage(); faultsAtStart = minorFaults() }
      last = receivedMs
      bytes += datagram.length
      if (bytes >= args.bytes) finish()
    }
  })
  out({ port: socket.port })
  const idleCheck = setInterval(() => { if (bytes > 0 && performance.now() - last >= 500) finish() }, 100)
  function finish (): void {
    if (finished) return
    finished = true
    clearInterval(idleCheck)
    out({ result: { bytes, seconds: (last - first) / 1000, peakRssBytes: peakRssBytes(), cpuSeconds: cpuSecondsSince(cpuAtStart), minorPageFaults: minorFaults() - faultsAtStart } })
    void socket.close()
  }
} else if (args.mode === 'raw-batched-send') {
  const payload = Buffer.alloc(RAW_DATAGRAM_BYTES, 7)
  let sent = 0
  const start = performance.now()
  const socket = await openDatagramSocket({ io: 'batched', host: '127.0.0.1', port: 0, receiveBufferBytes: 1 << 20, sendBufferBytes: 64 << 20, onDatagram: () => {}, onWritable: () => pump() })
  cpuAtStart = process.cpuUsage(); faultsAtStart = minorFaults()
  // Bursts of 512 (the driver's per-turn burst), each handed over by the socket in batches; a full kernel buffer pauses until writable.
  function pump (): void {
    for (let n = 0; n < 512 && sent < args.bytes && !socket.blocked; n++) { socket.send(payload, args.port!, '127.0.0.1'); sent += payload.length }
    socket.flush()
    if (sent < args.bytes) { if (!socket.blocked) setImmediate(pump); return }
    if (socket.blocked) return
    out({ result: { bytes: sent, seconds: (performance.now() - start) / 1000, peakRssBytes: peakRssBytes(), cpuSeconds: cpuSecondsSince(cpuAtStart), minorPageFaults: minorFaults() - faultsAtStart } })
    void socket.close()
  }
  pump()
} else {
  const endpoint = await UdpEndpoint.bind({ host: '127.0.0.1' })
  out({ port: endpoint.port })
  cpuAtStart = process.cpuUsage(); faultsAtStart = minorFaults()
  const common = { connectionId: args.connectionId!, secret: Buffer.from(args.secretHex!, 'hex'), idleTimeoutMs: 10_000 }
  try {
    if (args.mode === 'ferry-receive') {
      const result = await endpoint.receive({ ...common, role: 'responder', ...(args.destinationDir === undefined ? { memory: 'discard' as const } : { destinationDir: args.destinationDir }) })
      out({ result: { bytes: result.bytes, seconds: result.seconds, sha256: result.files.map(f => f.sha256), peakRssBytes: peakRssBytes(), cpuSeconds: cpuSecondsSince(cpuAtStart), minorPageFaults: minorFaults() - faultsAtStart, dropped: result.dropped, io: endpoint.io } })
    } else {
      const rate = { policy: args.policy ?? 'fixed', targetBitsPerSec: args.rateBitsPerSec ?? 1e9, minBitsPerSec: 1e6 }
      const files = args.files ?? [{ relativePath: 'synthetic.bin', sizeBytes: args.bytes }]
      const result = await endpoint.send({
        ...common, role: 'initiator', remote: { host: '127.0.0.1', port: args.port! }, files, rate,
        rateController: rate.policy === 'fixed' ? new FixedRateController(rate) : undefined,
        source: args.files === undefined ? new SyntheticBlockSource() : undefined
      })
      out({ result: { bytes: result.bytes, seconds: result.seconds, sha256: result.files.map(f => f.sha256), retransmittedBytes: result.retransmittedBytes, payloadBytesSent: result.payloadBytesSent, peakRssBytes: peakRssBytes(), cpuSeconds: cpuSecondsSince(cpuAtStart), minorPageFaults: minorFaults() - faultsAtStart, io: endpoint.io, sendDrops: endpoint.sendDrops } })
    }
  } catch (err) {
    out({ error: (err as { code?: string }).code ?? String(err) })
  }
  await endpoint.close()
}
