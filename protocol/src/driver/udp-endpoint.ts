// The UDP driver: one node:dgram socket, many sessions by connection id, real clock and timers, pacing and file I/O (SPEC.md §10).
import { isIPv4, isIPv6 } from 'node:net'
import { FerryError } from '../errors/ferry-error.js'
import { DelayBasedRateController } from '../congestion/delay-based-rate-controller.js'
import type { RateSettings } from '../congestion/rate-controller.js'
import { MemoryBlockSink } from '../files/memory-block-sink.js'
import { MemoryBlockSource } from '../files/memory-block-source.js'
import type { ManifestEntry } from '../manifest/manifest.js'
import { peekShortConnectionId, shortConnectionId } from '../wire/datagram-codec.js'
import { ReceiverSession } from '../session/receiver-session.js'
import { SenderSession } from '../session/sender-session.js'
import type { SessionCore } from '../session/session-core.js'
import { FileBlockSink, isDiskFull } from './file-block-sink.js'
import { FileBlockSource } from './file-block-source.js'
import { RelayBlockSource } from './relay-block-source.js'
import { readJournalFile, removeJournalFile, writeJournalFile } from './journal-file.js'
import { openDatagramSocket, type DatagramIo, type DatagramSocket, type DatagramSource } from './datagram-socket.js'
import { HeldDatagrams } from './held-datagrams.js'
import type { ReceiveOptions, RemoteAddress, SendOptions, TransferProgress, TransferResult } from './transfer-types.js'

export interface BindOptions {
  host?: string
  port?: number
  /** SO_RCVBUF wanted (bytes); the kernel caps it at net.core.rmem_max. Large, so event-loop pauses do not drop datagrams. */
  receiveBufferBytes?: number
  sendBufferBytes?: number
  /** Socket implementation: default FERRY_UDP_IO from the environment, else batched syscalls when the addon is built, else node:dgram. */
  io?: DatagramIo
}

/** Default socket buffers (bytes): 64 MiB holds ~45,000 full datagrams, half a second at 1 Gbit/s. */
const DEFAULT_SOCKET_BUFFER_BYTES = 64 << 20
/** Datagrams one session may emit per loop turn, so receiving keeps its share of the event loop. */
const MAX_BURST_PER_TURN = 512
/** Journal checkpoint period (ms). */
const JOURNAL_INTERVAL_MS = 1000
/** Flush gathered write buffers at least this often (ms). */
const SINK_FLUSH_INTERVAL_MS = 50

interface Entry {
  session: SessionCore
  remote: RemoteAddress | undefined
  /** Called after every loop turn that touched the session. */
  afterTurn: (nowMs: number) => void
  /** Called once the session is fully closed (drained): release resources. */
  onClosed: () => void
}

/** A transfer in progress: await it (it is a thenable) for the result; change its rate or watch its progress meanwhile. */
export class RunningTransfer implements PromiseLike<TransferResult> {
  readonly done: Promise<TransferResult>
  /** @internal */
  progressNow: () => TransferProgress = () => ({ bytesDone: 0, bytesTotal: 0, rateBitsPerSec: 0, etaSeconds: Infinity, filesDone: 0, filesTotal: 0 })
  /** @internal */
  rateSetter: ((settings: RateSettings) => void) | undefined
  /** @internal */
  relayFactory: ((paths: readonly string[]) => RelayBlockSource) | undefined

  /**
   * Receiving transfers only: a source that sends these files onward while they still arrive (cut-through relay).
   * Pass it as `send({ files, source })` with the same relative paths and sizes; see RelayBlockSource.
   */
  relaySource (relativePaths: readonly string[]): RelayBlockSource {
    if (this.relayFactory === undefined) throw new FerryError('FERRY_PROTOCOL_STATE', 'relaySource() needs a receive() into a destination folder')
    return this.relayFactory(relativePaths)
  }

  constructor (done: Promise<TransferResult>) { this.done = done }

  /** Changes the sender's rate settings mid-transfer (no effect on a receiving transfer). */
  setRate (settings: RateSettings): void { this.rateSetter?.(settings) }
  progress (): TransferProgress { return this.progressNow() }

  then<A = TransferResult, B = never> (onfulfilled?: ((value: TransferResult) => A | PromiseLike<A>) | null, onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.done.then(onfulfilled, onrejected)
  }
}

function nowMs (): number { return performance.now() }

