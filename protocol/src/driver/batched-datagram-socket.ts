// The DatagramSocket on protocol/native's addon: sendmmsg of a burst in one syscall, recvmmsg of up to 64 datagrams per JavaScript callback.
import { createRequire } from 'node:module'
import { lookup as dnsLookup } from 'node:dns/promises'
import { isIP, isIPv6 } from 'node:net'
import { FerryError } from '../errors/ferry-error.js'
import { bindError, type DatagramSocket, type DatagramSocketOptions, type DatagramSource } from './datagram-socket.js'

/** The addon's functions (protocol/native/batched-udp.c says what each does). */
export interface BatchedUdpAddon {
  readonly RECEIVE_SLOTS: number
  open (family: 4 | 6, host: string, port: number, receiveBufferBytes: number, sendBufferBytes: number,
    receiveArena: Buffer, receiveMeta: Uint32Array, onBatch: (count: number) => void, onWritable: () => void, gso: boolean): object
  localPort (handle: object): number
  bufferSizes (handle: object): [number, number]
  send (handle: object, arena: Buffer, offsets: Uint32Array, first: number, count: number, host: string, port: number): number
  waitWritable (handle: object): void
  sourceAddress (handle: object, slot: number): string
  close (handle: object): void
}

/** Where `npm run build` (scripts/ensure.mjs) puts the addon, from protocol/src/driver or protocol/dist/driver alike. */
const ADDON_PATH = '../../native/build/batched-udp.node'
/** Receive slot size (bytes): a Ferry datagram is at most 1472 bytes; a larger foreign one is cut short and fails authentication. */
const RECEIVE_SLOT_BYTES = 2048
/** Words of receive metadata per slot: length, port, four address words, microseconds since the kernel took it in (batched-udp.c). */
const META_WORDS = 7
/** A kernel timestamp older than this (µs) is not trusted (a clock step); the read time stands in. */
const MAX_TRUSTED_AGE_US = 10_000_000
/** Datagrams queued for sending at most; beyond it, while the kernel takes nothing, more are dropped (as a full socket buffer would). */
const SEND_QUEUE_DATAGRAMS = 2048
/** Send arena (bytes): room for a full queue of the largest datagrams. */
const SEND_ARENA_BYTES = SEND_QUEUE_DATAGRAMS * RECEIVE_SLOT_BYTES
/**
 * A burst goes to the kernel every this many datagrams, not only at its end: a datagram's timestamp is taken when it is
 * built, so the wait before its syscall reads as delay to the peer; 64 keeps that under ~0.3 ms at full speed.
 */
const SEND_BATCH_DATAGRAMS = 64

let loaded: BatchedUdpAddon | Error | undefined

/** The addon, or why it cannot be used (not built: no C compiler or Node headers where it was installed). */
export function loadBatchedUdpAddon (): BatchedUdpAddon | Error {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)(ADDON_PATH) as BatchedUdpAddon
    } catch (err) {
      loaded = err as Error
    }
  }
  return loaded
}

export class BatchedDatagramSocket implements DatagramSocket {
  readonly io = 'batched' as const
  readonly port: number
  readonly receiveBufferBytes: number
  readonly copiesOnSend = true
  readonly sendBufferBytes: number
  sendDrops = 0
  private readonly handle: object
  private readonly receiveArena: Buffer
  private readonly receiveMeta: Uint32Array
  /** The last source seen, handed out again while datagrams keep coming from it (no string per datagram). */
  private lastSource: DatagramSource = { address: '', port: -1 }
  private readonly lastSourceWords = new Uint32Array(5)
  private readonly sendArena = Buffer.allocUnsafe(SEND_ARENA_BYTES)
  /** Queued datagram i is sendArena[offsets[i], offsets[i + 1]); [head, count) are not sent yet. */
  private readonly offsets = new Uint32Array(SEND_QUEUE_DATAGRAMS + 1)
  private readonly hosts: string[] = new Array<string>(SEND_QUEUE_DATAGRAMS).fill('')
  private readonly ports = new Int32Array(SEND_QUEUE_DATAGRAMS)
  private head = 0
  private count = 0
  private waitingWritable = false
  private closed = false
  /** IP addresses of host names seen in send() (rare: peers are normally given as IP literals). */
  private readonly resolved = new Map<string, string | undefined>()
  private lastLiteralHost = ''

  private constructor (private readonly addon: BatchedUdpAddon, private readonly options: DatagramSocketOptions, host: string) {
    const slots = addon.RECEIVE_SLOTS
    this.receiveArena = Buffer.alloc(slots * RECEIVE_SLOT_BYTES)
    this.receiveMeta = new Uint32Array(slots * META_WORDS)
    try {
      this.handle = addon.open(isIPv6(host) ? 6 : 4, host, options.port, options.receiveBufferBytes, options.sendBufferBytes,
        this.receiveArena, this.receiveMeta, this.onBatch, this.onKernelWritable, options.gso ?? true)
    } catch (err) {
      throw bindError(err, options.host, options.port)
    }
    this.port = addon.localPort(this.handle)
    const [receiveBytes, sendBytes] = addon.bufferSizes(this.handle)
    this.receiveBufferBytes = receiveBytes
    this.sendBufferBytes = sendBytes
  }

