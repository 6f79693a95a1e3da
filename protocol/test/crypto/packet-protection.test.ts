// Packet protection: both suites seal and open, any flipped bit fails, directions differ, keys change and nonces differ by the full packet number, the replay window holds.
import { describe, it, expect } from 'vitest'
import { PacketProtection, CipherSuite, KEY_UPDATE_PACKETS } from '../../src/crypto/packet-protection.js'
import { ReplayWindow, REPLAY_WINDOW_PACKETS } from '../../src/crypto/replay-window.js'
import { HEADER_BYTES, PacketType, TAG_BYTES, writeHeader } from '../../src/wire/datagram-codec.js'

const secret = new Uint8Array(32).fill(3)

function sealed (p: PacketProtection, pn: number, body = 'hello ferry'): Buffer {
  const buf = Buffer.alloc(HEADER_BYTES + body.length + TAG_BYTES)
  writeHeader(buf, { type: PacketType.Data, shortConnectionId: 0, packetNumber: pn, timestampTicks: 1 })
  buf.write(body, HEADER_BYTES)
  p.seal(buf, body.length, pn)
  return buf
}

describe.each([['chacha20-poly1305', CipherSuite.ChaCha20Poly1305], ['aes-256-gcm', CipherSuite.Aes256Gcm]] as const)('PacketProtection with %s', (_name, suite) => {
  const pair = (): [PacketProtection, PacketProtection] => {
    const a = new PacketProtection(secret, 'initiator'); const b = new PacketProtection(secret, 'responder')
    a.setSuite(suite); b.setSuite(suite)
    return [a, b]
  }

  it('opens what the peer sealed, and only that', () => {
    const [a, b] = pair()
    const buf = sealed(a, 5)
    expect(buf.subarray(HEADER_BYTES, HEADER_BYTES + 11).toString()).not.toBe('hello ferry')
    expect(b.open(Buffer.from(buf), 5)?.toString()).toBe('hello ferry')
    expect(a.open(Buffer.from(buf), 5)).toBeUndefined() // own direction's key differs
    expect(b.open(Buffer.from(buf), 6)).toBeUndefined() // nonce bound to the packet number
    for (let bit = 0; bit < buf.length * 8; bit += 7) {
      const copy = Buffer.from(buf)
      copy[bit >> 3] ^= 1 << (bit & 7)
      expect(b.open(copy, 5)).toBeUndefined()
    }
  })

  it('changes keys across a key-update boundary, both sides in step', () => {
    const [a, b] = pair()
    const boundary = KEY_UPDATE_PACKETS[suite]
    const before = sealed(a, boundary - 1)
    const after = sealed(a, boundary)
    expect(b.open(before, boundary - 1)?.toString()).toBe('hello ferry')
    expect(b.open(after, boundary)?.toString()).toBe('hello ferry')
  })

  it('binds the nonce to the full packet number, not the 32 bits on the wire', () => {
    const [a, b] = pair()
    const pn = 2 ** 32 + 5
    const buf = sealed(a, pn)
    expect(b.open(Buffer.from(buf), 5)).toBeUndefined()
    expect(b.open(buf, pn)?.toString()).toBe('hello ferry')
  })
})

describe('ReplayWindow', () => {
  it('accepts each packet number once, late ones within the window, none older', () => {
    const w = new ReplayWindow()
    for (const pn of [0, 5, 3, 10_000]) { expect(w.check(pn)).toBe(true); w.commit(pn) }
    expect(w.check(5)).toBe(false)
    expect(w.check(10_000)).toBe(false)
    expect(w.check(10_000 - REPLAY_WINDOW_PACKETS + 1)).toBe(true)
    expect(w.check(10_000 - REPLAY_WINDOW_PACKETS)).toBe(false)
    expect(w.check(9_999)).toBe(true)
  })
})