export class UdpEndpoint {
  private readonly sessions = new Map<string, Entry>()
  /** Live sessions by the short connection id the wire carries (SPEC.md §3.1): almost always one each. */
  private readonly sessionsByShortId = new Map<number, Entry[]>()
  private timer: NodeJS.Timeout | undefined
  /** When the pending timer fires (ms). */
  private timerDueMs = Infinity
  private immediate: NodeJS.Immediate | undefined
  private closed = false
  /**
   * Receive time of the datagrams libuv read in the current poll phase (ms), reset by the next loop turn: every datagram
   * of a batch carries the time it was read off the socket, not the time its turn to be processed came, so processing
   * delay is never read as queueing delay by the rate controller.
   */
  /** The sessions the last datagram's short connection id named: most datagrams skip the map lookup. */
  private lastShortId = -1
  private lastEntries: Entry[] | undefined
  /** Datagrams for no known session (ignored). */
  unknownDatagrams = 0
  /** Datagrams none of the sessions sharing their short connection id could authenticate (SPEC.md §10). */
  unauthenticatedDatagrams = 0
  /**
   * Datagrams for receiving sessions still being prepared (reading their journal), handed over once they exist; keyed
   * by the short connection id, since that is all a datagram names.
   */
  private readonly held = new HeldDatagrams()
  /** The socket; set once by bind(), before any datagram can arrive. */
  private socket!: DatagramSocket

  private constructor (readonly host: string, private readonly ipv6: boolean) {}

  /** Binds one UDP socket (IPv4 or IPv6 by `host`) with large buffers. Throws FERRY_PROTOCOL_SOCKET_BIND when it cannot. */
  static async bind (options: BindOptions = {}): Promise<UdpEndpoint> {
    const host = options.host ?? '127.0.0.1'
    const endpoint = new UdpEndpoint(host, isIPv6(host))
    endpoint.socket = await openDatagramSocket({
      host, port: options.port ?? 0, io: options.io,
      receiveBufferBytes: options.receiveBufferBytes ?? DEFAULT_SOCKET_BUFFER_BYTES, sendBufferBytes: options.sendBufferBytes ?? DEFAULT_SOCKET_BUFFER_BYTES,
      onDatagram: (datagram, source, receivedMs) => endpoint.onDatagram(datagram, source, receivedMs),
      onWritable: () => endpoint.wake()
    })
    return endpoint
  }

  /** The bound UDP port. */
  get port (): number { return this.socket.port }
  /** Socket buffer sizes the kernel granted (bytes). */
  get receiveBufferBytes (): number { return this.socket.receiveBufferBytes }
  get sendBufferBytes (): number { return this.socket.sendBufferBytes }
  /** Which socket implementation moves the datagrams: `batched` (sendmmsg/recvmmsg addon) or `dgram` (node:dgram). */
  get io (): DatagramIo { return this.socket.io }
  /** Datagrams the socket dropped on the way out (full send queue, unresolvable destination). */
  get sendDrops (): number { return this.socket.sendDrops }

  /** Number of live sessions (ops). */
  get sessionCount (): number { return this.sessions.size }
  /** Datagrams that arrived while their receiving session was being prepared, handed to it once it existed. */
  get heldDatagrams (): number { return this.held.delivered }
  /** Datagrams held for a session being prepared but dropped: too many, too old, or the session was never created. */
  get heldDatagramsDropped (): number { return this.held.dropped }

  private register (connectionId: string, entry: Entry): void {
    if (this.closed) throw new FerryError('FERRY_PROTOCOL_ENDPOINT_CLOSED', 'the endpoint is closed')
    if (this.sessions.has(connectionId)) throw new FerryError('FERRY_PROTOCOL_CONNECTION_ID', `connection id ${connectionId} is already in use on this endpoint`, { statusCode: 409 })
    this.sessions.set(connectionId, entry)
    const shortId = entry.session.shortConnectionId
    const sharing = this.sessionsByShortId.get(shortId)
    // A new array, never a changed one: the demultiplexing cache may hold the old.
    this.sessionsByShortId.set(shortId, sharing === undefined ? [entry] : [...sharing, entry])
    this.wake()
  }

