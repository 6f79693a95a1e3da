// The control codec round-trips every message type and refuses truncated, oversized and ill-typed input with a code.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { decodeControlMessage, encodeControlMessage, type ControlMessage } from '../../src/control/control-message.js'

const samples: ControlMessage[] = [
  { type: 'open', token: 'a.b.c', direction: 'upload', manifest: [{ path: 'dir/a.bin', sizeBytes: 10 }], rate: { policy: 'fair', targetBitsPerSec: 1e9, minBitsPerSec: 0 } },
  { type: 'open', token: 'a.b.c', direction: 'download', paths: ['dir/'] },
  { type: 'open', token: 'a.b.c', direction: 'download', paths: ['big.mxf'], rate: { policy: 'fair', targetBitsPerSec: 1e9, minBitsPerSec: 1e6, pathBitsPerSec: 5e8 } },
  { type: 'accept', transferId: 't1', connectionId: '0123456789abcdef', secret: Buffer.alloc(32, 7).toString('base64'), udpHost: '127.0.0.1', udpPort: 4000, manifest: [], resume: { completePaths: ['x'] } },
  { type: 'accept', transferId: 't2', connectionId: '0123456789abcdef', secret: Buffer.alloc(32, 7).toString('base64'), udpHost: '127.0.0.1', udpPort: 4000, manifest: [], resume: { completePaths: [], receiverResuming: true } },
  { type: 'progress', bytesDone: 1, bytesTotal: 2, rateBitsPerSec: 3, etaSeconds: 4 },
  { type: 'rate', policy: 'low', targetBitsPerSec: 100, minBitsPerSec: 10 },
  { type: 'cancel' },
  { type: 'complete', receipt: 'r', files: [{ path: 'a', sizeBytes: 0, sha256: 'e'.repeat(64) }] },
  { type: 'error', code: 'FERRY_TOKEN_EXPIRED', message: 'expired' }
]

function codeOf (fn: () => unknown): string {
  try { fn() } catch (err) { return (err as { code: string }).code }
  return 'no error'
}

describe('control message codec', () => {
  it('round-trips every type', () => {
    for (const m of samples) expect(decodeControlMessage(encodeControlMessage(m))).toEqual(m)
  })

  it('refuses every truncated prefix', () => {
    for (const m of samples) {
      const bytes = encodeControlMessage(m)
      for (let n = 0; n < bytes.length; n++) expect(codeOf(() => decodeControlMessage(bytes.subarray(0, n)))).toBe('FERRY_CONTROL_MALFORMED')
    }
  })

  it('refuses wrong field types and unknown types', () => {
    const bad = [
      { type: 'nope' }, [], null, 5,
      { type: 'open', token: 1, direction: 'upload' },
      { type: 'open', token: 't', direction: 'sideways' },
      { type: 'open', token: 't', direction: 'upload', manifest: [{ path: 'a', sizeBytes: -1 }] },
      { type: 'open', token: 't', direction: 'upload', rate: { policy: 'fair', targetBitsPerSec: 10, minBitsPerSec: 20 } },
      { type: 'open', token: 't', direction: 'upload', rate: { policy: 'fair', targetBitsPerSec: 10, minBitsPerSec: 1, pathBitsPerSec: 0 } },
      { type: 'accept', transferId: 't', connectionId: 'xyz', secret: '', udpHost: 'h', udpPort: 1, manifest: [], resume: { completePaths: [] } },
      { type: 'accept', transferId: 't', connectionId: '0123456789abcdef', secret: Buffer.alloc(32).toString('base64'), udpHost: 'h', udpPort: 1, manifest: [], resume: { completePaths: [], receiverResuming: 'yes' } }
    ]
    for (const v of bad) expect(codeOf(() => decodeControlMessage(new TextEncoder().encode(JSON.stringify(v))))).toBe('FERRY_CONTROL_MALFORMED')
    expect(codeOf(() => decodeControlMessage(new Uint8Array([0xff, 0xfe])))).toBe('FERRY_CONTROL_MALFORMED')
  })

  it('never throws anything but a coded error on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), bytes => {
      try { decodeControlMessage(bytes) } catch (err) { expect((err as { code: string }).code).toBe('FERRY_CONTROL_MALFORMED') }
    }))
    fc.assert(fc.property(fc.jsonValue(), value => {
      try { decodeControlMessage(new TextEncoder().encode(JSON.stringify(value))) } catch (err) { expect((err as { code: string }).code).toBe('FERRY_CONTROL_MALFORMED') }
    }))
  })
})
