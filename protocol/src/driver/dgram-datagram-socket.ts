// The portable DatagramSocket on node:dgram: one send call and one 'message' callback per datagram (the fallback when the batched addon is absent).
import { createSocket, type Socket } from 'node:dgram'
import { lookup as dnsLookup } from 'node:dns'
import { isIP, isIPv6 } from 'node:net'
import { FerryError } from '../errors/ferry-error.js'
import { bindError, type DatagramSocket, type DatagramSocketOptions } from './datagram-socket.js'

/** Datagrams handed to the socket and not yet confirmed sent, before it reports itself blocked (backpressure). */
const MAX_OUTSTANDING_SENDS = 2048
/**
 * One send in this many carries a completion callback. A socket completes its sends in order (libuv sends at once only
 * with nothing queued), so one callback confirms every send before it; a callback on each datagram cost a nextTick each.
 */
const SEND_CONFIRM_EVERY = 64
/** Datagrams read within this long of the first of their poll phase carry its read time (ms). */
const MAX_BATCH_STAMP_MS = 1

/**
 * Resolves IP literals synchronously: node:dgram's default lookup defers every send to the next tick, which costs CPU
 * per datagram and makes a burst leave after all of it was built (its timestamps then read as queueing delay).
 */
function literalLookup (host: string, family: number, callback: (err: Error | null, address: string, family: number) => void): void {
  if (host === lastLiteral || isIP(host) !== 0) { lastLiteral = host; callback(null, host, family); return }
  dnsLookup(host, family, callback)
}
/** The last host found to be an IP literal: every datagram of a session asks about the same one. */
let lastLiteral = ''

export class DgramDatagramSocket implements DatagramSocket {
  readonly io = 'dgram' as const
  readonly receiveBufferBytes: number
  readonly copiesOnSend = false
  readonly sendBufferBytes: number
  readonly sendDrops = 0
  private sendsIssued = 0
  private sendsConfirmed = 0
  private closed = false
  /** Read time of the first datagram of the current poll phase (ms); undefined between poll phases. */
  private batchStampMs: number | undefined
  private readonly endBatch = (): void => { this.batchStampMs = undefined }

  private constructor (private readonly socket: Socket, readonly port: number, private readonly options: DatagramSocketOptions) {
    socket.on('message', (msg, rinfo) => options.onDatagram(msg, rinfo, this.receiveStamp()))
    socket.on('error', () => { /* per-send errors arrive in callbacks; a socket error only matters on close */ })
    this.receiveBufferBytes = socket.getRecvBufferSize()
    this.sendBufferBytes = socket.getSendBufferSize()
  }

  static async open (options: DatagramSocketOptions): Promise<DgramDatagramSocket> {
    const socket = createSocket({ type: isIPv6(options.host) ? 'udp6' : 'udp4', lookup: literalLookup as never })
    await new Promise<void>((resolve, reject) => {
      socket.once('error', err => reject(bindError(err, options.host, options.port)))
      socket.bind(options.port, options.host, () => { socket.removeAllListeners('error'); resolve() })
    })
    try { socket.setRecvBufferSize(options.receiveBufferBytes) } catch (_) { /* the kernel keeps its default */ }
    try { socket.setSendBufferSize(options.sendBufferBytes) } catch (_) { /* the kernel keeps its default */ }
    return new DgramDatagramSocket(socket, socket.address().port, options)
  }

  /**
   * node:dgram offers no kernel timestamps, only read times: the datagrams of one poll phase carry the first one's (the
   * later ones waited behind it, not on the path), and one read more than MAX_BATCH_STAMP_MS later (a GC pause
   * mid-phase) starts a new stamp: datagrams that arrived during the pause must not look early, or one sample below the
   * true base delay would inflate every later queueing delay.
   */
  private receiveStamp (): number {
    const now = performance.now()
    if (this.batchStampMs === undefined) setImmediate(this.endBatch)
    if (this.batchStampMs === undefined || now - this.batchStampMs > MAX_BATCH_STAMP_MS) this.batchStampMs = now
    return this.batchStampMs
  }

  get blocked (): boolean { return this.sendsIssued - this.sendsConfirmed >= MAX_OUTSTANDING_SENDS }

  send (datagram: Uint8Array, port: number, host: string): void {
    if (this.closed) throw new FerryError('FERRY_PROTOCOL_SOCKET_CLOSED', 'send on a closed UDP socket')
    const sequence = ++this.sendsIssued
    if (sequence % SEND_CONFIRM_EVERY === 0) this.socket.send(datagram, port, host, () => this.onSent(sequence))
    else this.socket.send(datagram, port, host)
  }

  /** node:dgram sends as it goes: nothing is held back. */
  flush (): void {}

  /** Send `sequence` (and so every send before it) left the socket. */
  private onSent (sequence: number): void {
    const wasBlocked = this.blocked
    if (sequence > this.sendsConfirmed) this.sendsConfirmed = sequence
    if (wasBlocked && !this.blocked && !this.closed) this.options.onWritable()
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await new Promise<void>(resolve => this.socket.close(() => resolve()))
  }
}