  private unregister (connectionId: string, entry: Entry): void {
    this.sessions.delete(connectionId)
    const shortId = entry.session.shortConnectionId
    const rest = (this.sessionsByShortId.get(shortId) ?? []).filter(e => e !== entry)
    if (rest.length === 0) this.sessionsByShortId.delete(shortId)
    else this.sessionsByShortId.set(shortId, rest)
    if (this.lastShortId === shortId) { this.lastShortId = -1; this.lastEntries = undefined }
  }

  /** One datagram off the socket; `msg` is valid only during this call (the session opens it in place and copies what it keeps). */
  private onDatagram (msg: Buffer, source: DatagramSource, receivedMs: number): void {
    const shortId = peekShortConnectionId(msg)
    let entries = this.lastEntries
    if (shortId !== this.lastShortId || entries === undefined) {
      entries = shortId === undefined ? undefined : this.sessionsByShortId.get(shortId)
      if (entries === undefined) {
        if (shortId === undefined || !this.held.hold(shortId, msg, source, receivedMs)) this.unknownDatagrams++
        this.wake()
        return
      }
      this.lastShortId = shortId!
      this.lastEntries = entries
    }
    if (entries.length === 1) {
      const entry = entries[0]!
      if (entry.session.handleDatagram(msg, receivedMs)) this.takeSource(entry, source)
    } else {
      // Live sessions share these 32 bits (1 pair in ~4 billion): the AEAD tells whose it is (SPEC.md §10).
      const entry = entries.find(e => e.session.handleDatagram(msg, receivedMs, true))
      if (entry === undefined) this.unauthenticatedDatagrams++
      else this.takeSource(entry, source)
    }
    this.wake()
  }

  /** An authentic datagram's source address is the peer's (it follows a NAT rebinding, SPEC.md §2). */
  private takeSource (entry: Entry, source: DatagramSource): void {
    if (entry.remote === undefined || entry.remote.port !== source.port || entry.remote.host !== source.address) entry.remote = { host: source.address, port: source.port }
  }

  /** Runs the loop on the next turn (coalesced). */
  private wake (): void {
    if (this.immediate !== undefined || this.closed) return
    this.immediate = setImmediate(this.onImmediate)
  }

  private readonly onImmediate = (): void => { this.immediate = undefined; this.turn() }
  private readonly onTimer = (): void => { this.timer = undefined; this.turn() }

  private readonly turn = (): void => {
    if (this.closed) return
    const now = nowMs()
    let deadline = Infinity
    for (const [id, entry] of this.sessions) {
      const s = entry.session
      if (s.nextDeadlineMs() <= now) s.handleTimeout(now)
      for (let n = 0; n < MAX_BURST_PER_TURN && !this.socket.blocked && entry.remote !== undefined; n++) {
        // A fresh clock per datagram: sockets send at once or within a small batch, so its timestamp is about when it leaves.
        const datagram = s.pollTransmit(n === 0 ? now : nowMs())
        if (datagram === undefined) break
        this.socket.send(datagram, entry.remote.port, entry.remote.host)
      }
      this.socket.flush()
      entry.afterTurn(now)
      if (s.state === 'closed') { this.unregister(id, entry); entry.onClosed(); continue }
      deadline = Math.min(deadline, s.nextDeadlineMs())
    }
    if (this.socket.blocked) return // onWritable wakes us
    if (deadline === Infinity) return
    const clockMs = nowMs()
    const delay = deadline - clockMs
    if (delay <= 0) { this.immediate ??= setImmediate(this.onImmediate); return }
    // A pending timer that fires no later than needed is kept: re-arming one per datagram costs more than a spare turn.
    if (this.timer !== undefined && this.timerDueMs <= deadline) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    // Timers have 1 ms granularity: the pacer's burst allowance covers what accrues meanwhile (SPEC.md §7.2).
    const waitMs = Math.max(1, Math.floor(delay))
    this.timerDueMs = clockMs + waitMs
    this.timer = setTimeout(this.onTimer, waitMs)
  }

