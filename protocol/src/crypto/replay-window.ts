// Sliding-window replay protection over packet numbers (SPEC.md §3.5): each number is accepted at most once.

/** How far behind the highest packet number a late datagram is still accepted (packets). Covers reordering of ~90 ms at 1 Gbit/s. */
export const REPLAY_WINDOW_PACKETS = 8192

export class ReplayWindow {
  private highest = -1
  private readonly bits = new Uint32Array(REPLAY_WINDOW_PACKETS / 32)

  /** True when `pn` is new and inside the window (check before decrypting, commit after). */
  check (pn: number): boolean {
    if (pn > this.highest) return true
    if (this.highest - pn >= REPLAY_WINDOW_PACKETS) return false
    const slot = pn % REPLAY_WINDOW_PACKETS
    return (this.bits[slot >>> 5]! & (1 << (slot & 31))) === 0
  }

  /** Records `pn` as seen; call only after the datagram authenticated. */
  commit (pn: number): void {
    if (pn > this.highest) {
      const advance = this.highest < 0 ? REPLAY_WINDOW_PACKETS : pn - this.highest
      if (advance >= REPLAY_WINDOW_PACKETS) this.bits.fill(0)
      else for (let p = this.highest + 1; p <= pn; p++) { const s = p % REPLAY_WINDOW_PACKETS; this.bits[s >>> 5]! &= ~(1 << (s & 31)) }
      this.highest = pn
    }
    const slot = pn % REPLAY_WINDOW_PACKETS
    this.bits[slot >>> 5]! |= 1 << (slot & 31)
  }

  get highestPacketNumber (): number { return this.highest }
}
