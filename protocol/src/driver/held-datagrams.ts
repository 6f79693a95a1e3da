// Holds the datagrams that reach a receiving session's connection id while the session is still being prepared (its resume journal read), so a first flight that arrives early is kept, not dropped and repaired a round trip later (SPEC.md §10).
import type { DatagramSource } from './datagram-socket.js'

/**
 * Most datagrams held for one session being prepared: ~6 MB of full datagrams, 50 ms of a first flight at 1 Gbit/s,
 * several times what a journal read takes. Beyond it they are dropped (counted) and the sender repairs them as lost.
 */
export const MAX_HELD_DATAGRAMS = 4096
/**
 * Held datagrams older than this (ms) when their session is ready are dropped (counted): by then the sender has retried
 * its hello and repaired that data, so they would only be duplicates.
 */
export const MAX_HOLD_MS = 1000

export interface HeldDatagram {
  /** A copy: the socket's datagram is valid only during its callback. */
  bytes: Buffer
  source: DatagramSource
  /** When the socket received it (driver clock, ms): the session's delay samples use this, not the time of delivery. */
  receivedMs: number
}

export class HeldDatagrams {
  /** By the short connection id (SPEC.md §3.1): all a datagram names. */
  private readonly byConnection = new Map<number, HeldDatagram[]>()
  /** Datagrams handed to their session once it was ready. */
  delivered = 0
  /** Datagrams dropped: beyond MAX_HELD_DATAGRAMS, older than MAX_HOLD_MS, or their session was never created. */
  dropped = 0

  /** Whether datagrams for `shortId` are being held. */
  has (shortId: number): boolean { return this.byConnection.has(shortId) }

  /** Starts holding datagrams for `shortId` (a session for it is being prepared). */
  reserve (shortId: number): void { this.byConnection.set(shortId, []) }

  /** Keeps a copy of `datagram` when `shortId` is reserved and has room; returns false when it is not reserved. */
  hold (shortId: number, datagram: Buffer, source: DatagramSource, receivedMs: number): boolean {
    const held = this.byConnection.get(shortId)
    if (held === undefined) return false
    // Oldest kept, newest dropped: the initiator's hello comes first.
    if (held.length >= MAX_HELD_DATAGRAMS) { this.dropped++; return true }
    held.push({ bytes: Buffer.from(datagram), source: { address: source.address, port: source.port }, receivedMs })
    return true
  }

  /** Ends the reservation and returns, in arrival order, the datagrams young enough to deliver at `nowMs`. */
  release (shortId: number, nowMs: number): HeldDatagram[] {
    const held = this.byConnection.get(shortId) ?? []
    this.byConnection.delete(shortId)
    const fresh = held.filter(d => nowMs - d.receivedMs <= MAX_HOLD_MS)
    this.delivered += fresh.length
    this.dropped += held.length - fresh.length
    return fresh
  }

  /** Ends the reservation and drops what it held: the session was not created. */
  discard (shortId: number): void {
    this.dropped += this.byConnection.get(shortId)?.length ?? 0
    this.byConnection.delete(shortId)
  }

  /** Drops everything held (the endpoint closes). */
  clear (): void {
    for (const id of [...this.byConnection.keys()]) this.discard(id)
  }
}
