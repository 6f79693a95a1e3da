// The node gateway as the browser uses it (contract F): tus endpoint, file and zip download URLs, and upload completion.
import type { TransferGrant } from './api-types.js'
import { PortalApiError } from './portal-api-error.js'

export const GATEWAY_UPLOADS_PATH = '/gateway/v1/uploads'

export function uploadEndpoint (grant: TransferGrant): string {
  return trimSlash(grant.gatewayUrl) + GATEWAY_UPLOADS_PATH
}

/** A plain link for one file; the token rides in ?token= so the browser's own download manager can fetch and resume it. */
export function fileDownloadUrl (grant: TransferGrant, pkg: string, path: string): string {
  const encodedPath = path.split('/').map(encodeURIComponent).join('/')
  return `${trimSlash(grant.gatewayUrl)}/gateway/v1/packages/${encodeURIComponent(pkg)}/files/${encodedPath}?token=${encodeURIComponent(grant.token)}`
}

export function zipDownloadUrl (grant: TransferGrant, pkg: string): string {
  return `${trimSlash(grant.gatewayUrl)}/gateway/v1/packages/${encodeURIComponent(pkg)}/zip?token=${encodeURIComponent(grant.token)}`
}

/** Asks the node to seal the upload; returns the node-signed receipt the portal needs to mark the package sent. */
export async function completeUpload (grant: TransferGrant, pkg: string, signal?: AbortSignal): Promise<string> {
  let response: Response
  try {
    response = await fetch(`${trimSlash(grant.gatewayUrl)}/gateway/v1/packages/${encodeURIComponent(pkg)}/complete`, {
      method: 'POST', headers: { authorization: `Bearer ${grant.token}` }, signal
    })
  } catch (err) {
    throw new PortalApiError(0, 'FERRY_WEB_NETWORK', 'The storage node could not be reached.', { cause: err })
  }
  const body = await response.json().catch(() => ({})) as { receipt?: string, code?: string, message?: string }
  if (!response.ok || typeof body.receipt !== 'string') {
    throw new PortalApiError(response.status, body.code ?? `HTTP_${response.status}`, body.message ?? 'The node did not return a receipt.')
  }
  return body.receipt
}

/** Records an empty folder of the package on the node (a folder that holds files needs no record). Already there is fine. */
export async function recordEmptyFolder (grant: TransferGrant, pkg: string, path: string, signal?: AbortSignal): Promise<void> {
  let response: Response
  try {
    response = await fetch(`${trimSlash(grant.gatewayUrl)}/gateway/v1/packages/${encodeURIComponent(pkg)}/folders`, {
      method: 'POST', headers: { authorization: `Bearer ${grant.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ path }), signal
    })
  } catch (err) {
    throw new PortalApiError(0, 'FERRY_WEB_NETWORK', 'The storage node could not be reached.', { cause: err })
  }
  if (response.ok || response.status === 409) return
  const body = await response.json().catch(() => ({})) as { code?: string, message?: string }
  throw new PortalApiError(response.status, body.code ?? `HTTP_${response.status}`, body.message ?? `The node refused the folder ${path}.`)
}

/**
 * The node's signed download receipt once a download with this grant was served to its last byte; undefined while it
 * has not (409). A plain link cannot tell the page when the browser finished, so the page asks the node.
 */
export async function fetchDownloadReceipt (grant: TransferGrant, pkg: string, signal?: AbortSignal): Promise<string | undefined> {
  const url = `${trimSlash(grant.gatewayUrl)}/gateway/v1/packages/${encodeURIComponent(pkg)}/download-receipt?token=${encodeURIComponent(grant.token)}`
  const response = await fetch(url, { signal }).catch(() => undefined)
  if (response === undefined || !response.ok) return undefined
  const body = await response.json().catch(() => ({})) as { receipt?: string }
  return typeof body.receipt === 'string' ? body.receipt : undefined
}

function trimSlash (url: string): string {
  return url.replace(/\/+$/, '')
}
