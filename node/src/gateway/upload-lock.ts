// One writer per upload: a newer request for an upload waits for the older PATCH to drain, then supersedes it if it stalls.
import { setTimeout as delay } from 'node:timers/promises'
import type { Readable } from 'node:stream'

/** The lock on one upload while a request holds it. */
export interface UploadLease {
  /** The body being written, so a newer request can cut it off. */
  body: Readable | undefined
  release: () => void
}

interface Holder {
  lease: UploadLease
  settled: Promise<void>
}

/**
 * A tus client sends one request at a time per upload, so a HEAD or PATCH arriving while an older PATCH still writes
 * means the client gave up on that one (a broken link it noticed before the node did). Bytes the older PATCH still has in
 * flight are worth keeping, so the newer request waits up to `supersedeAfterMs`; then it cuts the old body off.
 */
export class UploadLock {
  private readonly holders = new Map<string, Holder>()

  constructor (private readonly supersedeAfterMs: number) {}

  /** Waits until no request holds the upload (superseding a stalled one), then holds it. */
  async acquire (id: string): Promise<UploadLease> {
    await this.idle(id)
    let release!: () => void
    const settled = new Promise<void>(resolve => { release = resolve })
    const lease: UploadLease = {
      body: undefined,
      release: () => {
        if (this.holders.get(id)?.lease === lease) this.holders.delete(id)
        release()
      }
    }
    this.holders.set(id, { lease, settled })
    return lease
  }

  /** Waits until no request holds the upload, superseding one that is still busy after supersedeAfterMs. */
  async idle (id: string): Promise<void> {
    for (let holder = this.holders.get(id); holder !== undefined; holder = this.holders.get(id)) {
      const timeout = new AbortController()
      const timedOut = await Promise.race([
        holder.settled.then(() => false),
        delay(this.supersedeAfterMs, true, { signal: timeout.signal, ref: false }).catch(() => false)
      ])
      timeout.abort()
      if (timedOut && this.holders.get(id) === holder) {
        holder.lease.body?.destroy() // no error event: the reader sees a premature close
        await holder.settled
      }
    }
  }

  isHeld (id: string): boolean {
    return this.holders.has(id)
  }
}
