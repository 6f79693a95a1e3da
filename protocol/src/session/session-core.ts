// What sending and receiving sessions share: handshake, packet protection, replay window, ping, close, idle timeout (SPEC.md §3, §4, §8).
import { FerryError } from '../errors/ferry-error.js'
import { CipherSuite, cipherSuiteByName, PacketProtection, type CipherSuiteName, type EndpointRole } from '../crypto/packet-protection.js'
import { ReplayWindow } from '../crypto/replay-window.js'
import {
  HEADER_BYTES, MAX_DATAGRAM_BYTES, PacketType, TAG_BYTES,
  maxBodyBytes, readBody, readHeader, shortConnectionId, writeBody, writeHeader, type Frame, type HelloFrame
} from '../wire/datagram-codec.js'
import { decodePacketNumber, MAX_PACKET_NUMBER, MAX_UNACKNOWLEDGED_PACKETS } from '../wire/packet-number.js'

export interface SessionOptions {
  /** 16 hex characters, agreed on the control plane; the wire carries its low 32 bits (SPEC.md §3.1). */
  connectionId: string
  /** 32 random bytes, agreed on the control plane. */
  secret: Uint8Array
  /** The initiator knows the peer's address and speaks first. */
  endpointRole: EndpointRole
  /** Suites in order of preference; default ChaCha20-Poly1305 then AES-256-GCM (SPEC.md §3.4.1). */
  cipherSuites?: CipherSuiteName[]
  /** Close when nothing authentic arrived for this long (ms). */
  idleTimeoutMs?: number
  /** The session's creation time (ms, driver clock). */
  nowMs: number
  /**
   * The driver copies each datagram pollTransmit returns before it calls pollTransmit again (a batching socket does):
   * every datagram is then built in the same buffer, which stays in cache and costs no allocation. Default false:
   * each datagram gets memory of its own, for sockets that keep it until sent (node:dgram).
   */
  reusableDatagrams?: boolean
}

export type SessionState = 'handshake' | 'established' | 'closing' | 'closed'

/** How a session ended: `code` undefined means success. `by` says which side raised it. */
export interface SessionOutcome { ok: boolean, code?: string, message?: string, by?: 'local' | 'peer' }

/** Datagrams dropped without effect, by reason (SPEC.md §8). */
export interface DropCounters {
  malformed: number
  unauthenticated: number
  replayed: number
  wrongConnection: number
  beforeManifest: number
  sinkFull: number
  duplicate: number
  /** First-flight data at a resuming receiver still reading back what it holds (SPEC.md §4.2.1): the sync asks for it again. */
  beforeSync: number
}

/** Default idle timeout (ms): long enough to ride out a control-plane hiccup, short enough to notice a dead peer. */
export const DEFAULT_IDLE_TIMEOUT_MS = 20_000
/** First hello retransmission delay (ms), doubled on each retry up to 2 s. */
const HELLO_RETRY_MS = 200
/** Send a ping when nothing was sent for this long (ms), so the peer's idle timer sees us. */
const KEEPALIVE_MS = 2_000
/** After closing, answer stray packets with CLOSE for this long (ms), at least 3 RTTs. */
const DRAIN_MIN_MS = 300
/** Rate limit for CLOSE answers while draining (ms). */
const CLOSE_ANSWER_INTERVAL_MS = 20
/**
 * Outgoing datagrams are cut from slabs that grow from the first to the largest size (bytes): one allocation per ~170
 * full datagrams instead of Node's 8 KiB pool every 4, which was most of the sender's garbage collection at 1 Gbit/s.
 * Bounded so an idle session holds little; a slab lives as long as any datagram cut from it.
 */
const FIRST_SLAB_BYTES = 16 << 10
const LARGEST_SLAB_BYTES = 256 << 10

export abstract class SessionCore {
  readonly connectionId: string
  /** The low 32 bits of the connection id: what the header carries and the driver demultiplexes on (SPEC.md §3.1). */
  readonly shortConnectionId: number
  protected readonly protection: PacketProtection
  protected readonly replay = new ReplayWindow()
  protected readonly originMs: number
  protected readonly suitePreference: CipherSuite[]
  protected readonly idleTimeoutMs: number
  readonly endpointRole: EndpointRole
  abstract readonly transferRole: 'sender' | 'receiver'

