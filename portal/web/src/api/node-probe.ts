// Measures this browser's round trip to every enrolled node and reports it, so the portal picks the nearest node for
// uploads and downloads (contract E). Opaque no-cors requests: timing needs no CORS headers from the ops API.
import type { PortalApi } from './portal-api.js'

/** Probes per node; the minimum is kept (the first may include a TCP handshake, later ones reuse the connection). */
const probesPerNode = 3
/** A node slower than this (ms) is reported as unreachable rather than waited for. */
const probeTimeoutMs = 3000

export async function reportNodeRtts (api: PortalApi, now: () => number = () => performance.now()): Promise<Array<{ nodeId: string, rttMs: number }>> {
  const nodes = await api.listNodes()
  const samples = await Promise.all(nodes.map(async node => {
    let best = Number.POSITIVE_INFINITY
    for (let i = 0; i < probesPerNode; i++) {
      const started = now()
      try {
        await fetch(`${node.httpUrl.replace(/\/+$/, '')}/api/v1/info`, { mode: 'no-cors', cache: 'no-store', signal: AbortSignal.timeout(probeTimeoutMs) })
        best = Math.min(best, now() - started)
      } catch {
        break
      }
    }
    return Number.isFinite(best) ? { nodeId: node.id, rttMs: Math.round(best * 10) / 10 } : undefined
  }))
  const measured = samples.filter((s): s is { nodeId: string, rttMs: number } => s !== undefined)
  if (measured.length > 0) await api.reportRtt(measured)
  return measured
}
