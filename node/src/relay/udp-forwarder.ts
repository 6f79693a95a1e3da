// Cut-through UDP forwarding for a relayed session: each datagram is passed on the moment it arrives, never stored.
import { createSocket, type Socket, type RemoteInfo } from 'node:dgram'

/** A forwarder with no datagram for this long (ms) closes itself: its session is over or dead. */
export const RELAY_IDLE_MS = 60_000

/**
 * One socket per relayed session. The first datagram from anywhere but the target fixes the initiator's address;
 * after that, initiator → target and target → initiator, everything else dropped. The session's AEAD stays end to end.
 */
export class UdpForwarder {
  readonly port: number
  private readonly socket: Socket
  private initiator: RemoteInfo | undefined
  private readonly target: { host: string, port: number }
  private idle: NodeJS.Timeout
  private closed = false
  forwardedDatagrams = 0
  forwardedBytes = 0

  private constructor (socket: Socket, target: { host: string, port: number }) {
    this.socket = socket
    this.port = socket.address().port
    this.target = target
    this.idle = setTimeout(() => { void this.close() }, RELAY_IDLE_MS)
    this.idle.unref()
    socket.on('message', (msg, rinfo) => { this.onMessage(msg, rinfo) })
  }

  static async open (bindHost: string, target: { host: string, port: number }): Promise<UdpForwarder> {
    const socket = createSocket({ type: bindHost.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 16 << 20, sendBufferSize: 16 << 20 })
    await new Promise<void>((resolve, reject) => { socket.once('error', reject); socket.bind(0, bindHost, () => { resolve() }) })
    return new UdpForwarder(socket, target)
  }

  private onMessage (msg: Buffer, rinfo: RemoteInfo): void {
    this.idle.refresh()
    const fromTarget = rinfo.address === this.target.host && rinfo.port === this.target.port
    if (fromTarget) {
      if (this.initiator === undefined) return
      this.socket.send(msg, this.initiator.port, this.initiator.address)
    } else {
      if (this.initiator === undefined) this.initiator = rinfo
      else if (rinfo.address !== this.initiator.address || rinfo.port !== this.initiator.port) return
      this.socket.send(msg, this.target.port, this.target.host)
    }
    this.forwardedDatagrams++
    this.forwardedBytes += msg.byteLength
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.idle)
    await new Promise<void>(resolve => { this.socket.close(() => { resolve() }) })
  }
}
