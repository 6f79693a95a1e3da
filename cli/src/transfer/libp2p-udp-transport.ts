// The fast path: opens /ferry/transfer/1 on the node over libp2p (Noise), then moves the bytes with the UDP driver as initiator.
import { mkdir, rm } from 'node:fs/promises'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { FerryError, isFerryError } from '@ferry/protocol'
import { UdpEndpoint, type TransferProgress, type TransferResult, type RunningTransfer } from '@ferry/protocol/driver/index'
import { TRANSFER_PROTOCOL, MAX_CONTROL_MESSAGE_BYTES, type CompleteMessage } from '@ferry/protocol/control/control-message'
import { TransferControlClient, type OpenRequest } from '@ferry/protocol/control/transfer-control-client'
import type { MessageChannel } from '@ferry/protocol/control/message-channel'
import type { CliContext } from '../cli-context.js'
import type { ProgressReporter } from '../progress/progress-reporter.js'
import { udpBlocked, type UdpTransport } from './package-transfer.js'
import { downloadJournalPath } from './download-journal.js'
import type { DownloadJob, NodeEndpoint, TransferOutcome, UploadJob } from './transfer-types.js'

/**
 * How long a new UDP session may show no progress before the verdict "UDP is blocked" sends the transfer to the
 * gateway (ms): loopback and LAN handshakes take milliseconds, a WAN one well under a second; a loaded machine gets slack.
 */
const UDP_FIRST_PROGRESS_TIMEOUT_MS = 15_000
/** How long an established transfer may make no progress before it is aborted, to be resumed by running it again (ms). */
const UDP_STALL_TIMEOUT_MS = 60_000
/**
 * The driver's own idle timeout (ms), set far beyond the watchdogs above: the CLI decides about silence itself, and a
 * session that never completed its handshake is abandoned with its endpoint rather than closed (closing one before the
 * handshake makes the driver try to seal a close frame with no cipher yet and throw from its timer).
 */
const DRIVER_IDLE_TIMEOUT_MS = 60 * 60_000
/** Longest the libp2p dial and the node's accept may take (ms). */
const CONTROL_TIMEOUT_MS = 15_000

export class Libp2pUdpTransport implements UdpTransport {
  constructor (private readonly ctx: CliContext) {}

