// The UDP driver's public API (SPEC.md §10), used by node/ and cli/. The only part of protocol/ that touches sockets, timers and the clock.
//
//   import { UdpEndpoint } from '@ferry/protocol/driver/index'
//   const endpoint = await UdpEndpoint.bind({ host: '127.0.0.1', port: 0, receiveBufferBytes?, sendBufferBytes?, io?: 'batched' | 'dgram' })
//   endpoint.port                                   // the bound UDP port; one socket, many sessions by the connection id's low 32 bits
//   endpoint.unknownDatagrams, .unauthenticatedDatagrams // dropped: for no session; opened by none of the sessions sharing those 32 bits
//   endpoint.io                                     // 'batched' (sendmmsg/recvmmsg addon, protocol/native) or 'dgram' (node:dgram);
//                                                   // default FERRY_UDP_IO, else batched when the addon is built (SPEC.md §10)
//   A port in use rejects with FERRY_PROTOCOL_SOCKET_BIND (details.errno 'EADDRINUSE').
//   endpoint.heldDatagrams, heldDatagramsDropped    // datagrams that came while their receive() still read its journal:
//                                                   // handed to the session once it existed, or dropped (SPEC.md §10)
//
//   endpoint.send(options: SendOptions): RunningTransfer
//     { connectionId: string /* 16 hex */, secret: Uint8Array /* 32 bytes */, role: 'initiator' | 'responder', remote?: { host, port },
//       files: Array<{ relativePath, sizeBytes, absolutePath?, bytes?, kind?: 'file' | 'directory' }>,
//       rate: { policy: 'fixed' | 'high' | 'fair' | 'low', targetBitsPerSec, minBitsPerSec },
//       cipherSuites?: ('chacha20-poly1305' | 'aes-256-gcm')[], idleTimeoutMs?, signal?: AbortSignal,
//       onProgress?: (p: TransferProgress) => void, progressIntervalMs?, rateController?, source?,
//       receiverResuming?: boolean /* the control plane says the receiver resumes: no first flight (SPEC.md §4.2.1) */ }
//   endpoint.receive(options: ReceiveOptions): RunningTransfer
//     { connectionId, secret, role, remote?, destinationDir, journalPath?, maxBytes?, memory?: 'keep' | 'discard',
//       cipherSuites?, idleTimeoutMs?, signal?, onProgress?, progressIntervalMs? }
//
//   RunningTransfer is a thenable: `const result = await endpoint.send(...)`, or keep it:
//     const t = endpoint.send(...); t.setRate({ policy, targetBitsPerSec, minBitsPerSec }); t.progress(); await t
//   TransferResult:   { files: { relativePath, sizeBytes, sha256 }[], bytes, seconds, dropped, retransmittedBytes? }
//   TransferProgress: { bytesDone, bytesTotal, rateBitsPerSec, etaSeconds, currentFile?, filesDone, filesTotal }
//   Failures reject with FerryError codes listed in docs/errors/protocol.md (e.g. FERRY_PROTOCOL_IDLE_TIMEOUT,
//   FERRY_PROTOCOL_INTEGRITY, FERRY_PROTOCOL_DISK_FULL, FERRY_PROTOCOL_ABORTED, FERRY_MANIFEST_PATH_TRAVERSAL, FERRY_PROTOCOL_QUOTA); err.details.by says which side raised it.
//   await endpoint.close()                          // aborts live sessions, closes the socket
//
// Received files are written as `<name>.ferry-partial` and renamed only after their SHA-256 matches the sender's.
// With journalPath, the receiver fsyncs data then writes the journal (atomically) every second, with the SHA-256 of each
// ~1 MiB block on disk; a later receive() with the same journalPath re-checks those blocks on disk and resumes, and the
// sender (a fresh send() of the same files) resends only what is missing or no longer matches (SPEC.md §9).
// Cut-through relay (DESIGN.md "Relay"): a node receiving A→R can send R→C from the same partial files while they arrive:
//   const inbound = endpoint.receive({ ..., destinationDir })
//   const outbound = endpoint.send({ ..., files: [{ relativePath, sizeBytes }], source: inbound.relaySource(files.map(f => f.relativePath)) })
// A block (~1 MiB) goes onward once it is all on disk at R; each file's digest once R verified it, so C checks A's SHA-256.
// The responder learns the initiator's address from its first authentic datagram; both sides must register their
// session (send/receive) before the initiator's hello retries run out (idleTimeoutMs, default 20 s).
export { UdpEndpoint, RunningTransfer, type BindOptions } from './udp-endpoint.js'
export { RelayBlockSource } from './relay-block-source.js'
export { isDiskFull } from './file-block-sink.js'
export type { SendOptions, ReceiveOptions, SendFile, TransferProgress, TransferResult, RemoteAddress } from './transfer-types.js'
export { validateRelativePath } from '../manifest/validate-relative-path.js'
export type { RateSettings, RatePolicy } from '../congestion/rate-controller.js'
