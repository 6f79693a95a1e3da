// A TCP proxy for tests that breaks its first connection(s) after a number of bytes, like a dropped Wi-Fi link mid-transfer.
import { createServer, connect, type Socket } from 'node:net'

export interface CuttingProxy {
  port: number
  /** Connections accepted so far. */
  connections: () => number
  /** Bytes relayed client→server, over all connections. */
  bytesUp: () => number
  close: () => Promise<void>
}

export interface CutOptions {
  /** 'up': count client→server bytes (uploads); 'down': server→client (downloads). */
  direction: 'up' | 'down'
  afterBytes: number
  /** How many of the first connections to break. */
  cutConnections?: number
}

export async function startCuttingProxy (targetPort: number, cut: CutOptions): Promise<CuttingProxy> {
  let accepted = 0
  let up = 0
  const sockets = new Set<Socket>()
  const server = createServer(client => {
    const index = accepted++
    const upstream = connect(targetPort, '127.0.0.1')
    sockets.add(client).add(upstream)
    const breaks = index < (cut.cutConnections ?? 1)
    let counted = 0
    const relay = (from: Socket, to: Socket, counting: boolean): void => {
      from.on('data', (chunk: Buffer) => {
        if (from === client) up += chunk.length
        if (breaks && counting) {
          const room = cut.afterBytes - counted
          counted += chunk.length
          if (room <= chunk.length) {
            // Deliver what fits, then break: a FIN towards the receiver, a reset towards the sender.
            to.end(chunk.subarray(0, Math.max(0, room)))
            from.destroy()
            return
          }
        }
        to.write(chunk)
      })
    }
    relay(client, upstream, cut.direction === 'up')
    relay(upstream, client, cut.direction === 'down')
    const end = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no port')
  return {
    port: address.port,
    connections: () => accepted,
    bytesUp: () => up,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}