  /** Sends files (or in-memory bytes) to the peer. Await the result, or keep the handle to change the rate. */
  send (options: SendOptions): RunningTransfer {
    const startMs = nowMs()
    const entries: ManifestEntry[] = options.files.map(f => ({ relativePath: f.relativePath, kind: f.kind ?? 'file', sizeBytes: f.kind === 'directory' ? 0 : f.sizeBytes }))
    let failSource: (err: Error) => void = () => {}
    let ready: () => void = () => {}
    let fileSource: FileBlockSource | undefined
    const source = options.source ?? (options.files.every(f => f.absolutePath === undefined)
      ? new MemoryBlockSource(options.files.map(f => f.bytes ?? new Uint8Array(0)))
      : (fileSource = new FileBlockSource(options.files.map(f => ({ absolutePath: f.kind === 'directory' ? null : (f.absolutePath ?? null), sizeBytes: f.sizeBytes })), () => ready(), err => failSource(err))))
    const controller = options.rateController ?? new DelayBasedRateController({ settings: options.rate, nowMs: startMs })
    const session = new SenderSession({
      connectionId: options.connectionId, secret: options.secret, endpointRole: options.role, cipherSuites: options.cipherSuites,
      idleTimeoutMs: options.idleTimeoutMs, nowMs: startMs, entries, source, rateController: controller, reusableDatagrams: this.socket.copiesOnSend,
      receiverResuming: options.receiverResuming
    })
    ready = () => { session.sourceReady(); this.wake() }
    options.source?.subscribe?.(() => ready())
    failSource = err => { session.closeLocally('FERRY_PROTOCOL_SOURCE_READ', `reading a file to send failed: ${err.message}`, nowMs()); this.wake() }
    const fileName = (i: number): string => entries[i]!.relativePath
    return this.run(options, session, startMs, {
      progress: () => {
        const done = session.bytesAcked
        return {
          bytesDone: done, bytesTotal: session.bytesTotal, filesDone: 0, filesTotal: entries.length, currentFile: fileName(Math.max(0, session.layout.chunkAt(Math.min(done, session.bytesTotal - 1))?.fileIndex ?? 0) % entries.length),
          // What the adaptive controller believes (phase, queueing delay, loss floor): how ops and benches see why a rate is what it is.
          ...(controller instanceof DelayBasedRateController ? { rateControl: controller.snapshot() } : {})
        }
      },
      result: () => ({
        files: entries.map((e, i) => ({ relativePath: e.relativePath, sizeBytes: e.sizeBytes, sha256: e.kind === 'directory' ? '' : Buffer.from(source.digest(i) ?? new Uint8Array(0)).toString('hex') })),
        bytes: entries.reduce((n, e) => n + e.sizeBytes, 0), retransmittedBytes: session.stats.retransmittedBytes, payloadBytesSent: session.stats.payloadBytesSent
      }),
      setRate: settings => session.setRate(settings, nowMs()),
      cleanup: async () => { await fileSource?.close(); await (options.source as { close?: () => Promise<void> } | undefined)?.close?.() }
    })
  }

