// Places mesh nodes on a circle and turns peer links into undirected edges with their summed rates; pure, for the SVG map.
import type { NodeStatus } from '../api/api-types.js'

export interface PlacedNode {
  id: string
  name: string
  online: boolean
  x: number
  y: number
  /** Sum of this node's live transfer rates. */
  rateBytesPerSec: number
}

export interface MeshEdge {
  a: string
  b: string
  rttMs?: number
  /** Sum of live transfer rates between the two nodes, both directions. */
  rateBytesPerSec: number
}

export function layoutMesh (nodes: NodeStatus[], widthPx: number, heightPx: number): { placed: PlacedNode[], edges: MeshEdge[] } {
  const cx = widthPx / 2
  const cy = heightPx / 2
  const radius = nodes.length <= 1 ? 0 : Math.min(widthPx, heightPx) / 2 - 60
  const sorted = [...nodes].sort((a, b) => a.name.localeCompare(b.name))
  const placed = sorted.map((n, i) => {
    const angle = -Math.PI / 2 + 2 * Math.PI * i / Math.max(1, sorted.length)
    return {
      id: n.id, name: n.name, online: n.online,
      x: Math.round(cx + radius * Math.cos(angle)), y: Math.round(cy + radius * Math.sin(angle)),
      rateBytesPerSec: n.transfers.reduce((s, t) => s + t.rateBitsPerSec / 8, 0)
    }
  })
  // Node ids are libp2p peer ids, so a peer entry names the other node directly; peers the portal never enrolled are not drawn.
  const known = new Set(nodes.map(n => n.id))
  const edges = new Map<string, MeshEdge>()
  const key = (a: string, b: string): string => a < b ? `${a}|${b}` : `${b}|${a}`
  for (const n of nodes) {
    for (const peer of n.peers) {
      const other = peer.peerId
      if (!known.has(other) || other === n.id || peer.connected === false) continue
      const k = key(n.id, other)
      const edge = edges.get(k) ?? { a: n.id < other ? n.id : other, b: n.id < other ? other : n.id, rateBytesPerSec: 0 }
      if (peer.rttMs !== undefined) edge.rttMs = edge.rttMs === undefined ? peer.rttMs : Math.min(edge.rttMs, peer.rttMs)
      edges.set(k, edge)
    }
  }
  // Both ends of a node-to-node transfer may report it: take the larger report per link, never the sum.
  for (const n of nodes) {
    const perPeer = new Map<string, number>()
    for (const t of n.transfers) if (t.peerId !== undefined && known.has(t.peerId)) perPeer.set(t.peerId, (perPeer.get(t.peerId) ?? 0) + t.rateBitsPerSec / 8)
    for (const [other, rate] of perPeer) {
      const edge = edges.get(key(n.id, other))
      if (edge !== undefined) edge.rateBytesPerSec = Math.max(edge.rateBytesPerSec, rate)
    }
  }
  return { placed, edges: [...edges.values()] }
}
