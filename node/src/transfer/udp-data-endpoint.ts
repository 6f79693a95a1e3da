// Binds the node's UDP data socket through the protocol driver (protocol/src/driver).
import { createSocket } from 'node:dgram'
import { FerryError } from '@ferry/protocol'
import type { DataEndpoint } from './data-endpoint.js'

/** Placeholder until protocol/src/driver lands: reserves the UDP port; transfers are refused with a code. */
export async function openUdpDataEndpoint (host: string, port: number): Promise<DataEndpoint> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
  await new Promise<void>((resolve, reject) => { socket.once('error', reject); socket.bind(port, host, () => { resolve() }) })
  const unavailable = async (): Promise<never> => { throw new FerryError('FERRY_NODE_DATA_UNAVAILABLE', 'the UDP data plane is not available', { statusCode: 503 }) }
  return {
    port: socket.address().port,
    send: unavailable,
    receive: unavailable,
    close: async () => { await new Promise<void>(resolve => { socket.close(() => { resolve() }) }) }
  }
}