  /** Receives a transfer into `destinationDir` (or memory), resuming from `journalPath` when a journal is there. */
  receive (options: ReceiveOptions): RunningTransfer {
    const startMs = nowMs()
    const inboundRef: { current?: { session: ReceiverSession, sink: FileBlockSink } } = {}
    const relays: RelayBlockSource[] = []
    // The session exists only once its journal is read; datagrams arriving meanwhile (a first flight) are held for it.
    const { connectionId } = options
    // (Held by short id: should a live session share it, that session gets them, and this one's sender repairs them.)
    const held = shortConnectionId(connectionId)
    const holding = !this.closed && !this.sessions.has(connectionId) && !this.held.has(held)
    if (holding) this.held.reserve(held)
    const prepared = (async () => {
      if (options.memory === undefined && options.destinationDir === undefined) throw new FerryError('FERRY_PROTOCOL_DESTINATION', 'receive needs destinationDir (or memory)', { statusCode: 400 })
      const journal = options.journalPath === undefined || options.memory !== undefined ? undefined : await readJournalFile(options.journalPath)
      return journal
    })()
    const ref: { session?: ReceiverSession } = {}
    const start = (journal: Awaited<typeof prepared>): Promise<TransferResult> => {
      const verifiedHex = new Map<number, string>()
      let fileSink: FileBlockSink | undefined
      const sink = options.memory !== undefined
        ? new MemoryBlockSink(options.memory === 'discard')
        : (fileSink = new FileBlockSink({
            destinationDir: options.destinationDir!, resuming: journal !== undefined,
            onVerified: (index, ok, hex) => { if (ok) verifiedHex.set(index, hex); ref.session?.fileVerified(index, ok, nowMs()); for (const r of relays) r.notify(); this.wake() },
            onFatal: (code, message) => { ref.session?.closeLocally(code, message, nowMs()); this.wake() },
            onBlockChecked: () => this.wake()
          }))
      const s = new ReceiverSession({
        connectionId: options.connectionId, secret: options.secret, endpointRole: options.role, cipherSuites: options.cipherSuites,
        idleTimeoutMs: options.idleTimeoutMs, nowMs: startMs, sink, maxBytes: options.maxBytes, resumeFrom: journal, reusableDatagrams: this.socket.copiesOnSend
      })
      ref.session = s
      if (fileSink !== undefined) {
        // (Bytes the journal names are on disk: the sink marked them when the session opened it, a relay may send them at once.)
        inboundRef.current = { session: s, sink: fileSink }
        fileSink.onWritten(() => { for (const r of relays) r.notify() })
      }
      let checkpointing: Promise<void> | undefined
      let lastCheckpointMs = startMs
      let lastFlushMs = startMs
      const checkpoint = async (): Promise<void> => {
        if (fileSink === undefined || options.journalPath === undefined || !s.hasManifest) return
        const snapshot = s.journal()
        await fileSink.flush()
        await writeJournalFile(options.journalPath, snapshot)
      }
      const inner = this.run(options, s, startMs, {
        progress: () => ({ bytesDone: s.bytesReceived, bytesTotal: s.bytesTotal, filesDone: s.filesVerified, filesTotal: s.entries.filter(e => e.kind === 'file').length }),
        result: () => ({
          files: s.entries.map((e, i) => ({ relativePath: e.relativePath, sizeBytes: e.sizeBytes, sha256: e.kind === 'directory' ? '' : (s.verifiedSha256Hex(i) ?? verifiedHex.get(i) ?? '') })),
          bytes: s.entries.reduce((n, e) => n + e.sizeBytes, 0)
        }),
        afterTurn: now => {
          if (fileSink === undefined) return
          if (now - lastFlushMs >= SINK_FLUSH_INTERVAL_MS) { lastFlushMs = now; fileSink.flushBuffers() }
          if (checkpointing === undefined && now - lastCheckpointMs >= JOURNAL_INTERVAL_MS && s.state === 'established' && !s.checkingResume) {
            lastCheckpointMs = now
            checkpointing = checkpoint()
              .catch(err => s.closeLocally(isDiskFull(err) ? 'FERRY_PROTOCOL_DISK_FULL' : 'FERRY_PROTOCOL_JOURNAL', `writing the resume journal failed: ${(err as Error).message}`, nowMs()))
              .finally(() => { checkpointing = undefined; this.wake() })
          }
        },
        finalize: async ok => {
          if (fileSink === undefined) return
          await checkpointing
          if (options.journalPath !== undefined) {
            if (ok) await removeJournalFile(options.journalPath)
            else if (s.hasManifest && !s.checkingResume) {
              // Every accepted byte written or reported failed first: the snapshot then names only what is on disk.
              await fileSink.settle()
              await checkpoint().catch(() => {})
            }
          }
          // No descriptor of a partial file outlives the transfer's result (a failed receive used to keep them until drained).
          await fileSink.close()
        },
        cleanup: async () => { await fileSink?.close() }
      })
      handle.progressNow = inner.progressNow
      handle.rateSetter = inner.rateSetter
      return inner.done
    }
    const done = prepared.then(journal => {
      try {
        return start(journal)
      } finally {
        // Before the session's first turn, so its reply answers the held hello at once.
        if (holding) this.deliverHeld(held, connectionId, ref.session)
      }
    }, err => {
      if (holding) this.held.discard(held)
      throw err
    })
    const handle = new RunningTransfer(done)
    if (options.memory === undefined) {
      handle.relayFactory = paths => {
        const relay = new RelayBlockSource(paths, () => inboundRef.current)
        relays.push(relay)
        return relay
      }
    }
    return handle
  }

  /** Hands `session` the datagrams held under `held` (its short id) while it was prepared; drops them if it was not registered. */
  private deliverHeld (held: number, connectionId: string, session: ReceiverSession | undefined): void {
    if (session === undefined || this.sessions.get(connectionId)?.session !== session) { this.held.discard(held); return }
    for (const d of this.held.release(held, nowMs())) this.onDatagram(d.bytes, d.source, d.receivedMs)
  }

