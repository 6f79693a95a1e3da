// /ferry/relay/1: a node both sides can reach carries a transfer between two that cannot reach each other (control piped, UDP forwarded).
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { FerryError } from '@ferry/protocol'
import { TRANSFER_PROTOCOL, MAX_CONTROL_MESSAGE_BYTES, decodeControlMessage, encodeControlMessage } from '@ferry/protocol/control/control-message'
import type { MeshHost } from '../mesh/mesh-host.js'
import { UdpForwarder } from './udp-forwarder.js'

export const RELAY_PROTOCOL = '/ferry/relay/1'

/** The first message on a relay stream: where to go. */
export interface RelayRequest {
  /** Peer id of the node the transfer is for. */
  target: string
}

/**
 * The relay's side. Control messages are piped frame by frame in both directions; only `accept` is rewritten, to
 * point the initiator's UDP at a forwarder on this node (the initiator substitutes the address it reached us at).
 * Choice: our own forwarding rather than circuit-relay-v2, because the data plane is UDP, which libp2p circuits do not
 * carry. The relay forwards the session's datagrams as they are (UdpForwarder) instead of ending one session and
 * starting another: no decrypt/re-encrypt per datagram, no second rate controller to fight the first, no buffer at R,
 * and integrity stays end to end (AEAD per datagram, SHA-256 per file, checked by the target against the sender's).
 * Security trade-off, chosen knowingly: `accept` (with the session secret) passes through R's Noise hops in the clear
 * to R, so a relay could read or forge the session's data. Only mesh nodes relay (peers authenticated by Noise), the
 * same trust the mesh already places in them to store packages; hiding the secret from R would need an end-to-end key
 * agreement inside the control messages (a protocol change), which re-keying at R would not give either.
 */
export class RelayService {
  private readonly mesh: MeshHost
  private readonly bindHost: string
  private readonly forwarders = new Set<UdpForwarder>()

  constructor (components: { mesh: MeshHost }, init: { bindHost: string }) {
    this.mesh = components.mesh
    this.bindHost = init.bindHost
  }

  get activeSessions (): number { return this.forwarders.size }

  /** `initiatorHost`: the IP the initiator's libp2p connection comes from, which its UDP must come from too. */
  async handle (inbound: Stream, initiatorHost?: string): Promise<void> {
    const a = lpStream(inbound, { maxDataLength: MAX_CONTROL_MESSAGE_BYTES })
    let forwarder: UdpForwarder | undefined
    try {
      const request = JSON.parse(new TextDecoder().decode((await a.read({ signal: AbortSignal.timeout(10_000) })).subarray())) as RelayRequest
      if (typeof request.target !== 'string') throw new FerryError('FERRY_NODE_RELAY_REQUEST', 'relay request needs a target peer id', { statusCode: 400 })
      const outbound = await this.mesh.dialProtocol(request.target, TRANSFER_PROTOCOL, AbortSignal.timeout(10_000)).catch((err: unknown) => {
        throw new FerryError('FERRY_NODE_RELAY_UNREACHABLE', 'the relay cannot reach the target node either', { statusCode: 502, cause: err })
      })
      const c = lpStream(outbound, { maxDataLength: MAX_CONTROL_MESSAGE_BYTES })
      const toTarget = (async () => {
        for (;;) {
          const m = await a.read()
          await c.write(m)
        }
      })()
      const toInitiator = (async () => {
        for (;;) {
          let bytes = (await c.read()).subarray()
          const message = decodeControlMessage(bytes)
          if (message.type === 'accept') {
            forwarder = await UdpForwarder.open(this.bindHost, { host: message.udpHost, port: message.udpPort }, initiatorHost)
            this.forwarders.add(forwarder)
            bytes = encodeControlMessage({ ...message, udpHost: this.bindHost, udpPort: forwarder.port })
          }
          await a.write(bytes)
        }
      })()
      // Either side ending (EOF, error) ends the relayed conversation.
      await Promise.race([toTarget, toInitiator]).catch(() => {})
      await Promise.allSettled([inbound.close({ signal: AbortSignal.timeout(2000) }), outbound.close({ signal: AbortSignal.timeout(2000) })])
    } catch (err) {
      const e = err instanceof FerryError ? err : new FerryError('FERRY_NODE_RELAY_REQUEST', 'malformed relay request', { statusCode: 400, cause: err })
      await a.write(encodeControlMessage({ type: 'error', code: e.code, message: e.message })).catch(() => {})
      await inbound.close().catch(() => {})
    } finally {
      // The UDP session may still be finishing after the control streams closed; the forwarder's idle timer ends it.
      if (forwarder !== undefined) {
        const f = forwarder
        setTimeout(() => { void f.close(); this.forwarders.delete(f) }, 5_000).unref()
      }
    }
  }
}
