// Runs a package upload or download over UDP, falling back to the node's HTTP gateway (and saying so) when UDP cannot get through.
import { FerryError, isFerryError } from '@ferry/protocol'
import { gatewayDownload, gatewayUpload } from './gateway-transfer.js'
import type { DownloadJob, TransferOutcome, UploadJob } from './transfer-types.js'

/** The fast path; absent when this build has no UDP driver. Throws FERRY_CLI_UDP_BLOCKED when no datagram gets through. */
export interface UdpTransport {
  upload (job: UploadJob): Promise<TransferOutcome>
  download (job: DownloadJob): Promise<TransferOutcome>
}

export interface TransferChoice {
  udp?: UdpTransport
  /** `--via gateway` or FERRY_UDP=off: skip UDP outright (networks known to block it). */
  forceGateway: boolean
}

export async function uploadPackage (job: UploadJob, choice: TransferChoice): Promise<TransferOutcome> {
  return await withFallback(job, choice, async udp => await udp.upload(job), async () => await gatewayUpload(job))
}

export async function downloadPackage (job: DownloadJob, choice: TransferChoice): Promise<TransferOutcome> {
  return await withFallback(job, choice, async udp => await udp.download(job), async () => await gatewayDownload(job))
}

async function withFallback (job: UploadJob | DownloadJob, choice: TransferChoice, viaUdp: (udp: UdpTransport) => Promise<TransferOutcome>, viaGateway: () => Promise<TransferOutcome>): Promise<TransferOutcome> {
  if (choice.forceGateway) {
    job.reporter.notice(`using the HTTP gateway of ${job.node.name} (UDP turned off)`, { via: 'gateway' })
    return await viaGateway()
  }
  if (choice.udp === undefined) {
    job.reporter.notice(`this ferry build has no UDP driver; using the HTTP gateway of ${job.node.name}`, { via: 'gateway' })
    return await viaGateway()
  }
  try {
    return await viaUdp(choice.udp)
  } catch (err) {
    if (!isFerryError(err) || err.code !== 'FERRY_CLI_UDP_BLOCKED' || job.signal.aborted) throw err
    job.reporter.notice(`UDP to ${job.node.name} (${job.node.udpHost}:${job.node.udpPort}) is blocked (${err.message}); falling back to its HTTP gateway ${job.node.httpUrl}, which is slower on long or lossy links`, { via: 'gateway', reason: 'udp-blocked' })
    return await viaGateway()
  }
}

/** The error the UDP transport raises when nothing comes back from the node's UDP port. */
export function udpBlocked (detail: string, cause?: unknown): FerryError {
  return new FerryError('FERRY_CLI_UDP_BLOCKED', detail, { cause })
}