  private run (options: SendOptions | ReceiveOptions, session: SenderSession | ReceiverSession, startMs: number, hooks: {
    progress: () => Omit<TransferProgress, 'rateBitsPerSec' | 'etaSeconds'>
    result: () => Omit<TransferResult, 'seconds' | 'dropped'>
    setRate?: (settings: RateSettings) => void
    afterTurn?: (nowMs: number) => void
    finalize?: (ok: boolean) => Promise<void>
    cleanup?: () => Promise<void>
  }): RunningTransfer {
    let resolve: (r: TransferResult) => void = () => {}
    let reject: (err: unknown) => void = () => {}
    const promise = new Promise<TransferResult>((res, rej) => { resolve = res; reject = rej })
    let settled = false
    let lastProgressMs = startMs
    let lastBytes = 0
    let rate = 0
    const progressNow = (): TransferProgress => {
      const p = hooks.progress()
      const left = Math.max(0, p.bytesTotal - p.bytesDone)
      return { ...p, rateBitsPerSec: rate, etaSeconds: rate > 0 ? (left * 8) / rate : Infinity }
    }
    const settle = (): void => {
      if (settled || session.outcome === undefined) return
      settled = true
      const outcome = session.outcome
      const finish = async (): Promise<void> => {
        await hooks.finalize?.(outcome.ok).catch(() => {})
        if (outcome.ok) {
          const r = hooks.result()
          resolve({ ...r, seconds: (nowMs() - startMs) / 1000, dropped: { ...session.dropped } })
        } else {
          reject(new FerryError(outcome.code as `FERRY_${string}`, outcome.message ?? 'transfer failed', { details: { by: outcome.by, connectionId: session.connectionId } }))
        }
      }
      void finish()
    }
    // An IPv6 socket reaches IPv4 peers through IPv4-mapped addresses.
    const remote = options.remote !== undefined && this.ipv6 && isIPv4(options.remote.host) ? { host: `::ffff:${options.remote.host}`, port: options.remote.port } : options.remote
    const entry: Entry = {
      session,
      remote,
      afterTurn: now => {
        hooks.afterTurn?.(now)
        const interval = options.progressIntervalMs ?? 250
        if (now - lastProgressMs >= interval) {
          const p = hooks.progress()
          rate = ((p.bytesDone - lastBytes) * 8000) / (now - lastProgressMs)
          lastBytes = p.bytesDone
          lastProgressMs = now
          options.onProgress?.(progressNow())
        }
        settle()
      },
      onClosed: () => { settle(); void hooks.cleanup?.() }
    }
    if (options.role === 'initiator' && options.remote === undefined) {
      return new RunningTransfer(Promise.reject(new FerryError('FERRY_PROTOCOL_REMOTE', 'the initiator needs the remote address', { statusCode: 400 })))
    }
    if (options.signal?.aborted === true) return new RunningTransfer(Promise.reject(new FerryError('FERRY_PROTOCOL_ABORTED', 'the transfer was aborted', { cause: options.signal.reason })))
    options.signal?.addEventListener('abort', () => { session.closeLocally('FERRY_PROTOCOL_ABORTED', 'the transfer was aborted', nowMs()); this.wake() }, { once: true })
    try {
      this.register(session.connectionId, entry)
    } catch (err) {
      return new RunningTransfer(Promise.reject(err))
    }
    const handle = new RunningTransfer(promise)
    handle.progressNow = progressNow
    if (hooks.setRate !== undefined) handle.rateSetter = settings => { hooks.setRate!(settings); this.wake() }
    return handle
  }

  /** Closes every session (they end with FERRY_PROTOCOL_ABORTED) and the socket. */
  async close (): Promise<void> {
    if (this.closed) return
    const now = nowMs()
    for (const entry of this.sessions.values()) {
      entry.session.closeLocally('FERRY_PROTOCOL_ABORTED', 'the endpoint closed', now)
      const d = entry.session.pollTransmit(now)
      if (d !== undefined && entry.remote !== undefined) this.socket.send(d, entry.remote.port, entry.remote.host)
      this.socket.flush()
      entry.afterTurn(now)
      entry.onClosed()
    }
    this.sessions.clear()
    this.sessionsByShortId.clear()
    this.held.clear()
    this.lastShortId = -1
    this.lastEntries = undefined
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    if (this.immediate !== undefined) clearImmediate(this.immediate)
    await this.socket.close()
  }
}