  state: SessionState = 'handshake'
  outcome: SessionOutcome | undefined
  readonly dropped: DropCounters = { malformed: 0, unauthenticated: 0, replayed: 0, wrongConnection: 0, beforeManifest: 0, sinkFull: 0, duplicate: 0, beforeSync: 0 }
  packetsSent = 0
  packetsReceived = 0
  wireBytesSent = 0

  protected nextPacketNumber = 0
  protected lastReceiveMs: number
  protected lastSendMs: number
  /** Smoothed RTT and its variation (ms), RFC 6298; seeded by the handshake. */
  srttMs = 100
  protected rttVarMs = 50
  minRttMs = Infinity
  protected hasRttSample = false

  private helloSentAtMs = -Infinity
  private helloRetryMs = HELLO_RETRY_MS
  private helloRetried = false
  private helloReplyDue = false
  private readonly pongsDue: number[] = []
  private pingId = 0
  private closeFrame: Frame | undefined
  private closeDue = false
  private lastCloseSentMs = -Infinity
  private drainUntilMs = Infinity
  protected peerResuming = false
  /**
   * An initiating sender sends data right behind its hello, before the reply (SPEC.md §4.2.1): until established, it
   * sends data and takes acknowledgements and timeouts as if established.
   */
  protected firstFlight = false
  /** The slab datagrams are built in, and how much of it is used (bytes). */
  private slab = Buffer.alloc(0)
  private slabUsedBytes = 0
  /** With `reusableDatagrams`, the one buffer every datagram is built in, and the last view of it handed out. */
  private readonly scratch: Buffer | undefined
  private scratchView: Buffer | undefined

  constructor (options: SessionOptions) {
    if (!/^[0-9a-f]{16}$/.test(options.connectionId)) throw new FerryError('FERRY_PROTOCOL_CONNECTION_ID', 'the connection id must be 16 lowercase hex characters', { statusCode: 400 })
    this.connectionId = options.connectionId
    this.shortConnectionId = shortConnectionId(options.connectionId)
    this.protection = new PacketProtection(options.secret, options.endpointRole)
    this.endpointRole = options.endpointRole
    this.suitePreference = (options.cipherSuites ?? ['chacha20-poly1305', 'aes-256-gcm']).map(name => {
      const suite = cipherSuiteByName[name]
      if (suite === undefined) throw new FerryError('FERRY_PROTOCOL_CIPHER', `unknown cipher suite ${name}`, { statusCode: 400 })
      return suite
    })
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS
    this.originMs = options.nowMs
    this.lastReceiveMs = options.nowMs
    this.lastSendMs = options.nowMs
    this.scratch = options.reusableDatagrams === true ? Buffer.allocUnsafeSlow(MAX_DATAGRAM_BYTES + 256) : undefined
  }

  /** The negotiated suite's name, once established. */
  get cipherSuite (): CipherSuiteName | undefined {
    const s = this.protection.negotiatedSuite
    return s === undefined ? undefined : s === CipherSuite.ChaCha20Poly1305 ? 'chacha20-poly1305' : 'aes-256-gcm'
  }

  /** Key generations used for sending (key updates, SPEC.md §3.4.2). */
  get keyGenerations (): number { return this.protection.keyUpdates }

  /** 10 µs ticks since the session began, modulo 2^32 (SPEC.md §3.3). */
  protected ticks (nowMs: number): number { return Math.round((nowMs - this.originMs) * 100) >>> 0 }

