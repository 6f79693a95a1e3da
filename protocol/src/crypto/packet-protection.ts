// Per-datagram AEAD (SPEC.md §3.4): per-direction HKDF keys from the session secret, nonce = IV xor packet number, key update by packet number.
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto'
import sodium from 'sodium-native'
import { FerryError } from '../errors/ferry-error.js'
import { HEADER_BYTES, PacketType, TAG_BYTES } from '../wire/datagram-codec.js'

/** Cipher suites as bits of the hello's suite field (SPEC.md §3.4.1). */
export const CipherSuite = { ChaCha20Poly1305: 1, Aes256Gcm: 2 } as const
export type CipherSuite = typeof CipherSuite[keyof typeof CipherSuite]
export type CipherSuiteName = 'chacha20-poly1305' | 'aes-256-gcm'
export const cipherSuiteByName: Record<CipherSuiteName, CipherSuite> = { 'chacha20-poly1305': CipherSuite.ChaCha20Poly1305, 'aes-256-gcm': CipherSuite.Aes256Gcm }

/**
 * Packets per key generation: AES-GCM's confidentiality limit is 2^23 full-size packets per key (RFC 9001 §6.6),
 * so keys change every 2^22 packets, well before it; ChaCha20-Poly1305 has no practical limit and changes every 2^32.
 */
export const KEY_UPDATE_PACKETS: Record<CipherSuite, number> = { [CipherSuite.ChaCha20Poly1305]: 2 ** 32, [CipherSuite.Aes256Gcm]: 2 ** 22 }

export type EndpointRole = 'initiator' | 'responder'

interface PacketKey { key: Buffer, iv: Buffer }

/** Seals outgoing and opens incoming datagrams of one session. Handshake (hello) packets always use ChaCha20-Poly1305 under handshake keys. */
export class PacketProtection {
  private readonly localSecret: Buffer
  private readonly remoteSecret: Buffer
  private suite: CipherSuite | undefined
  private firstFlightSuite: CipherSuite | undefined
  private readonly localKeys = new Map<string, PacketKey>()
  private readonly remoteKeys = new Map<string, PacketKey>()
  private readonly nonce = Buffer.alloc(12)
  private lastLocal: { suite: CipherSuite, key: PacketKey, generation: number | 'hs' } | undefined
  private lastRemote: { suite: CipherSuite, key: PacketKey, generation: number | 'hs' } | undefined
  /** Views of the last datagram sealed: a sender that builds every datagram in one buffer seals without allocating. */
  private sealed: { buf: Buffer, end: number, aad: Buffer, plaintext: Buffer, ciphertext: Buffer } | undefined
  /** Key generations used so far (for tests and ops). */
  keyUpdates = 0

  constructor (secret: Uint8Array, readonly localRole: EndpointRole) {
    if (secret.length !== 32) throw new FerryError('FERRY_PROTOCOL_SECRET', 'the session secret must be 32 bytes', { statusCode: 400 })
    const derive = (direction: EndpointRole): Buffer => Buffer.from(hkdfSync('sha256', secret, 'ferry/1', `ferry/1 ${direction} to peer`, 32))
    this.localSecret = derive(localRole)
    this.remoteSecret = derive(localRole === 'initiator' ? 'responder' : 'initiator')
  }

  /** Fixes the negotiated suite for data packets. */
  setSuite (suite: CipherSuite): void { this.suite = suite }
  /**
   * An initiating sender's first flight (SPEC.md §4.2.1): until a suite is negotiated, datagrams other than HELLO and
   * CLOSE are sealed and opened under `suite`; a CLOSE is sealed under the handshake keys (a responder without a suite
   * reads it) and opened under either (the responder may have finished the whole transfer before a lost reply is repeated).
   */
  startFirstFlight (suite: CipherSuite): void { this.firstFlightSuite = suite }
  get negotiatedSuite (): CipherSuite | undefined { return this.suite }

  private keyFor (cache: Map<string, PacketKey>, dirSecret: Buffer, suite: CipherSuite, generation: number | 'hs'): PacketKey {
    const id = `${suite}/${generation}`
    let k = cache.get(id)
    if (k === undefined) {
      k = {
        key: Buffer.from(hkdfSync('sha256', dirSecret, '', `key ${id}`, 32)),
        iv: Buffer.from(hkdfSync('sha256', dirSecret, '', `iv ${id}`, 12))
      }
      if (cache.size >= 4) cache.delete(cache.keys().next().value!)
      cache.set(id, k)
      if (cache === this.localKeys && generation !== 'hs') this.keyUpdates++
    }
    return k
  }

