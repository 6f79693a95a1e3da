// Cut-through UDP forwarding for a relayed session: each datagram is passed on, untouched, the moment it arrives — never stored, decrypted or paced.
import { createSocket, type Socket, type RemoteInfo } from 'node:dgram'
import { lookup as dnsLookup } from 'node:dns'
import { isIP } from 'node:net'

/** A forwarder that forwarded nothing over a whole period this long (ms) closes itself: its session is over or dead. */
export const RELAY_IDLE_MS = 60_000
/** Socket buffers asked for (the kernel caps them at net.core.rmem_max/wmem_max): room for a burst while the loop is busy. */
const SOCKET_BUFFER_BYTES = 16 << 20

/**
 * Resolves IP literals synchronously: node:dgram's default lookup defers every send to the next tick, which costs CPU
 * per datagram and holds each one back until the poll batch it came in is done (added delay the rate controller sees).
 */
function literalLookup (host: string, family: number, callback: (err: Error | null, address: string, family: number) => void): void {
  if (isIP(host) !== 0) { callback(null, host, family); return }
  dnsLookup(host, family, callback)
}

async function bound (bindHost: string, port: number): Promise<Socket> {
  const socket = createSocket({ type: bindHost.includes(':') ? 'udp6' : 'udp4', lookup: literalLookup as never, recvBufferSize: SOCKET_BUFFER_BYTES, sendBufferSize: SOCKET_BUFFER_BYTES })
  await new Promise<void>((resolve, reject) => { socket.once('error', reject); socket.bind(port, bindHost, () => { socket.off('error', reject); resolve() }) })
  // A send refused by the kernel (buffer full, no route) is a lost datagram, which the session recovers; never a crash.
  socket.on('error', () => {})
  return socket
}

/**
 * One relayed session, two sockets: `initiatorSide` on the port the initiator was told (its first datagram fixes the
 * initiator's address; anything from elsewhere is dropped), and `targetSide` connected to the target, so sends skip
 * address handling and the kernel filters out everything but the target's replies. The target sees the relay's
 * target-side port as its peer (the driver answers the address authenticated datagrams come from).
 *
 * No decryption and no second session: one rate controller runs end to end (A's, fed by C's reports), so the two
 * hops cannot fight, R adds no pacing of its own, and per datagram R does one receive and one send. The session's AEAD
 * and each file's SHA-256 stay end to end. Trade-off: R relays the control messages, so it sees the session secret
 * (see RelayService).
 */
export class UdpForwarder {
  readonly port: number
  private readonly initiatorSide: Socket
  private readonly targetSide: Socket
  private initiator: RemoteInfo | undefined
  private readonly initiatorHost: string | undefined
  /** Datagrams dropped because they came from neither the initiator nor the target. */
  droppedDatagrams = 0
  private idle: NodeJS.Timeout
  /** Datagrams forwarded when the idle timer last fired. */
  private forwardedAtLastCheck = 0
  private closed = false
  forwardedDatagrams = 0
  forwardedBytes = 0

  private constructor (initiatorSide: Socket, targetSide: Socket, initiatorHost: string | undefined) {
    this.initiatorHost = initiatorHost
    this.initiatorSide = initiatorSide
    this.targetSide = targetSide
    this.port = initiatorSide.address().port
    // Checked once per idle period rather than re-armed per datagram: a timer refresh is not free at 10,000 datagrams/s.
    this.idle = setInterval(() => {
      if (this.forwardedDatagrams === this.forwardedAtLastCheck) void this.close()
      this.forwardedAtLastCheck = this.forwardedDatagrams
    }, RELAY_IDLE_MS)
    this.idle.unref()
    initiatorSide.on('message', (msg, rinfo) => { this.fromInitiator(msg, rinfo) })
    targetSide.on('message', msg => { this.fromTarget(msg) })
  }

  /**
   * `initiatorHost` is the IP address the initiator's control connection came from: only a first datagram from that
   * host may claim the initiator side, so a stranger who learns the port cannot take the session over by racing the
   * initiator's first datagram.
   */
  static async open (bindHost: string, target: { host: string, port: number }, initiatorHost?: string): Promise<UdpForwarder> {
    const initiatorSide = await bound(bindHost, 0)
    const targetSide = await bound(bindHost, 0).catch((err: unknown) => { initiatorSide.close(); throw err })
    try {
      await new Promise<void>((resolve, reject) => { targetSide.once('error', reject); targetSide.connect(target.port, target.host, () => { targetSide.off('error', reject); resolve() }) })
    } catch (err) {
      initiatorSide.close()
      targetSide.close()
      throw err
    }
    return new UdpForwarder(initiatorSide, targetSide, initiatorHost === undefined ? undefined : plainAddress(initiatorHost))
  }

  private fromInitiator (msg: Buffer, rinfo: RemoteInfo): void {
    if (this.initiator === undefined) {
      if (this.initiatorHost !== undefined && plainAddress(rinfo.address) !== this.initiatorHost) { this.droppedDatagrams++; return }
      this.initiator = rinfo
    } else if (rinfo.port !== this.initiator.port || rinfo.address !== this.initiator.address) {
      this.droppedDatagrams++
      return
    }
    this.targetSide.send(msg)
    this.counted(msg)
  }

  private fromTarget (msg: Buffer): void {
    if (this.initiator === undefined) return
    this.initiatorSide.send(msg, this.initiator.port, this.initiator.address)
    this.counted(msg)
  }

  private counted (msg: Buffer): void {
    this.forwardedDatagrams++
    this.forwardedBytes += msg.byteLength
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.idle)
    await Promise.all([this.initiatorSide, this.targetSide].map(async s => { await new Promise<void>(resolve => { s.close(() => { resolve() }) }) }))
  }
}

/** An IPv4 address as IPv4 even when it arrives IPv4-mapped on a dual-stack socket (::ffff:10.0.0.1). */
function plainAddress (address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
}
