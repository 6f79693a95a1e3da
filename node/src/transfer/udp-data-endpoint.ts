// Binds the node's UDP data socket through the protocol driver (protocol/src/driver) and adapts it to DataEndpoint.
import { UdpEndpoint } from '@ferry/protocol/driver/index'
import type { DataEndpoint } from './data-endpoint.js'

/** The driver's defaults (64 MiB socket buffers, per-session demultiplexing by connection id) suit a node. */
export async function openUdpDataEndpoint (host: string, port: number): Promise<DataEndpoint> {
  const endpoint = await UdpEndpoint.bind({ host, port })
  return {
    port: endpoint.port,
    send: async (options, onHandle) => {
      const running = endpoint.send(options)
      onHandle?.(running)
      return await running
    },
    receive: async (options, onHandle) => {
      const running = endpoint.receive(options)
      onHandle?.(running)
      return await running
    },
    close: async () => { await endpoint.close() }
  }
}