  /**
   * Handles one datagram from the peer. Never throws on peer input: a bad datagram is dropped and counted.
   * Returns true when it authenticated (the driver then takes its source address as the peer's).
   *
   * `shared`: other live sessions on the endpoint have the same short connection id, and the driver tries each
   * (SPEC.md §10). A datagram that does not authenticate here is then neither counted nor changed (it is opened in a
   * copy), so the next session can try it; the driver counts one that none takes.
   */
  handleDatagram (buf: Buffer, nowMs: number, shared = false): boolean {
    if (this.state === 'closed') return false
    let header
    try {
      header = readHeader(buf)
    } catch (_) {
      if (!shared) this.dropped.malformed++
      return false
    }
    if (header.shortConnectionId !== this.shortConnectionId) { if (!shared) this.dropped.wrongConnection++; return false }
    // The full packet number, from its low 32 bits and the largest authentic one (SPEC.md §3.2): the nonce and the replay window use it.
    const pn = decodePacketNumber(header.packetNumber, this.replay.highestPacketNumber)
    if (pn === undefined || !this.replay.check(pn)) { if (!shared) this.dropped.replayed++; return false }
    const early = this.state === 'handshake' && this.endpointRole === 'responder' && header.type === PacketType.Data
    // Opening is in place and a failed open may wipe the ciphertext: a datagram another session may own is opened in a copy.
    const sealed = shared ? Buffer.from(buf) : buf
    const body = early ? this.openFirstFlight(sealed, pn) : this.protection.open(sealed, pn)
    if (body === undefined) { if (!shared) this.dropped.unauthenticated++; return false }
    this.replay.commit(pn)
    this.lastReceiveMs = nowMs
    this.packetsReceived++
    let frame: Frame
    try {
      frame = readBody(header.type, body)
    } catch (err) {
      // Authentic but malformed: the peer is broken, not an attacker (SPEC.md §8).
      this.closeLocally('FERRY_PROTOCOL_VIOLATION', `peer sent a malformed frame: ${(err as Error).message}`, nowMs)
      return true
    }
    if (this.state === 'closing') {
      if (frame.type === PacketType.Close) this.finishDrain()
      else this.closeDue = true
      // An initiator that missed our hello reply cannot read our CLOSE until it gets one.
      if (frame.type === PacketType.Hello && !frame.reply && this.endpointRole === 'responder' && this.protection.negotiatedSuite !== undefined) this.helloReplyDue = true
      return true
    }
    if (early) this.establishByFirstFlight(nowMs)
    switch (frame.type) {
      case PacketType.Hello: this.onHello(frame, nowMs); break
      case PacketType.Close:
        this.outcome ??= frame.code === '' ? { ok: true } : { ok: false, code: frame.code, message: frame.message, by: 'peer' }
        this.state = 'closed'
        this.onClosed()
        break
      case PacketType.Ping:
        if (this.pongsDue.length < 8) this.pongsDue.push(frame.id)
        if (this.state === 'established') this.onPing(nowMs)
        break
      case PacketType.Pong: break
      default:
        if (this.state !== 'established' && !(this.firstFlight && this.state === 'handshake')) break
        this.onFrame(frame, header.timestampTicks, pn, nowMs)
    }
    return true
  }

  /** A responder's DATA before any hello: authentic only as a first flight, under ChaCha20-Poly1305 if it accepts that (SPEC.md §4.2.1). */
  private openFirstFlight (buf: Buffer, pn: number): Buffer | undefined {
    if (!this.suitePreference.includes(CipherSuite.ChaCha20Poly1305)) return undefined
    return this.protection.openBeforeSuite(buf, pn, CipherSuite.ChaCha20Poly1305)
  }

  /**
   * Authentic data overtook the initiator's hello (lost or late): the initiator is a sender in its first flight, so the
   * session is established here as that hello would have done, and the reply goes out at once (SPEC.md §4.2.1).
   */
  private establishByFirstFlight (nowMs: number): void {
    if (this.transferRole === 'sender') { this.closeLocally('FERRY_PROTOCOL_ROLE', 'both sides want to be the sender', nowMs); return }
    this.protection.setSuite(CipherSuite.ChaCha20Poly1305)
    this.state = 'established'
    this.onEstablished(nowMs)
    this.helloReplyDue = true
  }

