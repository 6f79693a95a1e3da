// Opens /ferry/transfer/1 on another node: directly when it answers, else through a mesh peer's /ferry/relay/1, nearest relay first.
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { FerryError } from '@ferry/protocol'
import { TRANSFER_PROTOCOL } from '@ferry/protocol/control/control-message'
import { TransferControlClient, type OpenRequest } from '@ferry/protocol/control/transfer-control-client'
import type { AcceptMessage } from '@ferry/protocol/control/control-message'
import type { MeshHost } from '../mesh/mesh-host.js'
import type { PeerTable } from '../mesh/peer-table.js'
import { StreamChannel } from '../control/stream-channel.js'
import { RELAY_PROTOCOL } from './relay-service.js'

/** How long a direct attempt may take before relays are tried (ms). */
const DIRECT_TIMEOUT_MS = 5_000
/** How long one relay attempt may take to reach `accept` (ms). */
const RELAYED_TIMEOUT_MS = 15_000

export interface OpenedTransfer {
  control: TransferControlClient
  /** The accept to act on: when relayed, its UDP address is the relay's forwarder. */
  accept: AcceptMessage
  /** Peer id of the relay, when one was used. */
  via: string | undefined
}

function hostOf (addr: string): string | undefined {
  return multiaddr(addr).getComponents().find(c => c.name === 'ip4' || c.name === 'ip6' || c.name === 'dns4' || c.name === 'dns')?.value
}

export async function openTransferTo (mesh: MeshHost, peerTable: PeerTable, target: { peerId: string, multiaddr?: string }, request: OpenRequest, options: { allowDirect?: boolean, allowRelay?: boolean } = {}): Promise<OpenedTransfer> {
  let lastError: unknown
  if (options.allowDirect !== false) {
    try {
      const stream = await mesh.dialProtocol(target.multiaddr ?? target.peerId, TRANSFER_PROTOCOL, AbortSignal.timeout(DIRECT_TIMEOUT_MS))
      const control = await TransferControlClient.open(new StreamChannel(stream), request, { signal: AbortSignal.timeout(RELAYED_TIMEOUT_MS) })
      return { control, accept: control.accept, via: undefined }
    } catch (err) {
      // A refusal by the node itself (token, path, disk) is final; only unreachability sends us to a relay.
      if (err instanceof FerryError && (err.details as { remote?: boolean } | undefined)?.remote === true) throw err
      lastError = err
    }
  }
  if (options.allowRelay !== false) {
    const relays = peerTable.list().filter(p => p.connected && p.peerId !== target.peerId).sort((a, b) => (a.rttMs ?? Infinity) - (b.rttMs ?? Infinity))
    for (const relay of relays) {
      try {
        const stream = await mesh.dialProtocol(relay.peerId, RELAY_PROTOCOL, AbortSignal.timeout(DIRECT_TIMEOUT_MS))
        const channel = new StreamChannel(stream)
        await channel.write(new TextEncoder().encode(JSON.stringify({ target: target.peerId })))
        const control = await TransferControlClient.open(channel, request, { signal: AbortSignal.timeout(RELAYED_TIMEOUT_MS) })
        // The relay's forwarder listens on every address of the relay; use the one we reached it at.
        const conn = mesh.node.getConnections(peerIdFromString(relay.peerId))[0]
        const host = conn === undefined ? undefined : hostOf(conn.remoteAddr.toString())
        return { control, accept: { ...control.accept, udpHost: host ?? control.accept.udpHost }, via: relay.peerId }
      } catch (err) {
        if (err instanceof FerryError && err.code !== 'FERRY_NODE_RELAY_UNREACHABLE' && (err.details as { remote?: boolean } | undefined)?.remote === true) throw err
        lastError = err
      }
    }
  }
  throw new FerryError('FERRY_NODE_PEER_UNREACHABLE', `cannot reach node ${target.peerId}, directly or through a relay (last error: ${(lastError as Error | undefined)?.message ?? "none"})`, { statusCode: 502, cause: lastError })
}
