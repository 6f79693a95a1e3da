// Finds the client's nearest node: times a small HTTP request to each candidate the portal lists and reports the RTTs back.
import type { PortalClient } from '../portal/portal-client.js'

/** Probes per node; the minimum is kept, since queueing only ever adds delay. */
const PROBES_PER_NODE = 3
/** A node that does not answer within this (ms) is left out of the report. */
const PROBE_TIMEOUT_MS = 2_000

export interface RttSample { nodeId: string, name: string, rttMs: number }

/** Measures every node's RTT (in parallel) and reports them to the portal, which then picks the nearest for tokens. */
export async function probeAndReportNearest (portal: PortalClient, signal: AbortSignal): Promise<RttSample[]> {
  const nodes = await portal.nodes()
  const samples = (await Promise.all(nodes.map(async node => {
    let best = Infinity
    for (let i = 0; i < PROBES_PER_NODE; i++) {
      const started = performance.now()
      try {
        const response = await fetch(`${node.httpUrl.replace(/\/+$/, '')}/api/v1/info`, { signal: AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]) })
        await response.arrayBuffer()
        if (response.ok) best = Math.min(best, performance.now() - started)
      } catch {
        if (signal.aborted) throw signal.reason
      }
    }
    return Number.isFinite(best) ? { nodeId: node.id, name: node.name, rttMs: Math.round(best * 1000) / 1000 } : undefined
  }))).filter((s): s is RttSample => s !== undefined)
  if (samples.length > 0) await portal.reportRtt(samples.map(({ nodeId, rttMs }) => ({ nodeId, rttMs })))
  return samples
}