  private onHello (frame: HelloFrame, nowMs: number): void {
    if (frame.senderRole === this.transferRole) {
      this.closeLocally('FERRY_PROTOCOL_ROLE', `both sides want to be the ${this.transferRole}`, nowMs)
      return
    }
    if (this.endpointRole === 'responder') {
      if (frame.reply) return
      // A first flight is sealed under ChaCha20-Poly1305: choosing it whenever acceptable keeps that data readable (SPEC.md §4.2.1).
      const firstFlightSuite = frame.firstFlight && (frame.suites & CipherSuite.ChaCha20Poly1305) !== 0 ? this.suitePreference.find(s => s === CipherSuite.ChaCha20Poly1305) : undefined
      const chosen = firstFlightSuite ?? this.suitePreference.find(s => (frame.suites & s) !== 0)
      if (chosen === undefined) { this.closeLocally('FERRY_PROTOCOL_CIPHER', 'no cipher suite in common', nowMs); return }
      if (this.state === 'handshake') {
        this.protection.setSuite(chosen)
        this.peerResuming = frame.resuming
        this.state = 'established'
        this.onEstablished(nowMs)
      }
      this.helloReplyDue = true
      return
    }
    if (!frame.reply || this.state !== 'handshake') return
    const offered = this.suitePreference.reduce((bits, s) => bits | s, 0)
    if ((frame.suites & offered) === 0 || (frame.suites & (frame.suites - 1)) !== 0) {
      this.closeLocally('FERRY_PROTOCOL_CIPHER', 'the responder chose a suite that was not offered', nowMs)
      return
    }
    this.protection.setSuite(frame.suites as CipherSuite)
    this.peerResuming = frame.resuming
    // Karn's rule: after a retry the reply may answer an earlier hello, so its time says nothing (a path above the
    // first retry interval would read as one retry interval short); the first data acknowledgements give the RTT.
    // A first flight's acknowledgements may have timed data already: those samples come first (SPEC.md §4.2.1).
    if (!this.helloRetried && !this.hasRttSample) this.onRttSample(nowMs - this.helloSentAtMs)
    else if (!this.hasRttSample && nowMs - this.helloSentAtMs > this.srttMs) {
      // Still, it answers a hello sent no later than the last: the RTT is at least that long, and the default RTT far
      // below it would fire loss timers early until the first data sample.
      this.srttMs = nowMs - this.helloSentAtMs
      this.rttVarMs = this.srttMs / 2
    }
    this.state = 'established'
    this.onEstablished(nowMs)
  }

  protected onRttSample (rttMs: number): void {
    if (!(rttMs >= 0)) return
    this.minRttMs = Math.min(this.minRttMs, rttMs)
    if (!this.hasRttSample) {
      this.srttMs = rttMs; this.rttVarMs = rttMs / 2; this.hasRttSample = true
      return
    }
    this.rttVarMs = 0.75 * this.rttVarMs + 0.25 * Math.abs(this.srttMs - rttMs)
    this.srttMs = 0.875 * this.srttMs + 0.125 * rttMs
  }

  /** Probe timeout (ms), RFC 9002 §6.2 style. */
  protected get ptoMs (): number { return this.srttMs + Math.max(4 * this.rttVarMs, 2) + 25 }

  /** Closes from this side with a code (a peer violation or a local decision), telling the peer. Idempotent. */
  closeLocally (code: string, message: string, nowMs: number): void {
    if (this.state === 'closing' || this.state === 'closed') return
    this.outcome ??= { ok: false, code, message, by: 'local' }
    this.beginClose(code, message, nowMs)
  }

  /** Ends successfully: tells the peer and drains. */
  protected closeSuccessfully (nowMs: number): void {
    if (this.state === 'closing' || this.state === 'closed') return
    this.outcome ??= { ok: true }
    this.beginClose('', '', nowMs)
  }

  private beginClose (code: string, message: string, nowMs: number): void {
    this.closeFrame = { type: PacketType.Close, code, message }
    this.closeDue = true
    this.state = 'closing'
    this.drainUntilMs = nowMs + Math.max(DRAIN_MIN_MS, 3 * this.ptoMs)
    this.onClosed()
  }

  private finishDrain (): void { this.state = 'closed'; this.drainUntilMs = Infinity }

