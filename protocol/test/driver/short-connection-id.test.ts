// Two live sessions on one endpoint whose connection ids share their low 32 bits, the part on the wire (SPEC.md §3.1, §10): the AEAD tells their datagrams apart and both transfers complete.
import { describe, it, expect, afterEach } from 'vitest'
import { createHash, randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { UdpEndpoint } from '../../src/driver/index.js'
import { HEADER_BYTES, PacketType, TAG_BYTES, writeHeader } from '../../src/wire/datagram-codec.js'

const endpoints: UdpEndpoint[] = []
afterEach(async () => { await Promise.all(endpoints.splice(0).map(e => e.close())) })

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

describe('short connection ids', () => {
  it('two sessions with the same low 32 bits on each endpoint both complete; a datagram neither opens is counted once', async () => {
    const [a, b] = await Promise.all([UdpEndpoint.bind(), UdpEndpoint.bind()])
    endpoints.push(a, b)
    const transfers = ['aaaaaaaa5eed0001', 'bbbbbbbb5eed0001'].map(connectionId => ({ connectionId, secret: randomBytes(32), bytes: randomBytes(3_000_000) }))
    const rate = { policy: 'fixed', targetBitsPerSec: 200e6, minBitsPerSec: 1e6 } as const
    // Once data flows, a forgery with the shared short id: neither session opens it.
    const socket = createSocket('udp4')
    let forgerySent = false
    const forge = (): void => {
      if (forgerySent) return
      forgerySent = true
      const forged = Buffer.alloc(HEADER_BYTES + 100 + TAG_BYTES, 7)
      writeHeader(forged, { type: PacketType.Data, shortConnectionId: 0x5eed0001, packetNumber: 3, timestampTicks: 0 })
      socket.send(forged, b.port, '127.0.0.1')
    }
    const results = await Promise.all(transfers.map(t => Promise.all([
      a.send({ connectionId: t.connectionId, secret: t.secret, role: 'initiator', remote: { host: '127.0.0.1', port: b.port }, files: [{ relativePath: 'f.bin', sizeBytes: t.bytes.length, bytes: t.bytes }], rate }),
      b.receive({ connectionId: t.connectionId, secret: t.secret, role: 'responder', memory: 'keep', progressIntervalMs: 5, onProgress: p => { if (p.bytesDone > 1_000_000) forge() } })
    ])))
    socket.close()
    transfers.forEach((t, i) => {
      const [sent, received] = results[i]!
      expect(sent.files[0]!.sha256).toBe(sha(t.bytes))
      expect(received.files[0]!.sha256).toBe(sha(t.bytes))
      expect(received.dropped.unauthenticated).toBe(0)
      expect(sent.dropped.unauthenticated).toBe(0)
    })
    expect(forgerySent).toBe(true)
    expect(b.unauthenticatedDatagrams).toBe(1)
    expect(a.unauthenticatedDatagrams).toBe(0)
  }, 120_000)
})