  async upload (job: UploadJob): Promise<TransferOutcome> {
    const manifest = job.files.map(f => ({ path: f.relativePath, sizeBytes: f.sizeBytes }))
    const outcome = await this.run(job.node, job.signal, job.reporter, { token: job.token, direction: 'upload', manifest, rate: job.rate }, (control, endpoint, remote, onProgress, signal) => {
      const done = new Set(control.accept.resume.completePaths)
      const files = job.files.filter(f => !done.has(f.relativePath)).map(f => ({ relativePath: f.relativePath, absolutePath: f.absolutePath, sizeBytes: f.sizeBytes }))
      const bytesTotal = job.files.reduce((n, f) => n + f.sizeBytes, 0)
      job.reporter.start({ id: job.pkg, direction: 'upload', bytesTotal, filesTotal: job.files.length, via: `udp ${remote.host}:${remote.port}` })
      if (done.size > 0) job.reporter.notice(`resuming: ${done.size} of ${job.files.length} file(s) already on ${job.node.name}`, { resumedFiles: done.size })
      if (files.length === 0) return undefined
      return endpoint.send({
        connectionId: control.accept.connectionId, secret: Buffer.from(control.accept.secret, 'base64'), role: 'initiator', remote, files, rate: job.rate,
        receiverResuming: control.accept.resume.receiverResuming === true, idleTimeoutMs: DRIVER_IDLE_TIMEOUT_MS, signal, onProgress
      })
    })
    // Empty folders carry no bytes: the UDP manifest holds files only, so they are recorded through the node's gateway.
    for (const folder of job.emptyFolders) {
      const response = await fetch(`${job.node.httpUrl.replace(/\/+$/, '')}/gateway/v1/packages/${encodeURIComponent(job.pkg)}/folders`, {
        method: 'POST', headers: { authorization: `Bearer ${job.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ path: folder }), signal: job.signal
      }).catch(() => undefined)
      if (response?.ok !== true) job.reporter.notice(`could not record the empty folder ${folder} on ${job.node.name} (${response?.status ?? 'unreachable'})`, { folder })
    }
    return outcome
  }

  async download (job: DownloadJob): Promise<TransferOutcome> {
    const journalPath = downloadJournalPath(job.stateDir, job.pkg, job.destinationDir)
    await mkdir(job.stateDir, { recursive: true, mode: 0o700 })
    const outcome = await this.run(job.node, job.signal, job.reporter, { token: job.token, direction: 'download', rate: job.rate, ...(job.paths === undefined ? {} : { paths: job.paths }) }, (control, endpoint, remote, onProgress, signal) => {
      const files = control.accept.manifest
      job.reporter.start({ id: job.pkg, direction: 'download', bytesTotal: files.reduce((n, f) => n + f.sizeBytes, 0), filesTotal: files.length, via: `udp ${remote.host}:${remote.port}` })
      return endpoint.receive({ connectionId: control.accept.connectionId, secret: Buffer.from(control.accept.secret, 'base64'), role: 'initiator', remote, destinationDir: job.destinationDir, journalPath, idleTimeoutMs: DRIVER_IDLE_TIMEOUT_MS, signal, onProgress })
    })
    await rm(journalPath, { force: true })
    return outcome
  }

  private async run (
    node: NodeEndpoint, outerSignal: AbortSignal, reporter: ProgressReporter, open: OpenRequest,
    start: (control: TransferControlClient, endpoint: UdpEndpoint, remote: { host: string, port: number }, onProgress: (p: TransferProgress) => void, signal: AbortSignal) => RunningTransfer | undefined
  ): Promise<TransferOutcome> {
    const startedMs = performance.now()
    const signal = outerSignal
    // The session's own signal: aborted only once the session is past its handshake (see DRIVER_IDLE_TIMEOUT_MS).
    const sessionAbort = new AbortController()
    let sessionSettled = false
    let host: Libp2p | undefined
    let endpoint: UdpEndpoint | undefined
    let blackhole: UdpEndpoint | undefined
    let control: TransferControlClient | undefined
    let lastProgressBytes = 0
    let lastProgressAtMs = performance.now()
    let handshaken = false
    try {
      host = await createLibp2p({ addresses: { listen: [] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
      const stream = await host.dialProtocol(node.multiaddrs.map(a => multiaddr(a)), TRANSFER_PROTOCOL, { signal: AbortSignal.any([signal, AbortSignal.timeout(CONTROL_TIMEOUT_MS)]) })
      control = await TransferControlClient.open(streamChannel(stream), open, { signal: AbortSignal.any([signal, AbortSignal.timeout(CONTROL_TIMEOUT_MS)]) })
      const accept = control.accept
      endpoint = await UdpEndpoint.bind({ host: accept.udpHost.includes(':') ? '::' : '0.0.0.0', port: 0 })
      let remote = { host: accept.udpHost, port: accept.udpPort }
      if (this.ctx.env.FERRY_UDP === 'blocked') {
        // Rehearsal of a network that drops UDP: datagrams go to a socket that answers nothing, so the fallback runs for real.
        blackhole = await UdpEndpoint.bind({ host: '127.0.0.1', port: 0 })
        remote = { host: '127.0.0.1', port: blackhole.port }
      }
      const completion: Promise<CompleteMessage> = control.complete({ signal })
      completion.catch(() => {})
      const onProgress = (p: TransferProgress): void => {
        if (p.bytesDone !== lastProgressBytes) {
          lastProgressBytes = p.bytesDone
          lastProgressAtMs = performance.now()
          handshaken = true
        }
        reporter.update(p)
      }
      // Not awaited: a RunningTransfer is a thenable, and awaiting it here would wait for the whole transfer.
      const running = start(control, endpoint, remote, onProgress, sessionAbort.signal)
      let result: TransferResult | undefined
      if (running !== undefined) {
        let watchdog: NodeJS.Timeout | undefined
        const silence = new Promise<never>((_resolve, reject) => {
          watchdog = setInterval(() => {
            const quietMs = performance.now() - lastProgressAtMs
            if (!handshaken && quietMs > UDP_FIRST_PROGRESS_TIMEOUT_MS) {
              reject(udpBlocked(`no answer from UDP ${remote.host}:${remote.port} within ${UDP_FIRST_PROGRESS_TIMEOUT_MS / 1000} s`))
            } else if (handshaken && quietMs > UDP_STALL_TIMEOUT_MS) {
              reject(new FerryError('FERRY_CLI_UDP_STALLED', `the transfer made no progress for ${UDP_STALL_TIMEOUT_MS / 1000} s; run the same command again to resume`))
            }
          }, 500)
        })
        const interrupted = new Promise<never>((_resolve, reject) => {
          if (signal.aborted) reject(signal.reason)
          signal.addEventListener('abort', () => reject(signal.reason), { once: true })
        })
        const nodeFailed = completion.then(() => new Promise<never>(() => {}))
        const done = running.done.finally(() => { sessionSettled = true })
        done.catch(() => {})
        try {
          result = await Promise.race([done, silence, interrupted, nodeFailed])
        } catch (err) {
          // A node error on the control stream explains a UDP failure better than the UDP failure does.
          const nodeError = await Promise.race([completion.then(() => undefined, (e: unknown) => e), new Promise(resolve => setTimeout(resolve, 200, undefined))])
          if (nodeError !== undefined && !(isFerryError(err) && err.code === 'FERRY_CLI_UDP_BLOCKED')) throw nodeError
          throw err
        } finally {
          clearInterval(watchdog)
        }
      }
      const complete = await completion
      const bytes = result?.bytes ?? 0
      return {
        receipt: complete.receipt,
        files: complete.files.map(f => ({ path: f.path, sizeBytes: f.sizeBytes, sha256: f.sha256 ?? '' })),
        bytes,
        seconds: (performance.now() - startedMs) / 1000,
        via: 'udp'
      }
    } catch (err) {
      if (control !== undefined) await control.cancel().catch(() => {})
      throw err
    } finally {
      if (sessionSettled || handshaken) {
        sessionAbort.abort()
        await endpoint?.close().catch(() => {})
      }
      // Otherwise the endpoint is left open and unreferenced: the process exits soon after, and the driver stays quiet.
      await blackhole?.close().catch(() => {})
      await Promise.resolve(host?.stop()).catch(() => {})
    }
  }
}

function streamChannel (stream: Awaited<ReturnType<Libp2p['dialProtocol']>>): MessageChannel {
  const lp = lpStream(stream, { maxDataLength: MAX_CONTROL_MESSAGE_BYTES })
  return {
    read: async (options) => {
      try {
        return (await lp.read(options)).subarray()
      } catch (err) {
        if ((err as Error).name === 'UnexpectedEOFError') return null
        throw err
      }
    },
    write: async (message, options) => { await lp.write(message, options) },
    close: async () => { await stream.close({ signal: AbortSignal.timeout(2_000) }).catch(() => stream.abort(new Error('close timed out'))) }
  }
}