  /** Driver calls this at or after nextDeadlineMs(). */
  handleTimeout (nowMs: number): void {
    if (this.state === 'closed') return
    if (this.state === 'closing') {
      if (nowMs >= this.drainUntilMs) this.finishDrain()
      return
    }
    if (nowMs - this.lastReceiveMs >= this.idleTimeoutMs) {
      this.closeLocally('FERRY_PROTOCOL_IDLE_TIMEOUT', `nothing heard from the peer for ${this.idleTimeoutMs} ms`, nowMs)
      return
    }
    if (this.state === 'established' || this.firstFlight) this.onTimeout(nowMs)
  }

  /** The earliest time (ms) at which handleTimeout or pollTransmit has something to do; Infinity when nothing is scheduled. */
  nextDeadlineMs (): number {
    if (this.state === 'closed') return Infinity
    if (this.state === 'closing') return this.helloReplyDue ? -Infinity : this.closeDue ? this.lastCloseSentMs + CLOSE_ANSWER_INTERVAL_MS : this.drainUntilMs
    let deadline = this.lastReceiveMs + this.idleTimeoutMs
    if (this.helloReplyDue || this.pongsDue.length > 0) return -Infinity
    if (this.state === 'handshake') {
      if (this.endpointRole === 'initiator') deadline = Math.min(deadline, this.helloSentAtMs + this.helloRetryMs)
      return this.firstFlight ? Math.min(deadline, this.subclassDeadlineMs()) : deadline
    }
    deadline = Math.min(deadline, this.lastSendMs + KEEPALIVE_MS)
    return Math.min(deadline, this.subclassDeadlineMs())
  }

  /** The next datagram to put on the wire now, or undefined when nothing is due (pacing, nothing to send). */
  pollTransmit (nowMs: number): Buffer | undefined {
    if (this.state === 'closed') return undefined
    if (this.state === 'closing') {
      if (this.helloReplyDue) {
        this.helloReplyDue = false
        return this.build({ type: PacketType.Hello, senderRole: this.transferRole, reply: true, resuming: this.isResuming(), firstFlight: false, suites: this.protection.negotiatedSuite! }, nowMs)
      }
      if (!this.closeDue || nowMs < this.lastCloseSentMs + CLOSE_ANSWER_INTERVAL_MS) return undefined
      this.closeDue = false
      this.lastCloseSentMs = nowMs
      return this.build(this.closeFrame!, nowMs)
    }
    const acknowledged = this.largestAcknowledgedPacketNumber()
    if (acknowledged !== undefined && this.nextPacketNumber - acknowledged >= MAX_UNACKNOWLEDGED_PACKETS) {
      // The peer could no longer reconstruct our packet numbers from their low 32 bits (SPEC.md §3.2): the CLOSE is the last it can.
      this.closeLocally('FERRY_PROTOCOL_UNACKNOWLEDGED_LIMIT', `${MAX_UNACKNOWLEDGED_PACKETS} datagrams sent without an acknowledgement`, nowMs)
      return this.pollTransmit(nowMs)
    }
    if (this.state === 'handshake') {
      if (this.endpointRole !== 'initiator') return undefined
      if (nowMs < this.helloSentAtMs + this.helloRetryMs) return this.firstFlight ? this.pollFrame(nowMs) : undefined
      if (this.helloSentAtMs !== -Infinity) { this.helloRetryMs = Math.min(2_000, this.helloRetryMs * 2); this.helloRetried = true }
      this.helloSentAtMs = nowMs
      const suites = this.suitePreference.reduce((bits, s) => bits | s, 0)
      return this.build({ type: PacketType.Hello, senderRole: this.transferRole, reply: false, resuming: this.isResuming(), firstFlight: this.firstFlight, suites }, nowMs)
    }
    if (this.helloReplyDue) {
      this.helloReplyDue = false
      return this.build({ type: PacketType.Hello, senderRole: this.transferRole, reply: true, resuming: this.isResuming(), firstFlight: false, suites: this.protection.negotiatedSuite! }, nowMs)
    }
    const pong = this.pongsDue.shift()
    if (pong !== undefined) return this.build({ type: PacketType.Pong, id: pong }, nowMs)
    const next = this.pollFrame(nowMs)
    if (next !== undefined) return next
    if (nowMs >= this.lastSendMs + KEEPALIVE_MS) return this.build({ type: PacketType.Ping, id: this.pingId++ }, nowMs)
    return undefined
  }

