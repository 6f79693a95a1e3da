// The control client opens, follows progress to the receipt, forwards rate changes, and surfaces the node's coded refusals.
import { describe, it, expect } from 'vitest'
import { TransferControlClient } from '../../src/control/transfer-control-client.js'
import { decodeControlMessage, encodeControlMessage, type ControlMessage } from '../../src/control/control-message.js'
import type { MessageChannel } from '../../src/control/message-channel.js'

/** An in-memory channel pair: what one side writes, the other reads, in order. */
function channelPair (): [MessageChannel, MessageChannel] {
  const queues: Array<Array<Uint8Array | null>> = [[], []]
  const waiters: Array<Array<(m: Uint8Array | null) => void>> = [[], []]
  const side = (me: number): MessageChannel => {
    const other = 1 - me
    const push = (m: Uint8Array | null): void => {
      const w = waiters[other].shift()
      if (w !== undefined) w(m)
      else queues[other].push(m)
    }
    return {
      async read () {
        if (queues[me].length > 0) return queues[me].shift() ?? null
        return await new Promise(resolve => waiters[me].push(resolve))
      },
      async write (m) { push(m) },
      async close () { push(null) }
    }
  }
  return [side(0), side(1)]
}

async function next (c: MessageChannel): Promise<ControlMessage> {
  const bytes = await c.read()
  if (bytes === null) throw new Error('closed')
  return decodeControlMessage(bytes)
}

const accept: ControlMessage = { type: 'accept', transferId: 't1', connectionId: 'aaaaaaaaaaaaaaaa', secret: Buffer.alloc(32).toString('base64'), udpHost: '127.0.0.1', udpPort: 9, manifest: [], resume: { completePaths: [] } }

describe('TransferControlClient', () => {
  it('opens, forwards rate changes, reports progress and returns the receipt', async () => {
    const [client, node] = channelPair()
    const opening = TransferControlClient.open(client, { token: 'tok', direction: 'upload', manifest: [{ path: 'a', sizeBytes: 1 }] })
    expect(await next(node)).toMatchObject({ type: 'open', token: 'tok', direction: 'upload' })
    await node.write(encodeControlMessage(accept))
    const transfer = await opening
    expect(transfer.accept.connectionId).toBe('aaaaaaaaaaaaaaaa')
    await transfer.setRate({ policy: 'fixed', targetBitsPerSec: 5e6, minBitsPerSec: 0 })
    expect(await next(node)).toEqual({ type: 'rate', policy: 'fixed', targetBitsPerSec: 5e6, minBitsPerSec: 0 })
    const progress: number[] = []
    const done = transfer.complete({ onProgress: p => progress.push(p.bytesDone) })
    await node.write(encodeControlMessage({ type: 'progress', bytesDone: 1, bytesTotal: 1, rateBitsPerSec: 8, etaSeconds: 0 }))
    await node.write(encodeControlMessage({ type: 'complete', receipt: 'jwt', files: [] }))
    expect((await done).receipt).toBe('jwt')
    expect(progress).toEqual([1])
  })

  it('rejects with the node\'s code when refused', async () => {
    const [client, node] = channelPair()
    const opening = TransferControlClient.open(client, { token: 'bad', direction: 'download' })
    await next(node)
    await node.write(encodeControlMessage({ type: 'error', code: 'FERRY_TOKEN_EXPIRED', message: 'expired' }))
    await expect(opening).rejects.toMatchObject({ code: 'FERRY_TOKEN_EXPIRED' })
  })

  it('rejects when the node hangs up or answers out of turn', async () => {
    const [client, node] = channelPair()
    const opening = TransferControlClient.open(client, { token: 't', direction: 'download' })
    await next(node)
    await node.close()
    await expect(opening).rejects.toMatchObject({ code: 'FERRY_CONTROL_CLOSED' })
    const [c2, n2] = channelPair()
    const o2 = TransferControlClient.open(c2, { token: 't', direction: 'download' })
    await next(n2)
    await n2.write(encodeControlMessage({ type: 'cancel' }))
    await expect(o2).rejects.toMatchObject({ code: 'FERRY_CONTROL_UNEXPECTED' })
  })
})