  static async open (addon: BatchedUdpAddon, options: DatagramSocketOptions): Promise<BatchedDatagramSocket> {
    let host = options.host
    if (isIP(host) === 0) {
      try { host = (await dnsLookup(host)).address } catch (err) { throw bindError(err, options.host, options.port) }
    }
    return new BatchedDatagramSocket(addon, options, host)
  }

  get blocked (): boolean { return this.waitingWritable }

  private readonly onBatch = (count: number): void => {
    const receivedMs = performance.now()
    const meta = this.receiveMeta
    const words = this.lastSourceWords
    for (let i = 0; i < count; i++) {
      const m = i * META_WORDS
      if (meta[m + 1] !== words[0] || meta[m + 2] !== words[1] || meta[m + 3] !== words[2] || meta[m + 4] !== words[3] || meta[m + 5] !== words[4]) {
        words.set(meta.subarray(m + 1, m + 6))
        this.lastSource = { address: this.addon.sourceAddress(this.handle, i), port: meta[m + 1]! }
      }
      const start = i * RECEIVE_SLOT_BYTES
      // When the kernel took it in, not when we read it: time spent in the socket buffer during an event-loop pause is
      // ours, not the path's, and must not read as queueing delay (SPEC.md §10).
      const ageUs = meta[m + 6]!
      // A view, not a copy: valid only during this call, as DatagramHandler says (the next batch overwrites the slot).
      this.options.onDatagram(this.receiveArena.subarray(start, start + meta[m]!), this.lastSource, ageUs < MAX_TRUSTED_AGE_US ? receivedMs - ageUs / 1000 : receivedMs)
      if (this.closed) return
    }
  }

  private readonly onKernelWritable = (): void => {
    this.waitingWritable = false
    this.flush()
    if (!this.waitingWritable && !this.closed) this.options.onWritable()
  }

  send (datagram: Uint8Array, port: number, host: string): void {
    if (this.closed) throw new FerryError('FERRY_PROTOCOL_SOCKET_CLOSED', 'send on a closed UDP socket')
    const address = host === this.lastLiteralHost ? host : this.addressOf(host)
    if (address === undefined) { this.sendDrops++; return }
    let end = this.offsets[this.count]!
    if (this.count === SEND_QUEUE_DATAGRAMS || end + datagram.length > SEND_ARENA_BYTES) {
      this.compact()
      end = this.offsets[this.count]!
      if (this.count === SEND_QUEUE_DATAGRAMS || end + datagram.length > SEND_ARENA_BYTES) { this.sendDrops++; return }
    }
    this.sendArena.set(datagram, end)
    this.hosts[this.count] = address
    this.ports[this.count] = port
    this.count++
    this.offsets[this.count] = end + datagram.length
    if (this.count - this.head >= SEND_BATCH_DATAGRAMS && !this.waitingWritable) this.flush()
  }

  /** The IP address to send to for `host`; undefined (and a lookup started) for a name not resolved yet. */
  private addressOf (host: string): string | undefined {
    if (isIP(host) !== 0) { this.lastLiteralHost = host; return host }
    const address = this.resolved.get(host)
    if (address !== undefined || this.resolved.has(host)) return address
    this.resolved.set(host, undefined)
    dnsLookup(host, { family: this.options.host.includes(':') ? 6 : 4 }).then(r => this.resolved.set(host, r.address), () => this.resolved.delete(host))
    return undefined
  }

  flush (): void {
    if (this.closed) return
    let i = this.head
    while (i < this.count) {
      const host = this.hosts[i]!
      const port = this.ports[i]!
      let j = i + 1
      while (j < this.count && this.ports[j] === port && this.hosts[j] === host) j++
      let sent: number
      try {
        sent = this.addon.send(this.handle, this.sendArena, this.offsets, i, j - i, host, port)
      } catch (err) {
        if ((err as { code?: string }).code === 'EBADF') throw new FerryError('FERRY_PROTOCOL_SOCKET_CLOSED', 'send on a closed UDP socket', { cause: err })
        // A destination this socket cannot reach (an IPv6 peer from an IPv4 socket): its datagrams are lost.
        this.sendDrops += j - i
        sent = j - i
      }
      i += sent
      if (i < j) break
    }
    this.head = i
    if (this.head === this.count) {
      this.head = 0
      this.count = 0
    } else if (!this.waitingWritable) {
      this.waitingWritable = true
      this.addon.waitWritable(this.handle)
    }
  }

  /** Moves the unsent datagrams to the front of the queue. */
  private compact (): void {
    if (this.head === 0) return
    const base = this.offsets[this.head]!
    this.sendArena.copyWithin(0, base, this.offsets[this.count]!)
    const n = this.count - this.head
    for (let k = 0; k <= n; k++) this.offsets[k] = this.offsets[this.head + k]! - base
    for (let k = 0; k < n; k++) { this.hosts[k] = this.hosts[this.head + k]!; this.ports[k] = this.ports[this.head + k]! }
    this.head = 0
    this.count = n
  }

  async close (): Promise<void> {
    if (this.closed) return
    if (!this.waitingWritable) this.flush()
    this.closed = true
    this.addon.close(this.handle)
  }
}