  /** Encodes, numbers and seals one frame. */
  protected build (frame: Frame, nowMs: number): Buffer {
    const pn = this.nextPacketNumber++
    if (pn > MAX_PACKET_NUMBER) throw new FerryError('FERRY_PROTOCOL_PACKET_NUMBER_EXHAUSTED', 'the 48-bit packet number space is used up')
    const buf = this.datagramBuffer(Math.min(MAX_DATAGRAM_BYTES + 256, HEADER_BYTES + maxBodyBytes(frame) + TAG_BYTES))
    writeHeader(buf, { type: frame.type, shortConnectionId: this.shortConnectionId, packetNumber: pn, timestampTicks: this.ticks(nowMs) })
    const end = writeBody(buf, HEADER_BYTES, frame)
    const length = this.protection.seal(buf, end - HEADER_BYTES, pn)
    this.onSealed(pn, nowMs)
    this.packetsSent++
    this.wireBytesSent += length
    this.lastSendMs = nowMs
    // Only what was written counts as used: the rest of the room goes to the next datagram (8-byte aligned).
    if (this.scratch === undefined) this.slabUsedBytes -= (buf.length - length) & ~7
    return length === buf.length ? buf : buf.subarray(0, length)
  }

  /** Room for one datagram of at most `bytes`, cut from the current slab (a new one when it is full). */
  private datagramBuffer (bytes: number): Buffer {
    if (this.scratch !== undefined) {
      // Full data datagrams all ask for the same size: one view serves them all (and lets seal() reuse its views).
      if (this.scratchView === undefined || this.scratchView.length !== bytes) this.scratchView = this.scratch.subarray(0, bytes)
      return this.scratchView
    }
    const room = (bytes + 7) & ~7
    if (this.slabUsedBytes + room > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(Math.max(room, Math.min(LARGEST_SLAB_BYTES, Math.max(FIRST_SLAB_BYTES, 2 * this.slab.length))))
      this.slabUsedBytes = 0
    }
    const start = this.slabUsedBytes
    this.slabUsedBytes += room
    return this.slab.subarray(start, start + bytes)
  }

  /**
   * An initiating sender starts its first flight (SPEC.md §4.2.1), if its first suite preference is ChaCha20-Poly1305
   * (the suite every endpoint has, for hellos); call from the constructor. Returns whether it does.
   */
  protected startFirstFlight (): boolean {
    if (this.endpointRole !== 'initiator' || this.suitePreference[0] !== CipherSuite.ChaCha20Poly1305) return false
    this.protection.startFirstFlight(CipherSuite.ChaCha20Poly1305)
    this.firstFlight = true
    return true
  }

  /**
   * Hook: the largest of this side's packet numbers the peer acknowledged (-1 before any), or undefined when this
   * side's datagrams are not acknowledged: a receiver's answer the sender's, so the peer's idle timeout bounds how
   * many of them can go unheard, far below MAX_UNACKNOWLEDGED_PACKETS (SPEC.md §3.2).
   */
  protected largestAcknowledgedPacketNumber (): number | undefined { return undefined }
  /** Hook: a packet number was used at `nowMs` (the sender records it for RTT). */
  protected onSealed (_pn: number, _nowMs: number): void {}
  protected isResuming (): boolean { return false }
  /** Hook: the peer pinged (a sender waiting for a resumed receiver's sync asks for it so, SPEC.md §5.4). */
  protected onPing (_nowMs: number): void {}
  protected abstract onEstablished (nowMs: number): void
  protected abstract onFrame (frame: Frame, timestampTicks: number, packetNumber: number, nowMs: number): void
  protected abstract onTimeout (nowMs: number): void
  protected abstract subclassDeadlineMs (): number
  protected abstract pollFrame (nowMs: number): Buffer | undefined
  protected abstract onClosed (): void
}
