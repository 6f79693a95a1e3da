// /ferry/peers/2: one node pushes peer announcements to a connected neighbour (its full list on connect, then only news), so one bootstrap address is enough to find everyone.
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import type { PeerAnnouncement } from './peer-table.js'

/** Version 2 is one-way (a push, no reply); version 1 was a symmetric swap polled every second. */
export const PEER_EXCHANGE_PROTOCOL = '/ferry/peers/2'

/** Most announcements accepted from one peer in one exchange: bounds memory against a lying peer. */
export const MAX_ANNOUNCEMENTS = 1024

/** Largest announcement list on the wire (bytes). */
const MAX_LIST_BYTES = 1024 * 1024

/** The dialler's side: writes one list and closes. */
export async function pushPeers (stream: Stream, announcements: PeerAnnouncement[], signal?: AbortSignal): Promise<void> {
  const lp = lpStream(stream, { maxDataLength: MAX_LIST_BYTES })
  await lp.write(new TextEncoder().encode(JSON.stringify(announcements)), { signal })
  await stream.close({ signal }).catch(() => {})
}

/** The listener's side: reads the one list the dialler pushed. */
export async function receivePeers (stream: Stream, signal?: AbortSignal): Promise<PeerAnnouncement[]> {
  const lp = lpStream(stream, { maxDataLength: MAX_LIST_BYTES })
  const bytes = await lp.read({ signal })
  await stream.close({ signal }).catch(() => {})
  return parseAnnouncements(bytes.subarray())
}

/** Keeps only well-formed announcements; a malformed list from a peer is ignored, not fatal. */
export function parseAnnouncements (bytes: Uint8Array): PeerAnnouncement[] {
  let value: unknown
  try { value = JSON.parse(new TextDecoder().decode(bytes)) } catch { return [] }
  if (!Array.isArray(value)) return []
  const out: PeerAnnouncement[] = []
  for (const v of value.slice(0, MAX_ANNOUNCEMENTS)) {
    if (typeof v !== 'object' || v === null) continue
    const a = v as Record<string, unknown>
    if (typeof a.peerId !== 'string' || !Array.isArray(a.multiaddrs) || !a.multiaddrs.every(m => typeof m === 'string')) continue
    out.push({
      peerId: a.peerId,
      multiaddrs: (a.multiaddrs as string[]).slice(0, 16),
      name: typeof a.name === 'string' ? a.name.slice(0, 200) : undefined,
      udpHost: typeof a.udpHost === 'string' ? a.udpHost : undefined,
      udpPort: typeof a.udpPort === 'number' ? a.udpPort : undefined,
      httpUrl: typeof a.httpUrl === 'string' ? a.httpUrl : undefined,
      updatedMs: typeof a.updatedMs === 'number' && Number.isFinite(a.updatedMs) ? a.updatedMs : undefined
    })
  }
  return out
}
