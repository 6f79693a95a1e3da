// The UDP socket the driver talks through, and the choice between its two implementations: batched syscalls in a small native addon, or node:dgram.
import { FerryError } from '../errors/ferry-error.js'
import { BatchedDatagramSocket, loadBatchedUdpAddon } from './batched-datagram-socket.js'
import { DgramDatagramSocket } from './dgram-datagram-socket.js'

/** How a socket moves datagrams: `batched` = sendmmsg/recvmmsg in protocol/native, `dgram` = node:dgram, one call each. */
export type DatagramIo = 'batched' | 'dgram'

/** Where a datagram came from. The same object comes back for consecutive datagrams from one source (compare cheaply). */
export interface DatagramSource { readonly address: string, readonly port: number }

/**
 * Called once per received datagram. `datagram` is valid only during the call (the batched socket reuses its memory):
 * copy whatever must outlive it. `receivedMs` is each socket's best reading of when the datagram arrived (driver clock, ms):
 * the kernel's stamp on the batched socket (SO_TIMESTAMPNS), the first read of its poll phase on node:dgram.
 */
export type DatagramHandler = (datagram: Buffer, source: DatagramSource, receivedMs: number) => void

export interface DatagramSocketOptions {
  /** IP literal to bind (IPv4 or IPv6; an IPv6 socket also reaches IPv4 peers through IPv4-mapped addresses). */
  host: string
  port: number
  /** SO_RCVBUF / SO_SNDBUF wanted (bytes); as root past net.core.[rw]mem_max where the implementation can. */
  receiveBufferBytes: number
  sendBufferBytes: number
  onDatagram: DatagramHandler
  /** Called when a blocked socket takes datagrams again. */
  onWritable: () => void
  /** Forces an implementation; default: FERRY_UDP_IO from the environment, else `batched` when the addon is built, else `dgram`. */
  io?: DatagramIo
  /**
   * Batched only: send runs of equal-size datagrams as one UDP GSO message (the kernel cuts them apart; one trip through
   * the stack instead of one each). Default true unless FERRY_UDP_GSO=0; the socket stops using it if the kernel refuses.
   */
  gso?: boolean
}

export interface DatagramSocket {
  readonly io: DatagramIo
  readonly port: number
  /** Buffer sizes the kernel granted (bytes, as getsockopt reports them). */
  readonly receiveBufferBytes: number
  readonly sendBufferBytes: number
  /** True while the socket should be given nothing more; `onWritable` runs when that ends. */
  readonly blocked: boolean
  /** True when send() copies the datagram before it returns: the caller may then reuse its memory at once. */
  readonly copiesOnSend: boolean
  /** Datagrams dropped on the way out because the queue was full or the destination could not be resolved. */
  readonly sendDrops: number
  /**
   * Queues one datagram for `host:port`, sent at the latest by the next flush(). Unless `copiesOnSend`, the socket
   * holds on to `datagram` until it is sent: do not change it. Throws FERRY_PROTOCOL_SOCKET_CLOSED after close().
   */
  send (datagram: Uint8Array, port: number, host: string): void
  /** Hands everything queued to the kernel (call at the end of each burst). */
  flush (): void
  /** Stops receiving and closes the socket; queued datagrams are flushed first, best effort. */
  close (): Promise<void>
}

/** The implementation FERRY_UDP_IO asks for, if any (`batched` or `dgram`). */
function ioFromEnvironment (): DatagramIo | undefined {
  const value = process.env.FERRY_UDP_IO
  if (value === undefined || value === '') return undefined
  if (value === 'batched' || value === 'dgram') return value
  throw new FerryError('FERRY_PROTOCOL_SOCKET_IO', `FERRY_UDP_IO must be "batched" or "dgram", not "${value}"`, { statusCode: 400 })
}

/** Opens a bound socket with the chosen (or best available) implementation. */
export async function openDatagramSocket (options: DatagramSocketOptions): Promise<DatagramSocket> {
  const wanted = options.io ?? ioFromEnvironment()
  if (wanted === 'dgram') return await DgramDatagramSocket.open(options)
  const addon = loadBatchedUdpAddon()
  if (addon instanceof Error) {
    if (wanted === 'batched') throw new FerryError('FERRY_PROTOCOL_SOCKET_IO', `batched UDP I/O was asked for but its addon is not available: ${addon.message}`, { cause: addon })
    return await DgramDatagramSocket.open(options)
  }
  return await BatchedDatagramSocket.open(addon, { ...options, gso: options.gso ?? process.env.FERRY_UDP_GSO !== '0' })
}

/** Turns a bind failure of either implementation into a coded error. */
export function bindError (err: unknown, host: string, port: number): FerryError {
  const errno = (err as { code?: string }).code ?? 'EIO'
  return new FerryError('FERRY_PROTOCOL_SOCKET_BIND', `cannot bind UDP ${host} port ${port}: ${(err as Error).message}`, { statusCode: errno === 'EADDRINUSE' ? 409 : 500, details: { errno }, cause: err })
}
