// Live transfers on this node, for the ops API: rate, bytes, ETA, policy; and the knobs to change rate or cancel one.
import type { RateSettings } from '@ferry/protocol/congestion/rate-controller'

export interface LiveTransfer {
  id: string
  direction: 'upload' | 'download' | 'replicate' | 'bench'
  pkg: string
  /** Who is on the other end: a peer id, or `client`. */
  peer: string
  rate: RateSettings
  bytesDone: number
  bytesTotal: number
  rateBitsPerSec: number
  etaSeconds: number
  startedAtMs: number
}

export interface TransferControls {
  setRate (settings: RateSettings): void
  cancel (): void
}

/** Tracks running transfers; entries are removed when their transfer settles. */
export class TransferRegistry {
  private readonly live = new Map<string, { info: LiveTransfer, controls: TransferControls }>()

  add (info: LiveTransfer, controls: TransferControls): void {
    this.live.set(info.id, { info, controls })
  }

  has (id: string): boolean {
    return this.live.has(id)
  }

  update (id: string, progress: Partial<Pick<LiveTransfer, 'bytesDone' | 'bytesTotal' | 'rateBitsPerSec' | 'etaSeconds' | 'rate'>>): void {
    const t = this.live.get(id)
    if (t !== undefined) Object.assign(t.info, progress)
  }

  remove (id: string): void {
    this.live.delete(id)
  }

  list (): LiveTransfer[] {
    return [...this.live.values()].map(t => ({ ...t.info, rate: { ...t.info.rate } }))
  }

  /** Returns false when no such transfer is running. */
  setRate (id: string, settings: RateSettings): boolean {
    const t = this.live.get(id)
    if (t === undefined) return false
    t.controls.setRate(settings)
    t.info.rate = { ...settings }
    return true
  }

  cancel (id: string): boolean {
    const t = this.live.get(id)
    if (t === undefined) return false
    t.controls.cancel()
    return true
  }
}
