// /ferry/peers/1: two connected nodes swap what they know of the mesh, so one bootstrap address is enough to find everyone.
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import type { PeerAnnouncement } from './peer-table.js'

export const PEER_EXCHANGE_PROTOCOL = '/ferry/peers/1'

/** Most announcements accepted from one peer in one exchange: bounds memory against a lying peer. */
export const MAX_ANNOUNCEMENTS = 1024

/** Writes our list, reads theirs (both sides do the same, so the dialler and listener are symmetric). */
export async function exchangePeers (stream: Stream, ours: PeerAnnouncement[], signal?: AbortSignal): Promise<PeerAnnouncement[]> {
  const lp = lpStream(stream, { maxDataLength: 1024 * 1024 })
  await lp.write(new TextEncoder().encode(JSON.stringify(ours)), { signal })
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
      httpUrl: typeof a.httpUrl === 'string' ? a.httpUrl : undefined
    })
  }
  return out
}
