// tus expiration: removes partial uploads left idle past their Upload-Expires; the node calls it on a timer it owns.
import type { GatewayStore } from './gateway-store.js'

/** Deletes every upload whose expiry is at or before `nowMs` (record, partial file, incomplete entry); returns their ids. */
export async function sweepExpiredUploads (store: GatewayStore, nowMs: number, signal?: AbortSignal): Promise<string[]> {
  const expired: string[] = []
  for await (const record of store.listUploads()) {
    signal?.throwIfAborted()
    if (record.expiresAtMs <= nowMs) expired.push(record.id)
  }
  for (const id of expired) {
    signal?.throwIfAborted()
    await store.deleteUpload(id)
  }
  return expired
}