  private select (buf: Uint8Array, pn: number, local: boolean, forceHandshake = false, dataSuite = this.suite ?? this.firstFlightSuite): { suite: CipherSuite, key: PacketKey } | undefined {
    const type = buf[0]! & 0x0f
    // A CLOSE before any suite was agreed (e.g. a handshake that timed out) travels under the handshake keys (SPEC.md §3.4).
    // A first flight's initiator still seals its CLOSE so, but opens one under the first flight's suite first.
    const isHello = forceHandshake || type === PacketType.Hello || (type === PacketType.Close && (local ? this.suite : dataSuite) === undefined)
    const suite = isHello ? CipherSuite.ChaCha20Poly1305 : dataSuite
    if (suite === undefined) return undefined
    const generation: number | 'hs' = isHello ? 'hs' : Math.floor(pn / KEY_UPDATE_PACKETS[suite])
    // Data packets hit the same generation over and over: skip the keyed lookup (and its string) for them.
    const last = local ? this.lastLocal : this.lastRemote
    if (last !== undefined && last.suite === suite && last.generation === generation) return last
    const key = local ? this.keyFor(this.localKeys, this.localSecret, suite, generation) : this.keyFor(this.remoteKeys, this.remoteSecret, suite, generation)
    const selected = { suite, key, generation }
    if (generation !== 'hs') { if (local) this.lastLocal = selected; else this.lastRemote = selected }
    return selected
  }

  private makeNonce (iv: Buffer, pn: number): Buffer {
    const n = this.nonce
    iv.copy(n)
    const high = Math.floor(pn / 0x100000000)
    n[6] ^= (high >>> 8) & 0xff; n[7] ^= high & 0xff
    n[8] ^= (pn >>> 24) & 0xff; n[9] ^= (pn >>> 16) & 0xff; n[10] ^= (pn >>> 8) & 0xff; n[11] ^= pn & 0xff
    return n
  }

  /**
   * Encrypts the body in place: `buf` holds the header then `bodyBytes` of plaintext and has room for the tag.
   * Returns the datagram length. Throws only on API misuse (no suite yet for a data packet).
   */
  seal (buf: Buffer, bodyBytes: number, pn: number): number {
    const sel = this.select(buf, pn, true)
    if (sel === undefined) throw new FerryError('FERRY_PROTOCOL_STATE', 'no cipher suite negotiated yet')
    const nonce = this.makeNonce(sel.key.iv, pn)
    const end = HEADER_BYTES + bodyBytes
    let views = this.sealed
    if (views === undefined || views.buf !== buf || views.end !== end) {
      views = { buf, end, aad: buf.subarray(0, HEADER_BYTES), plaintext: buf.subarray(HEADER_BYTES, end), ciphertext: buf.subarray(HEADER_BYTES, end + TAG_BYTES) }
      this.sealed = views
    }
    const aad = views.aad
    if (sel.suite === CipherSuite.ChaCha20Poly1305) {
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt(views.ciphertext, views.plaintext, aad, null, nonce, sel.key.key)
    } else {
      const cipher = createCipheriv('aes-256-gcm', sel.key.key, nonce)
      cipher.setAAD(aad)
      const out = cipher.update(buf.subarray(HEADER_BYTES, end))
      cipher.final()
      out.copy(buf, HEADER_BYTES)
      cipher.getAuthTag().copy(buf, end)
    }
    return end + TAG_BYTES
  }

  /** Decrypts in place; returns the plaintext body (a view into `buf`) or undefined when the datagram does not authenticate. */
  open (buf: Buffer, pn: number): Buffer | undefined {
    const opened = this.openWith(buf, pn, false)
    if (opened !== undefined || (buf[0]! & 0x0f) !== PacketType.Close || (this.suite ?? this.firstFlightSuite) === undefined) return opened
    return this.openWith(buf, pn, true)
  }

  /**
   * Opens a data datagram under `suite` before any suite is fixed (a first flight that overtook its hello, SPEC.md
   * §4.2.1), without fixing it; undefined when it does not authenticate. In place, as open().
   */
  openBeforeSuite (buf: Buffer, pn: number, suite: CipherSuite): Buffer | undefined {
    if (this.suite !== undefined) throw new FerryError('FERRY_PROTOCOL_STATE', 'a cipher suite is already negotiated')
    return this.openWith(buf, pn, false, suite)
  }

  private openWith (buf: Buffer, pn: number, forceHandshake: boolean, dataSuite = this.suite ?? this.firstFlightSuite): Buffer | undefined {
    const sel = this.select(buf, pn, false, forceHandshake, dataSuite)
    if (sel === undefined) return undefined
    const nonce = this.makeNonce(sel.key.iv, pn)
    const aad = buf.subarray(0, HEADER_BYTES)
    const end = buf.length - TAG_BYTES
    if (end < HEADER_BYTES) return undefined
    const body = buf.subarray(HEADER_BYTES, end)
    if (sel.suite === CipherSuite.ChaCha20Poly1305) {
      try {
        sodium.crypto_aead_chacha20poly1305_ietf_decrypt(body, null, buf.subarray(HEADER_BYTES), aad, nonce, sel.key.key)
      } catch (_) {
        return undefined
      }
      return body
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', sel.key.key, nonce)
      decipher.setAAD(aad)
      decipher.setAuthTag(buf.subarray(end))
      const plain = decipher.update(body)
      decipher.final()
      plain.copy(buf, HEADER_BYTES)
      return body
    } catch (_) {
      return undefined
    }
  }
}
