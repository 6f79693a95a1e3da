// A WAN link profile (capacity, round-trip time, random loss) and how it maps to the emulator's per-direction settings.

export interface LinkProfile {
  capacityMbps: number
  rttMs: number
  /** Random loss in percent, applied independently in each direction after serialisation (it costs capacity). */
  lossPct: number
  /** Drop-tail queue at the bottleneck, in milliseconds of link time; default one RTT, at least 20 ms. */
  queueMs?: number
}

/** The default matrix of issue 4: 100 Mbit/s × RTT 0, 50, 100, 200, 300 ms × loss 0, 0.5, 1, 2, 5 %. */
export function defaultProfiles (): LinkProfile[] {
  const out: LinkProfile[] = []
  for (const rttMs of [0, 50, 100, 200, 300]) {
    for (const lossPct of [0, 0.5, 1, 2, 5]) out.push({ capacityMbps: 100, rttMs, lossPct })
  }
  return out
}

/** Parses `CAPACITY_MBPS:RTT_MS:LOSS_PCT[:QUEUE_MS]`, e.g. `100:200:2`. */
export function parseProfile (text: string): LinkProfile {
  const parts = text.split(':').map(Number)
  if (parts.length < 3 || parts.length > 4 || parts.some(n => !Number.isFinite(n) || n < 0)) {
    throw new Error(`bad profile "${text}": expected CAPACITY_MBPS:RTT_MS:LOSS_PCT[:QUEUE_MS], non-negative numbers`)
  }
  const [capacityMbps, rttMs, lossPct, queueMs] = parts as [number, number, number, number | undefined]
  if (capacityMbps === 0) throw new Error(`bad profile "${text}": capacity must be above 0`)
  if (lossPct >= 100) throw new Error(`bad profile "${text}": loss must be below 100 %`)
  return queueMs === undefined ? { capacityMbps, rttMs, lossPct } : { capacityMbps, rttMs, lossPct, queueMs }
}

export function profileLabel (p: LinkProfile): string {
  return `${p.capacityMbps}Mbit/s ${p.rttMs}ms ${p.lossPct}%`
}

/** One direction of the link as the emulator takes it: `set ab|ba RATE DELAY_US LOSS_PPM QUEUE_BYTES`. */
export interface DirectionSettings {
  rateBitsPerSec: number
  delayUs: number
  lossPpm: number
  queueBytes: number
}

/** Both directions get the same settings: half the RTT each way, the loss in each direction, one queue each. */
export function directionSettings (p: LinkProfile): DirectionSettings {
  const rateBitsPerSec = Math.round(p.capacityMbps * 1e6)
  const queueMs = p.queueMs ?? Math.max(p.rttMs, 20)
  return {
    rateBitsPerSec,
    delayUs: Math.round(p.rttMs * 1000 / 2),
    lossPpm: Math.round(p.lossPct * 10_000),
    // never below 16 full-size packets, so a tiny queue still passes a burst of ACKs
    queueBytes: Math.max(16 * 1500, Math.round(rateBitsPerSec / 8 * queueMs / 1000))
  }
}
